package io.georeg.app.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The components {@code georeg serve} can run, as named in the {@code components} key. Each has
 * its own configuration section; {@link io.georeg.app.wiring.ComponentFactories} builds them.
 */
public enum ComponentName {
    REGISTRY_READ("registry-read"),
    REPLICATOR("replicator"),
    ROUTER("router");

    private final String key;

    ComponentName(String key) {
        this.key = key;
    }

    @JsonValue
    public String key() {
        return key;
    }

    @JsonCreator
    public static ComponentName of(String key) {
        return Arrays.stream(values())
                .filter(c -> c.key.equals(key))
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException("unknown component '" + key + "': use one of " + names()));
    }

    public static String names() {
        return Arrays.stream(values()).map(ComponentName::key).collect(Collectors.joining(", "));
    }
}
