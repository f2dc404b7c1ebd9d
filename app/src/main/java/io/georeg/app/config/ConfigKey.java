package io.georeg.app.config;

import java.lang.reflect.Type;
import java.util.List;
import java.util.Locale;

/**
 * One leaf key of the configuration: its dotted path ({@code database.url}), Java type, and the
 * environment variable that overrides it ({@code GEOREG_DATABASE_URL}).
 */
public record ConfigKey(List<String> path, Class<?> type, Type genericType) {

    public ConfigKey {
        path = List.copyOf(path);
    }

    public String dotted() {
        return String.join(".", path);
    }

    /** {@code GEOREG_} + the path in upper snake case: {@code registryRead.port} → {@code GEOREG_REGISTRY_READ_PORT}. */
    public String environmentVariable() {
        StringBuilder sb = new StringBuilder("GEOREG");
        for (String segment : path) {
            sb.append('_').append(upperSnake(segment));
        }
        return sb.toString();
    }

    static String upperSnake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('-', '_').toUpperCase(Locale.ROOT);
    }

    public boolean isList() {
        return List.class.isAssignableFrom(type);
    }
}
