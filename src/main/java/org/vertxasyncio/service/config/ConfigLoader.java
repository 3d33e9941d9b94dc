package org.vertxasyncio.service.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads the configuration with vertx-config from two stores, declared here in this order so that the
 * later one wins: the JSON file ({@code conf/config.json}, flat dotted keys), then the environment
 * (only the variables named after a known key: {@code HTTP_PORT} for {@code http.port}). vertx-config's
 * default stores are not used: they would let the file win over the environment.
 */
public final class ConfigLoader {
  /** The file read when none is named. */
  public static final String DEFAULT_FILE = "conf/config.json";

  private ConfigLoader() {
  }

  /**
   * Loads and checks the configuration.
   *
   * @param file the JSON file, or null for {@link #DEFAULT_FILE} (optional: defaults apply without it)
   * @param env  null to read the process environment through vertx-config's {@code env} store; a map to
   *             stand in for it (tests), read through a {@code json} store at the same place
   * @return a future failed with a {@link ConfigException} naming the key when a value is invalid, or
   *     naming the file when it is missing (a named one) or not JSON
   */
  public static Future<ServiceConfig> load(Vertx vertx, String file, Map<String, String> env) {
    String path = file != null ? file : DEFAULT_FILE;
    boolean named = file != null;
    if (named && !Files.isRegularFile(Path.of(path))) {
      return Future.failedFuture(new ConfigException("Configuration file " + path + " does not exist"));
    }
    JsonArray envNames = new JsonArray();
    ConfigKeys.all().forEach(k -> envNames.add(k.envName()));

    ConfigStoreOptions fileStore = new ConfigStoreOptions().setType("file").setFormat("json")
        .setOptional(!named)
        .setConfig(new JsonObject().put("path", path));
    ConfigStoreOptions envStore;
    if (env == null) {
      envStore = new ConfigStoreOptions().setType("env")
          .setConfig(new JsonObject().put("keys", envNames).put("raw-data", true));
    } else {
      JsonObject fake = new JsonObject();
      env.forEach((k, v) -> {
        if (envNames.contains(k)) {
          fake.put(k, v);
        }
      });
      envStore = new ConfigStoreOptions().setType("json").setConfig(fake);
    }
    ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
        .setIncludeDefaultStores(false)
        .addStore(fileStore)
        .addStore(envStore)
        .setScanPeriod(-1));
    return retriever.getConfig()
        .transform(ar -> {
          retriever.close();
          if (ar.failed()) {
            return Future.failedFuture(new ConfigException("Cannot read configuration file " + path + ": "
                + ar.cause().getMessage(), ar.cause()));
          }
          try {
            return Future.succeededFuture(ServiceConfig.from(fromEnvNames(ar.result())));
          } catch (ConfigException e) {
            return Future.failedFuture(e);
          }
        });
  }

  /** Renames the environment's keys ({@code HTTP_PORT}) to the file's ({@code http.port}); theirs win. */
  static JsonObject fromEnvNames(JsonObject merged) {
    JsonObject out = merged.copy();
    for (ConfigKey<?> key : ConfigKeys.all()) {
      if (out.containsKey(key.envName())) {
        out.put(key.name(), out.remove(key.envName()));
      }
    }
    return out;
  }
}
