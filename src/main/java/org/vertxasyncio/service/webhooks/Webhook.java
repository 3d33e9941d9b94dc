package org.vertxasyncio.service.webhooks;

/**
 * One webhook of a task: where to POST the task when it is done, and the HMAC key to sign with (null:
 * unsigned).
 */
public record Webhook(String url, byte[] key) {
  public boolean signed() {
    return key != null;
  }
}
