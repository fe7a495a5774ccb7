package dev.tandem.postgres;

/**
 * One shadow read whose two sides differed, as a client reported it in {@code
 * tandem.heartbeats.shadow_samples}: the routing key (null when the sample has none) and the
 * difference, as {@code field: old -> new} for each differing field, joined by {@code ; } (the JSON
 * of the sample, without its key, when it does not list its fields as tandem-client does).
 */
public record ShadowSample(String service, String instance, String key, String difference) {}
