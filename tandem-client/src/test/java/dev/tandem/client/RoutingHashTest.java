package dev.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RoutingHashTest {
    @Test
    void shouldHashAsMurmur3X64128DoesInEveryLanguage() {
        // Computed with Guava's Hashing.murmur3_128().hashString(key, UTF_8).asLong(): any port of
        // MurmurHash3 gives the same buckets, so services in other languages can route alike.
        assertThat(Long.toUnsignedString(RoutingHash.murmur3(bytes("")))).isEqualTo("0");
        assertThat(Long.toUnsignedString(RoutingHash.murmur3(bytes("a")))).isEqualTo("9607679276477937801");
        assertThat(Long.toUnsignedString(RoutingHash.murmur3(bytes("customer-42"))))
                .isEqualTo("9216292585851122729");
        assertThat(Long.toUnsignedString(RoutingHash.murmur3(bytes("0123456789abcdef"))))
                .isEqualTo("5467490433528156583");
        assertThat(Long.toUnsignedString(RoutingHash.murmur3(bytes("0123456789abcdefg"))))
                .isEqualTo("10246358950979434974");
        assertThat(Long.toUnsignedString(RoutingHash.murmur3(bytes("κλειδί-ünïcode-🙂"))))
                .isEqualTo("4423304280791363645");
        assertThat(RoutingHash.bucket("customer-42")).isEqualTo(29);
    }

    @Test
    void shouldOnlyMoveKeysFromOldToNewAsThePercentageRises() {
        for (int k = 0; k < 10_000; k++) {
            String key = "key-" + k;
            boolean wasNew = false;
            for (int percent = 0; percent <= 100; percent++) {
                boolean isNew = RoutingHash.readsNew(key, percent);
                assertThat(!wasNew || isNew)
                        .as("key %s went back to old at %d%%", key, percent)
                        .isTrue();
                wasNew = isNew;
            }
            assertThat(RoutingHash.readsNew(key, 0)).isFalse();
            assertThat(RoutingHash.readsNew(key, 100)).isTrue();
        }
    }

    @Test
    void shouldSendAboutThePercentageOfKeysToTheNewSide() {
        int n = 100_000;
        for (int percent : new int[] {1, 10, 25, 50, 90}) {
            int moved = 0;
            for (int k = 0; k < n; k++) {
                moved += RoutingHash.readsNew("customer:" + k, percent) ? 1 : 0;
            }
            assertThat(moved / (double) n).isCloseTo(percent / 100.0, org.assertj.core.data.Offset.offset(0.01));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
