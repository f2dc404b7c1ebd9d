package io.georeg.replicator.copy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class LogContextTest {
    @AfterEach
    void clear() {
        MDC.clear();
    }

    @Test
    void aHelperThreadRunsWithTheContextOfTheThreadThatHandedItsTaskOut() throws Exception {
        MDC.put("workItem", "#42");
        MDC.put("repository", "team/app");
        AtomicReference<Map<String, String>> seen = new AtomicReference<>();
        AtomicReference<Map<String, String>> after = new AtomicReference<>();
        Runnable task = LogContext.carried(() -> seen.set(MDC.getCopyOfContextMap()));
        MDC.put("workItem", "#43"); // what the worker does next is not the helper's context

        Thread helper = Thread.ofPlatform().start(() -> {
            task.run();
            after.set(MDC.getCopyOfContextMap());
        });
        helper.join();

        assertThat(seen.get()).isEqualTo(Map.of("workItem", "#42", "repository", "team/app"));
        assertThat(after.get()).as("cleared when the task ends").isNullOrEmpty();
    }
}
