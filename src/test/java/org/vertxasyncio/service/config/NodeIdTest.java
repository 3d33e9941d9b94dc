package org.vertxasyncio.service.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NodeIdTest {
  static ServiceConfig config(Object nodeId, int port) {
    return ServiceConfig.from(new JsonObject().put("node.id", nodeId).put("http.port", port));
  }

  @Test
  void aNodeIdThatIsSetIsTakenAsItIs() {
    assertEquals("web1_a.b-2", NodeId.of(config("web1_a.b-2", 8080)));
    assertEquals("web1", NodeId.of(config("  web1 ", 8080)), "surrounding blanks are not part of it");
    String longest = "n".repeat(NodeId.MAX_LENGTH);
    assertEquals(longest, NodeId.of(config(longest, 8080)));
  }

  @Test
  void emptyMeansTheHostNameThePortAndARandomSuffix() {
    String id = NodeId.of(config("", 8080));
    assertTrue(Pattern.matches(Pattern.quote(NodeId.hostName()) + "-8080-[0-9a-f]{4}", id), id);
    assertTrue(NodeId.VALID.matcher(id).matches(), id);
    String anyPort = NodeId.of(config("", 0));
    assertTrue(Pattern.matches(Pattern.quote(NodeId.hostName()) + "-[0-9a-f]{4}", anyPort), "port 0 is left out: " + anyPort);
    assertEquals("", ServiceConfig.defaults().get(ConfigKeys.NODE_ID), "the default is empty");
  }

  @Test
  void aDefaultIsANodeIdWhateverTheHostName() {
    assertEquals("web1", NodeId.clean("web1.example.com"), "the short host name");
    assertEquals("my-host-", NodeId.clean("my host!"));
    assertEquals("node", NodeId.clean(" "), "none to be found");
    String id = NodeId.defaultFor("h".repeat(200), 65535);
    assertEquals(NodeId.MAX_LENGTH, id.length(), id);
    assertTrue(id.matches("h+-65535-[0-9a-f]{4}"), "the host name is cut, not the port nor the suffix: " + id);
  }

  @Test
  void anInvalidNodeIdNamesTheKeyAndWhatIsAllowed() {
    for (Object bad : new Object[] {"web 1", "a/b", "é", "n".repeat(NodeId.MAX_LENGTH + 1), 42}) {
      ConfigException e = assertThrows(ConfigException.class, () -> config(bad, 8080), String.valueOf(bad));
      assertTrue(e.getMessage().startsWith("node.id (NODE_ID) must be "), e.getMessage());
      assertTrue(bad instanceof Integer || e.getMessage().contains("A-Z a-z 0-9 . _ -"), e.getMessage());
    }
  }
}
