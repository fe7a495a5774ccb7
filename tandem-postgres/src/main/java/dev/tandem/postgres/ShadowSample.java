package dev.tandem.postgres;

/**
 * One shadow read whose two sides differed, as a client reported it in {@code
 * tandem.heartbeats.shadow_samples}: the routing key (null when the sample has none) and the
 * difference, as the client wrote it (JSON text of the sample without its key).
 */
public record ShadowSample(String service, String instance, String key, String difference) {}
