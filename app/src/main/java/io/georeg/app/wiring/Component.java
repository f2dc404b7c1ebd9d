package io.georeg.app.wiring;

/**
 * A long-running part of {@code georeg serve} (registry-read, later the replicator and the
 * router). Built by its {@link ComponentFactory} from the configuration and the shared
 * {@link Resources}; started and stopped by {@link GeoregServer}, in order and in reverse.
 */
public interface Component extends AutoCloseable {

    /** The name used in the {@code components} key and in logs. */
    String name();

    /** Starts serving; returns once ready (listening). */
    void start() throws Exception;

    /** One line for the log once started, e.g. where it listens. */
    String describe();

    /** Stops and releases what {@link #start()} took; safe to call when not started. */
    @Override
    void close() throws Exception;
}
