package io.georeg.testkit.history;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One operation of a recorded history, in the form a register checker reads: who ran it, on which
 * key, what it wrote or read, when it was invoked and when it completed (one monotonic clock for
 * the whole history), and whether it took effect.
 *
 * <p>Keys name one register or set each, e.g. {@code tag:repo:latest}, {@code manifest:repo@sha256:…},
 * {@code blob:repo@sha256:…} (registers whose values are digests, or {@link #ABSENT}) and
 * {@code referrers:repo@sha256:…} (a set of referrer digests).
 *
 * @param type what the operation did
 * @param value a write's value, a read's observed value, an add's member ({@link #ABSENT} for "not there")
 * @param views for a write: what a reader of each {@code Accept} class sees of it, when not the value
 *     itself (an old client that cannot take a manifest list is served its amd64 child; one that
 *     cannot take OCI gets a 404, {@link #ABSENT})
 * @param acceptClass for a read: the {@code Accept} class it sent
 * @param members for a set read: the members it saw
 * @param source for a read: who served it (the router's {@code X-Georeg-Source}) and through which
 *     router; for a write, the router it went through; or empty
 */
public record Op(
        int client,
        Type type,
        String key,
        String value,
        Map<String, String> views,
        String acceptClass,
        Set<String> members,
        long invoked,
        long completed,
        Outcome outcome,
        String source) {
    /** The value of a register that does not hold anything (never written, deleted, or a 404). */
    public static final String ABSENT = "<absent>";
    /** The {@code Accept} class of a client that takes every manifest type. */
    public static final String ACCEPT_ALL = "all";

    public enum Type {
        /** A register write (push, overwrite, or a delete writing {@link #ABSENT}). */
        WRITE,
        /** A register read. */
        READ,
        /** An add to a set (a referrer pushed with a subject). */
        ADD,
        /** A read of a whole set (a referrers list). */
        READ_SET
    }

    public enum Outcome {
        /** Took effect (the registry answered success). */
        OK,
        /** Did not take effect (the registry refused it). */
        FAILED,
        /** May or may not have taken effect, at any time after its invocation (a time-out, a 5xx, a broken connection). */
        UNKNOWN
    }

    public Op {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(outcome, "outcome");
        views = views == null ? Map.of() : Map.copyOf(views);
        members = members == null ? Set.of() : Set.copyOf(members);
        acceptClass = acceptClass == null ? ACCEPT_ALL : acceptClass;
        source = source == null ? "" : source;
        if (completed < invoked) {
            throw new IllegalArgumentException("completed before invoked: " + key);
        }
    }

    public static Op write(
            int client,
            String key,
            String value,
            Map<String, String> views,
            long invoked,
            long completed,
            Outcome outcome) {
        return new Op(client, Type.WRITE, key, value, views, null, null, invoked, completed, outcome, null);
    }

    public static Op read(
            int client,
            String key,
            String acceptClass,
            String observed,
            long invoked,
            long completed,
            Outcome outcome,
            String source) {
        return new Op(client, Type.READ, key, observed, null, acceptClass, null, invoked, completed, outcome, source);
    }

    public static Op add(int client, String key, String member, long invoked, long completed, Outcome outcome) {
        return new Op(client, Type.ADD, key, member, null, null, null, invoked, completed, outcome, null);
    }

    public static Op readSet(
            int client, String key, Set<String> members, long invoked, long completed, Outcome outcome, String source) {
        return new Op(client, Type.READ_SET, key, null, null, null, members, invoked, completed, outcome, source);
    }

    /** This operation with {@code source} (e.g. the router a write went through). */
    public Op withSource(String source) {
        return new Op(client, type, key, value, views, acceptClass, members, invoked, completed, outcome, source);
    }

    /** What a reader of {@code accept} sees of this write. */
    public String seenBy(String accept) {
        return views.getOrDefault(accept, value);
    }

    /** The key's kind: the part before the first {@code :} ({@code tag}, {@code manifest}, …). */
    public String keyKind() {
        int colon = key.indexOf(':');
        return colon < 0 ? key : key.substring(0, colon);
    }

    @Override
    public String toString() {
        return "client " + client + " " + type + " " + key + (type == Type.READ_SET ? " " + members : " " + value)
                + (type == Type.READ ? " (" + acceptClass + ")" : "") + (source.isEmpty() ? "" : " " + source)
                + " [" + invoked + ", " + completed + "] " + outcome;
    }
}
