package org.vertxasyncio.service.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a request presents, against the configured tokens. */
class BearerAuthTest {
  final BearerAuth auth = new BearerAuth(List.of("token-one-0123456789", "token-two-0123456789"));

  @Test
  void theHeaderWinsOverTheQueryAndAnyTokenMatches() {
    assertEquals(BearerAuth.Verdict.VALID, auth.check("Bearer token-one-0123456789", null));
    assertEquals(BearerAuth.Verdict.VALID, auth.check("bearer   token-two-0123456789 ", null));
    assertEquals(BearerAuth.Verdict.VALID, auth.check(null, "token-two-0123456789"));
    assertEquals(BearerAuth.Verdict.INVALID, auth.check("Bearer nope", "token-one-0123456789"), "a bad header is not rescued by the query");
    assertEquals(BearerAuth.Verdict.INVALID, auth.check("Basic dG9rZW4tb25l", null));
    assertEquals(BearerAuth.Verdict.INVALID, auth.check("Bearer token-one-012345678", null), "a prefix is not the token");
    assertEquals(BearerAuth.Verdict.INVALID, auth.check("Bearer token-one-01234567890", null));
    assertEquals(BearerAuth.Verdict.MISSING, auth.check(null, null));
    assertEquals(BearerAuth.Verdict.MISSING, auth.check(null, ""));
  }

  @Test
  void noTokensMeansNoAuthentication() {
    assertFalse(new BearerAuth(List.of()).enabled());
  }
}
