package io.georeg.app.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * How log events are written on stderr (the {@code logFormat} key): {@code text}, one line per
 * event for people, or {@code json}, one JSON object per line for log pipelines (Loki, Elastic,
 * Cloud Logging), with the request's id, route, destination and fallback flag as MDC fields.
 */
public enum LogFormat {
    TEXT,
    JSON;

    @JsonValue
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static LogFormat of(String key) {
        return Arrays.stream(values())
                .filter(f -> f.key().equals(key))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown log format '" + key + "': use text or json"));
    }
}
