package io.georeg.app.wiring;

import io.georeg.app.config.ComponentName;
import io.georeg.app.config.GeoregConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code georeg serve} runs: the configured components over one set of shared
 * {@link Resources}. {@link #start()} first refuses a database schema this binary must not run on
 * ({@link SchemaGuard}), then builds and starts the components in the order of the
 * {@code components} key (a failure stops what already started); {@link #close()} stops them in
 * reverse and closes the resources, {@link #stop} after {@code shutdownDelay}. The serve command and the end-to-end tests use it alike.
 */
public final class GeoregServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GeoregServer.class);

    private final GeoregConfig config;
    private final Resources resources;
    private final List<Component> started = new ArrayList<>();

    public GeoregServer(GeoregConfig config) {
        this.config = config.validateComponents();
        this.resources = new Resources(config);
    }

    public synchronized GeoregServer start() throws Exception {
        try {
            resources.schemaGuard().requireRunnable();
            resources.schemaGuard().start();
            for (ComponentName name : config.components()) {
                Component component = ComponentFactories.create(name, config, resources);
                component.start();
                started.add(component);
                LOG.info("started {}", component.describe());
            }
        } catch (Exception | Error e) {
            try {
                close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        return this;
    }

    /** The started component of a type, e.g. to learn registry-read's port. */
    public synchronized <T extends Component> T component(Class<T> type) {
        return started.stream()
                .filter(type::isInstance)
                .map(type::cast)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no started component of type " + type.getSimpleName()));
    }

    public Resources resources() {
        return resources;
    }

    /**
     * Stops as {@code georeg serve} does when told to: with a {@code delay} ({@code shutdownDelay}),
     * every port first turns unready and goes on serving that long, so that load balancers and
     * Kubernetes stop sending it new connections while it still accepts them; then {@link #close()}:
     * each port stops accepting and drains.
     */
    public void stop(Duration delay) throws InterruptedException {
        if (delay.isPositive()) {
            resources.stopServing();
            LOG.info("unready, still serving for {} (shutdownDelay) before the ports stop accepting", delay);
            Thread.sleep(delay.toMillis()); // the delay itself, not a wait for a condition
        }
        close();
    }

    @Override
    public synchronized void close() {
        List<Exception> failures = new ArrayList<>();
        List<Component> reverse = new ArrayList<>(started);
        Collections.reverse(reverse);
        for (Component component : reverse) {
            try {
                component.close();
                LOG.info("stopped {}", component.name());
            } catch (Exception e) {
                failures.add(new IllegalStateException("stopping " + component.name() + " failed", e));
            }
        }
        started.clear();
        try {
            resources.close();
        } catch (RuntimeException e) {
            failures.add(e);
        }
        if (!failures.isEmpty()) {
            IllegalStateException failure = new IllegalStateException("georeg did not stop cleanly", failures.get(0));
            failures.subList(1, failures.size()).forEach(failure::addSuppressed);
            throw failure;
        }
    }
}
