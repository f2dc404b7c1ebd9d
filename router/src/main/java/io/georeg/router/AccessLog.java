package io.georeg.router;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Where the router's access log lines go, off the request path ({@code router.accessLog}): the
 * request thread only decides whether a request is logged and puts its line in a bounded queue;
 * one writer thread writes the lines to the logger {@code io.georeg.router.access} (with the
 * request's fields in the MDC of the event, for the JSON log format) or, with {@code file} set,
 * appends them to that file. A full queue drops the line and counts it (a log
 * never slows or blocks a pull). {@code sampled} keeps one request in {@code sampleEvery} and every
 * request that failed, answered 5xx or was refused ({@link #refused}: so that a refused push is
 * always in the log); {@code off} keeps none. Created and stopped by
 * {@link Router}; written by {@link AccessLogHandler}.
 */
final class AccessLog implements AutoCloseable {
    private static final Logger ACCESS = LoggerFactory.getLogger("io.georeg.router.access");
    private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);
    private static final int BATCH = 256;

    private final RouterConfig.AccessLog config;
    private final BlockingQueue<Entry> queue;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final LongConsumer onDrop;
    private volatile boolean running;
    private Thread writer;

    /** @param onDrop told how many lines were dropped, each time some are (a metric) */
    AccessLog(RouterConfig.AccessLog config, LongConsumer onDrop) {
        this.config = config;
        this.queue = new ArrayBlockingQueue<>(config.queueLines());
        this.onDrop = onDrop;
    }

    AccessLog start() {
        if (config.mode() == RouterConfig.AccessLog.Mode.OFF || writer != null) {
            return this;
        }
        BufferedWriter file = config.file() == null ? null : open(config.file());
        running = true;
        writer = Thread.ofPlatform().name("router-access-log").daemon().start(() -> writeUntilClosed(file));
        return this;
    }

    /** Whether a completed request gets a line: asked before the line is built. */
    boolean wants(String method, int status, boolean failed) {
        return switch (config.mode()) {
            case OFF -> false;
            case ALL -> true;
            case SAMPLED ->
                failed
                        || status >= 500
                        || refused(method, status)
                        || requests.getAndIncrement() % config.sampleEvery() == 0;
        };
    }

    /**
     * A 4xx that refused what the client asked: a write the primary would not take (a manifest
     * naming a blob it lacks, a digest that does not match), a path the router's grammar refuses,
     * a bad page size. Not the 401 that starts every token flow (distribution's challenge, answered
     * by a token request and a retry) and not a 404 to a {@code GET} or {@code HEAD}: that answers
     * the question the client asked (docker and skopeo ask whether each blob exists before they
     * upload it, cosign looks up signature tags), it refuses nothing. Both are routine enough to
     * be sampled like successes.
     */
    static boolean refused(String method, int status) {
        if (status < 400 || status >= 500 || status == 401) {
            return false;
        }
        return status != 404 || !("GET".equals(method) || "HEAD".equals(method));
    }

    /**
     * One request's line and the fields the JSON log format shows beside it.
     *
     * @param primary the primary whose legs took the request, null with one primary
     */
    record Entry(String line, String requestId, String route, String destination, String primary, boolean fallback) {}

    /** Queues a line for the writer; never blocks. */
    void write(Entry entry) {
        if (!running || !queue.offer(entry)) {
            drop(1);
        }
    }

    private void drop(long lines) {
        dropped.addAndGet(lines);
        onDrop.accept(lines);
    }

    /** Lines dropped so far: the writer could not keep up, was stopped, or the file write failed. */
    long dropped() {
        return dropped.get();
    }

    private void writeUntilClosed(BufferedWriter file) {
        List<Entry> batch = new ArrayList<>(BATCH);
        try {
            while (running || !queue.isEmpty()) {
                Entry first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                emit(batch, file);
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            queue.drainTo(batch);
            emit(batch, file);
            if (file != null) {
                try {
                    file.close();
                } catch (IOException e) {
                    LOG.warn("closing the access log {} failed: {}", config.file(), e.toString());
                }
            }
        }
    }

    private void emit(List<Entry> lines, BufferedWriter file) {
        if (file == null) {
            lines.forEach(AccessLog::log);
            return;
        }
        try {
            for (Entry entry : lines) {
                file.write(entry.line());
                file.write('\n');
            }
            if (queue.isEmpty()) {
                file.flush();
            }
        } catch (IOException e) {
            drop(lines.size());
            LOG.warn("writing {} access log lines to {} failed: {}", lines.size(), config.file(), e.toString());
        }
    }

    /** The writer thread's MDC holds only the fields of the line it logs. */
    private static void log(Entry entry) {
        try {
            MDC.put(AccessLogHandler.MDC_REQUEST_ID, entry.requestId());
            MDC.put(AccessLogHandler.MDC_ROUTE, entry.route());
            MDC.put(AccessLogHandler.MDC_DESTINATION, entry.destination());
            if (entry.primary() != null) {
                MDC.put(AccessLogHandler.MDC_PRIMARY, entry.primary());
            }
            MDC.put(AccessLogHandler.MDC_FALLBACK, Boolean.toString(entry.fallback()));
            ACCESS.info(entry.line());
        } finally {
            MDC.clear();
        }
    }

    private static BufferedWriter open(Path path) {
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return Files.newBufferedWriter(
                    path,
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("router.accessLog.file: cannot open " + path + " for appending", e);
        }
    }

    /** Writes what is queued and stops the writer. */
    @Override
    public void close() {
        running = false;
        Thread t = writer;
        writer = null;
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
