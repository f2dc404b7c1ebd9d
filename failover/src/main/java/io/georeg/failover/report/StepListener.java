package io.georeg.failover.report;

import java.time.Instant;

/**
 * Hears each step of a drill or a promotion start and end, while the run goes on: what
 * {@code georeg drill} and {@code georeg promote} print as progress, so an operator rehearsing a
 * failover sees where it is (and where it hangs). Called on the running thread by {@link Report#step}.
 */
public interface StepListener {
    StepListener NONE = new StepListener() {
        @Override
        public void started(String name, String description, Instant at) {}

        @Override
        public void ended(Step step) {}
    };

    void started(String name, String description, Instant at);

    void ended(Step step);
}
