package io.georeg.testkit.logs;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * What one logger (and the loggers under it) logs while captured, readable while other threads
 * go on logging. Logback's {@code ListAppender} hands out its plain {@code ArrayList}: a test that
 * streams over it while a server thread or the access log's writer appends can fail with a
 * {@code ConcurrentModificationException} that has nothing to do with what it checks. Each event
 * is prepared for deferred reading (message and MDC taken on the logging thread) as an
 * asynchronous appender would.
 */
public final class CapturedLog implements AutoCloseable {
    private final Logger logger;
    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing();
            events.add(event);
        }
    };

    private CapturedLog(String loggerName) {
        this.logger = (Logger) LoggerFactory.getLogger(loggerName);
        appender.setName("captured-" + loggerName);
        appender.start();
        logger.addAppender(appender);
    }

    /** Starts capturing what {@code loggerName} (e.g. {@code io.georeg.router.access}) logs. */
    public static CapturedLog of(String loggerName) {
        return new CapturedLog(loggerName);
    }

    /** Starts capturing everything logged in the process (the root logger). */
    public static CapturedLog everything() {
        return new CapturedLog(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    /** The events so far, in the order they were logged (a snapshot). */
    public List<ILoggingEvent> events() {
        return List.copyOf(events);
    }

    /** The formatted messages so far, in the order they were logged (a snapshot). */
    public List<String> lines() {
        return events.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
