package io.georeg.router.admin;

import java.util.Arrays;
import java.util.Locale;

/**
 * How the router treats the primary site, as set through {@code PUT /-/admin/mode} by
 * {@code georeg drill} and {@code georeg promote}:
 * <ul>
 *   <li>{@code normal} — writes, token requests and fallbacks go to the primary;</li>
 *   <li>{@code primary-down} — a drill: the router behaves exactly as with the primary's circuit
 *       open (writes and token requests 503 {@code UNAVAILABLE}, replicated reads served locally
 *       and marked possibly stale, no fallback);</li>
 *   <li>{@code frozen} — a planned promotion: writes, and token requests that ask to push or
 *       delete, 503 with "writes are frozen for a planned promotion"; reads, logins and token
 *       requests for pulls go on as usual.</li>
 * </ul>
 */
public enum RouterMode {
    NORMAL("normal"),
    PRIMARY_DOWN("primary-down"),
    FROZEN("frozen");

    private final String label;

    RouterMode(String label) {
        this.label = label;
    }

    /** The name in the admin API, the database and the docs. */
    public String label() {
        return label;
    }

    public static RouterMode parse(String label) {
        String wanted = label == null ? "" : label.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(m -> m.label.equals(wanted))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "unknown mode '" + label + "': use normal, primary-down or frozen"));
    }
}
