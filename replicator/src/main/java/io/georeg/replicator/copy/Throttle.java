package io.georeg.replicator.copy;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.locks.LockSupport;

/**
 * The replicator's total bandwidth limit ({@code replicator.limits.bytesPerSecond}), shared by
 * every worker of the process: each read of a blob download books its bytes on one timeline and
 * waits until that time has come. This pacing of a running transfer is the only wait in a worker;
 * retries never wait (they are rescheduled in the queue). Zero means unlimited.
 */
public final class Throttle {
    private static final Throttle UNLIMITED = new Throttle(0);
    /** Bursts up to a tenth of a second of bandwidth pass without waiting. */
    private static final long BURST_NANOS = 100_000_000L;

    private final long bytesPerSecond;
    private long nextFreeNanos = System.nanoTime();

    private Throttle(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    public static Throttle of(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("replicator.limits.bytesPerSecond must not be negative (0 = unlimited)");
        }
        return bytesPerSecond == 0 ? UNLIMITED : new Throttle(bytesPerSecond);
    }

    InputStream wrap(InputStream in) {
        return bytesPerSecond == 0 ? in : new Paced(in);
    }

    /** Books {@code bytes} and returns how long the caller must wait before it may go on. */
    private synchronized long book(int bytes) {
        long now = System.nanoTime();
        long start = Math.max(nextFreeNanos, now - BURST_NANOS);
        nextFreeNanos = start + bytes * 1_000_000_000L / bytesPerSecond;
        return nextFreeNanos - now - BURST_NANOS;
    }

    private final class Paced extends FilterInputStream {
        Paced(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                pace(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                pace(n);
            }
            return n;
        }

        private void pace(int n) throws InterruptedIOException {
            long wait = book(n);
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                if (Thread.interrupted()) {
                    throw new InterruptedIOException("blob copy interrupted");
                }
            }
        }
    }
}
