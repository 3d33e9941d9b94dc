package org.vertxasyncio.service.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;

/**
 * Bearer tokens ({@code auth.tokens}): whether a request presents one of them.
 *
 * <p>The comparison takes the same time whatever the token presented: both sides are SHA-256 digests
 * (so their lengths are equal and say nothing about the tokens), compared with
 * {@link MessageDigest#isEqual}, against every configured token without stopping at a match. Tokens are
 * held as digests only, and neither they nor a presented token are ever logged or shown.
 */
final class BearerAuth {
  /** What a request presented. */
  enum Verdict { MISSING, INVALID, VALID }

  private final List<byte[]> digests;

  BearerAuth(List<String> tokens) {
    this.digests = tokens.stream().map(BearerAuth::sha256).toList();
  }

  boolean enabled() {
    return !digests.isEmpty();
  }

  /**
   * Checks an {@code Authorization} header value ({@code Bearer <token>}, the scheme in any case) or,
   * where the route allows one, an {@code access_token} query parameter.
   */
  Verdict check(String authorization, String accessToken) {
    String token = null;
    if (authorization != null) {
      String a = authorization.trim();
      if (a.length() > 7 && a.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
        token = a.substring(7).trim();
      } else {
        return Verdict.INVALID;
      }
    } else if (accessToken != null) {
      token = accessToken;
    }
    if (token == null || token.isEmpty()) {
      return Verdict.MISSING;
    }
    byte[] presented = sha256(token);
    boolean match = false;
    for (byte[] d : digests) {
      match |= MessageDigest.isEqual(d, presented);
    }
    return match ? Verdict.VALID : Verdict.INVALID;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
