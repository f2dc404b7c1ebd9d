package io.georeg.replicator.copy;

import java.util.Map;
import org.slf4j.MDC;

/**
 * Carries the logging context (SLF4J's MDC: the work item and repository {@code WorkScheduler}
 * puts there for the item a worker runs) from the thread that hands a task out to the thread that
 * runs it, so that what a helper logs names the item it works for. Used by {@link ManifestCopier}
 * for its blob-copy helper threads.
 */
final class LogContext {
    private LogContext() {}

    /** {@code task}, run with the calling thread's MDC as it is now, and with its own MDC cleared afterwards. */
    static Runnable carried(Runnable task) {
        Map<String, String> context = MDC.getCopyOfContextMap();
        return () -> {
            if (context == null) {
                MDC.clear();
            } else {
                MDC.setContextMap(context);
            }
            try {
                task.run();
            } finally {
                MDC.clear();
            }
        };
    }
}
