package dev.tandem.core;

import java.util.Collection;
import java.util.Optional;

/** "Did you mean ...?" for misspelt keys and names. */
final class Suggestions {
    private static final int MAX_DISTANCE = 2;

    private Suggestions() {}

    /** The closest candidate within edit distance 2, or one the word is a prefix of (or vice versa). */
    static Optional<String> closest(String word, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int distance = distance(word, candidate);
            boolean prefix = word.length() >= 2 && (candidate.startsWith(word) || word.startsWith(candidate));
            if ((distance <= MAX_DISTANCE || prefix) && distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return Optional.ofNullable(best);
    }

    /** "; did you mean 'x'?" or the empty string. */
    static String didYouMean(String word, Collection<String> candidates) {
        return closest(word, candidates).map(c -> "; did you mean '" + c + "'?").orElse("");
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
