package org.vertxasyncio.service.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code webhook-signature: v1,<base64 of HMAC-SHA256(key, id + "." +
 * timestamp + "." + body)>}, where {@code timestamp} is the {@code webhook-timestamp} header (Unix
 * seconds) and {@code id} the {@code webhook-id} header.
 *
 * <p>How a secret becomes the HMAC key: a secret that starts with {@code whsec_} is the Standard Webhooks
 * form, and the rest is base64 of the key bytes; any other secret is used as its UTF-8 bytes.
 */
public final class WebhookSignature {
  /** The prefix of Standard Webhooks secrets. */
  public static final String PREFIX = "whsec_";

  private WebhookSignature() {
  }

  /**
   * The HMAC key of {@code secret}.
   *
   * @throws IllegalArgumentException if a {@code whsec_} secret is not valid base64 or is empty
   */
  public static byte[] key(String secret) {
    if (secret.startsWith(PREFIX)) {
      byte[] k;
      try {
        k = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("a secret starting with whsec_ must continue with base64 (" + e.getMessage() + ")");
      }
      if (k.length == 0) {
        throw new IllegalArgumentException("a secret starting with whsec_ must continue with base64 of at least one byte");
      }
      return k;
    }
    return secret.getBytes(StandardCharsets.UTF_8);
  }

  /** {@code v1,<base64 signature>} for the message {@code id.timestamp.body}. */
  public static String sign(byte[] key, String id, long timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
      mac.update(body);
      return "v1," + Base64.getEncoder().encodeToString(mac.doFinal());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
