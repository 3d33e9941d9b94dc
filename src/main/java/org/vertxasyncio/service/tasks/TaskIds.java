package org.vertxasyncio.service.tasks;

import java.security.SecureRandom;
import java.time.Clock;

/**
 * Task ids: ULIDs (26 characters of Crockford base 32: 48 bits of milliseconds, then 80 random bits).
 * They sort by creation time as strings, and are unique across restarts without a store: a new process
 * draws new random bits. Within one millisecond the random part is incremented, so ids made by this
 * generator are strictly increasing.
 *
 * <p>The random bits come from a {@link SecureRandom}, drawn {@value #POOL_BYTES} bytes at a time and used
 * once each (ten bytes per new millisecond): one call of the generator per {@value #IDS_PER_DRAW} new
 * milliseconds instead of two per id, the same bits otherwise.
 */
public final class TaskIds {
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

  private final Clock clock;
  /** Random bytes drawn at once: the random parts of this many ids of distinct milliseconds. */
  private static final int IDS_PER_DRAW = 256;
  /** Ten bytes per id: 16 + 64 random bits. */
  private static final int POOL_BYTES = IDS_PER_DRAW * 10;

  private final SecureRandom random = new SecureRandom();
  /** Random bytes not used yet: those from {@link #poolAt} on. */
  private final byte[] pool = new byte[POOL_BYTES];
  private int poolAt = POOL_BYTES;
  private long lastMillis = -1;
  private long randHi; // 16 bits
  private long randLo; // 64 bits

  public TaskIds(Clock clock) {
    this.clock = clock;
  }

  /** The next id; thread-safe. */
  public synchronized String next() {
    long now = clock.millis();
    if (now <= lastMillis) {
      now = lastMillis; // the clock went back or stood still: stay monotonic
      randLo++;
      if (randLo == 0) {
        randHi = (randHi + 1) & 0xFFFF;
        if (randHi == 0) {
          now++; // 2^80 ids in one millisecond: borrow the next one
        }
      }
    } else {
      if (poolAt == POOL_BYTES) {
        random.nextBytes(pool);
        poolAt = 0;
      }
      randHi = ((pool[poolAt] & 0xFFL) << 8) | (pool[poolAt + 1] & 0xFFL);
      long lo = 0;
      for (int i = poolAt + 2; i < poolAt + 10; i++) {
        lo = (lo << 8) | (pool[i] & 0xFFL);
      }
      randLo = lo;
      poolAt += 10;
    }
    lastMillis = now;
    return encode(now, randHi, randLo);
  }

  static String encode(long millis, long hi16, long lo64) {
    char[] out = new char[26];
    // 48-bit time in 10 characters (50 bits; the top 2 are zero)
    long t = millis;
    for (int i = 9; i >= 0; i--) {
      out[i] = ALPHABET[(int) (t & 31)];
      t >>>= 5;
    }
    // 80 random bits in 16 characters
    long lo = lo64;
    long hi = hi16;
    for (int i = 25; i >= 10; i--) {
      out[i] = ALPHABET[(int) (lo & 31)];
      lo = (lo >>> 5) | ((hi & 31) << 59);
      hi >>>= 5;
    }
    return new String(out);
  }
}
