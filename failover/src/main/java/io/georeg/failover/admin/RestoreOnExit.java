package io.georeg.failover.admin;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Puts the routers back when the process is stopped between a switch and its undo: a drill's
 * {@code primary-down} or a promotion's {@code frozen} would otherwise outlive a {@code georeg
 * drill} or {@code georeg promote} ended by Ctrl-C or SIGTERM (a CI job cancelled or timed out),
 * refusing every push of the site until someone restores it by hand, since a JVM that is told
 * to stop runs no {@code finally}. Armed by {@code Drill} and {@code Promotion} before their first
 * switch: a shutdown hook runs the undo unless the run does it first; whichever comes second
 * waits for the first (a hook that returned lets the JVM halt mid-switch).
 */
public final class RestoreOnExit {
    /** Longest the second waits for the first: two admin calls of 10 s would not fit, one does. */
    private static final long WAIT_SECONDS = 15;

    private final AtomicBoolean claimed = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread hook;

    private RestoreOnExit(String name, Runnable onExit) {
        this.hook = new Thread(
                () -> {
                    if (claim()) {
                        try {
                            onExit.run();
                        } finally {
                            done.countDown();
                        }
                    } else {
                        awaitDone();
                    }
                },
                name);
    }

    /** Registers the hook that runs {@code onExit} if the process stops before {@link #undoNow} or {@link #disarm}. */
    public static RestoreOnExit arm(String name, Runnable onExit) {
        RestoreOnExit guard = new RestoreOnExit(name, onExit);
        Runtime.getRuntime().addShutdownHook(guard.hook);
        return guard;
    }

    /**
     * Runs {@code undo} here, unless the hook has begun the undo (then waits for it to end), and
     * unregisters the hook: the run's own end, whatever happened before it.
     */
    public void undoNow(Runnable undo) {
        if (claim()) {
            try {
                undo.run();
            } finally {
                restored();
            }
        }
    }

    /** Nothing was switched: no undo, by the caller or the hook. */
    public void disarm() {
        undoNow(() -> {});
    }

    /** True when the caller is to undo now; false when the hook has begun it (this waits for it to end). */
    private boolean claim() {
        if (claimed.compareAndSet(false, true)) {
            return true;
        }
        awaitDone();
        return false;
    }

    /** The undo ended (or there was nothing to undo): the hook is not needed any more. */
    private void restored() {
        done.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is stopping: the hook runs, finds the claim taken and the undo done, and returns.
        }
    }

    private void awaitDone() {
        try {
            done.await(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
