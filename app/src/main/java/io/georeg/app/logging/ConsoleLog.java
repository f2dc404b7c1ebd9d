package io.georeg.app.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import io.georeg.app.config.LogFormat;
import org.slf4j.LoggerFactory;

/**
 * Switches the stderr appender of the default logback configuration ({@code logback.xml}, appender
 * {@value #APPENDER}) to the configured {@link LogFormat} once the configuration is loaded. Text is
 * what logback.xml starts with, so {@code text} changes nothing; {@code json} replaces the
 * appender with one that writes logback's {@link JsonEncoder} objects, one per line, with the MDC
 * (request id, route, destination, fallback) but without the logger context's fixed properties,
 * which would repeat on every line. Called by the command line after it loads the configuration;
 * a {@code -Dlogback.configurationFile} of the user's own, without that appender, is left alone.
 */
public final class ConsoleLog {
    static final String APPENDER = "STDERR";

    private ConsoleLog() {}

    public static void use(LogFormat format) {
        if (format != LogFormat.JSON || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> current = root.getAppender(APPENDER);
        if (!(current instanceof ConsoleAppender<ILoggingEvent> console)
                || console.getEncoder() instanceof JsonEncoder) {
            return;
        }
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.setWithContext(false);
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithArguments(false);
        encoder.setWithMessage(false); // the formatted message instead of the pattern and its arguments
        encoder.setWithFormattedMessage(true);
        encoder.start();
        ConsoleAppender<ILoggingEvent> json = new ConsoleAppender<>();
        json.setContext(context);
        json.setName(APPENDER);
        json.setTarget(console.getTarget());
        json.setEncoder(encoder);
        json.start();
        root.addAppender(json);
        root.detachAppender(current);
        current.stop();
    }
}
