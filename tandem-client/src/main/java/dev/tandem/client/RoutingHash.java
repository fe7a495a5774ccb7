package dev.tandem.client;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The stable hash that splits routing keys between the sides: the first 64 bits of MurmurHash3
 * x64_128 (seed 0) of the key's UTF-8 bytes, as Guava's {@code Hashing.murmur3_128().hashString(key,
 * UTF_8).asLong()} and every other MurmurHash3 port compute it. A key's bucket is that value, unsigned,
 * modulo 100; it reads the new side when its bucket is below the reads-new percentage. So a key sees
 * one side for a given percentage, in every JVM and after every restart, and raising the percentage
 * only moves keys from old to new.
 */
final class RoutingHash {
    private static final long C1 = 0x87c37b91114253d5L;
    private static final long C2 = 0x4cf5ad432745937fL;

    private RoutingHash() {}

    /** The key's bucket, 0 to 99. */
    static int bucket(String key) {
        return (int) Long.remainderUnsigned(murmur3(key.getBytes(StandardCharsets.UTF_8)), 100);
    }

    /** Whether the key reads the new side when {@code percent} of keys do. */
    static boolean readsNew(String key, int percent) {
        return percent >= 100 || (percent > 0 && bucket(key) < percent);
    }

    static long murmur3(byte[] data) {
        long h1 = 0;
        long h2 = 0;
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int blocks = data.length / 16;
        for (int i = 0; i < blocks; i++) {
            long k1 = b.getLong(i * 16);
            long k2 = b.getLong(i * 16 + 8);
            h1 ^= mixK1(k1);
            h1 = Long.rotateLeft(h1, 27) + h2;
            h1 = h1 * 5 + 0x52dce729;
            h2 ^= mixK2(k2);
            h2 = Long.rotateLeft(h2, 31) + h1;
            h2 = h2 * 5 + 0x38495ab5;
        }
        long k1 = 0;
        long k2 = 0;
        int tail = blocks * 16;
        int rest = data.length & 15;
        for (int i = rest - 1; i >= 8; i--) {
            k2 ^= (data[tail + i] & 0xffL) << ((i - 8) * 8);
        }
        for (int i = Math.min(rest, 8) - 1; i >= 0; i--) {
            k1 ^= (data[tail + i] & 0xffL) << (i * 8);
        }
        if (rest > 8) {
            h2 ^= mixK2(k2);
        }
        if (rest > 0) {
            h1 ^= mixK1(k1);
        }
        h1 ^= data.length;
        h2 ^= data.length;
        h1 += h2;
        h2 += h1;
        h1 = fmix64(h1);
        h2 = fmix64(h2);
        h1 += h2;
        return h1;
    }

    private static long mixK1(long k1) {
        k1 *= C1;
        k1 = Long.rotateLeft(k1, 31);
        return k1 * C2;
    }

    private static long mixK2(long k2) {
        k2 *= C2;
        k2 = Long.rotateLeft(k2, 33);
        return k2 * C1;
    }

    private static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
