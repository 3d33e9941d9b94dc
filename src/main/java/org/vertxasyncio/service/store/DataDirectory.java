package org.vertxasyncio.service.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The data directory ({@code store.path}) made ready before the database is opened: made if missing, and
 * writable by this process (SQLite writes {@code tasks.db}, {@code tasks.db-wal} and {@code tasks.db-shm}
 * in it). When it is not, the error says whose it is, who this process is and what to do: the usual
 * case is a host directory bind-mounted into the container, which keeps its host owner while the
 * service runs as the image's non-root user.
 */
final class DataDirectory {
  private DataDirectory() {
  }

  /** Makes {@code dir} if missing; fails with a {@link StoreException} saying what to do when it cannot be written. */
  static void prepare(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (AccessDeniedException e) {
      throw notWritable(dir, "cannot be created");
    } catch (IOException e) {
      throw new StoreException("Cannot create the data directory " + dir + " (store.path): " + e, e);
    }
    if (!Files.isWritable(dir)) {
      throw notWritable(dir, "is not writable by this process");
    }
  }

  /** The error for a data directory (or a file in it) this process may not write. */
  static StoreException notWritable(Path dir, String what) {
    Path abs = dir.toAbsolutePath().normalize();
    Path existing = abs;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    String self = processUid();
    String owner = existing == null ? null : ownerUid(existing);
    StringBuilder m = new StringBuilder("The data directory ").append(abs).append(" (store.path) ").append(what)
        .append(": the service runs as ").append(self == null ? "a user" : "uid " + self);
    if (owner != null) {
      m.append(" and ").append(existing).append(" belongs to uid ").append(owner);
    }
    m.append(". Make it writable by the service's user (on the host, for a directory mounted into a container: ")
        .append("chown -R ").append(self == null ? "<the service's uid>" : self).append(" <that directory>")
        .append("; a named volume needs nothing), run the service as the directory's owner (docker run --user ")
        .append(owner == null ? "<owner uid>" : owner).append("), or set store.path (STORE_PATH) to a writable directory");
    return new StoreException(m.toString());
  }

  private static String processUid() {
    try {
      return String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return null; // not Linux: say less
    }
  }

  private static String ownerUid(Path p) {
    try {
      return String.valueOf(Files.getAttribute(p, "unix:uid"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return null;
    }
  }
}
