package io.georeg.app.config;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks a configuration record tree by reflection and lists its leaf keys. Records are sections
 * (recursed into); everything else (strings, numbers, durations, paths, URIs, enums, lists) is a
 * leaf. The one list of keys drives environment overrides ({@link EnvironmentOverrides}) and the
 * test that keeps {@code docs/configuration.md} complete.
 */
public final class ConfigKeys {
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
