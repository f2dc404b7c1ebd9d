package io.georeg.app.config;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Walks a configuration record tree by reflection and lists its leaf keys. Records are sections
 * (recursed into); everything else (strings, numbers, durations, paths, URIs, enums, lists) is a
 * leaf. The one list of keys drives environment overrides ({@link EnvironmentOverrides}) and the
 * test that keeps {@code docs/configuration.md} complete.
 */
public final class ConfigKeys {
    /**
     * Variables with the {@code GEOREG_} prefix that are not configuration: read by logback, the
     * scripts and the tests. {@link EnvironmentOverrides} does not call them unknown, and the docs
     * may name them.
     */
    public static final Set<String> NOT_CONFIGURATION = Set.of(
            "GEOREG_LOG_LEVEL",
            "GEOREG_TEST_DATABASE_URL",
            "GEOREG_JAR",
            "GEOREG_DEMO_DIR",
            "GEOREG_DEMO_DATABASE",
            "GEOREG_PG_PORT");

    private ConfigKeys() {}

    public static List<ConfigKey> of(Class<? extends Record> root) {
        List<ConfigKey> keys = new ArrayList<>();
        walk(root, List.of(), keys);
        return List.copyOf(keys);
    }

    private static void walk(Class<?> type, List<String> prefix, List<ConfigKey> out) {
        for (RecordComponent c : type.getRecordComponents()) {
            List<String> path = new ArrayList<>(prefix);
            path.add(c.getName());
            if (c.getType().isRecord()) {
                walk(c.getType(), path, out);
            } else {
                out.add(new ConfigKey(path, c.getType(), c.getGenericType()));
            }
        }
    }
}
