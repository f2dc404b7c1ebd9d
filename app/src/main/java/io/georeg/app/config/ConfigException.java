package io.georeg.app.config;

/**
 * The configuration cannot be used: the message names the key (dotted path, e.g.
 * {@code database.url}) and the fix. Thrown by {@link ConfigLoader}; the command line prints the
 * message and exits with status 2.
 */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
