package io.georeg.app.cli;

import io.georeg.app.config.ComponentName;
import io.georeg.app.config.GeoregConfig;
import io.georeg.app.wiring.GeoregServer;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code georeg serve}: runs the components named by the {@code components} key until the
 * process is told to stop (SIGTERM, Ctrl-C), then turns unready for {@code shutdownDelay} and stops
 * them in reverse order, waiting at most {@code shutdownTimeout} more ({@link GeoregServer#stop}).
 */
@Command(
        name = "serve",
        description = "Run the configured components (registry-read, replicator, router) until stopped.")
final class ServeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @ParentCommand
    GeoregCommand georeg;

    @Override
    public Integer call() throws Exception {
        GeoregConfig config = georeg.config();
        GeoregServer server = new GeoregServer(config).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    LOG.info("stopping georeg");
                    Thread closer = new Thread(
                            () -> {
                                try {
                                    server.stop(config.shutdownDelay());
                                } catch (RuntimeException e) {
                                    LOG.error("georeg did not stop cleanly", e);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                } finally {
                                    stopped.countDown();
                                }
                            },
                            "georeg-stop");
                    closer.start();
                    try {
                        Duration allowed = config.shutdownDelay().plus(config.shutdownTimeout());
                        if (!stopped.await(allowed.toMillis(), TimeUnit.MILLISECONDS)) {
                            LOG.warn(
                                    "components did not stop within shutdownDelay {} + shutdownTimeout {}; exiting"
                                            + " anyway",
                                    config.shutdownDelay(),
                                    config.shutdownTimeout());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "georeg-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        LOG.info(
                "georeg is serving {}; stop with Ctrl-C or SIGTERM",
                config.components().stream().map(ComponentName::key).toList());
        stopped.await();
        return 0;
    }
}
