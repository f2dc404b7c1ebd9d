package io.georeg.router.proxy;

import java.time.Duration;

/**
 * What bounds one forwarded exchange besides the proxy's idle timeout, which bounds only silence
 * ({@link StreamingProxy#forward}).
 *
 * @param total        the whole exchange, null for no bound: for small exchanges such as token
 *                     requests, whose interceptor answers another way when the upstream is too slow
 * @param answerBudget the upstream's status and headers, null for no budget: when they have not
 *                     come within it the exchange is abandoned as timed out before the client saw
 *                     anything, so the interceptor can take over ({@link
 *                     ResponseInterceptor#takeOverFailure}): a read the replica is too slow for is
 *                     answered from the primary
 */
public record ExchangeTimeouts(Duration total, Duration answerBudget) {

    /** Only silence is bounded. */
    public static final ExchangeTimeouts IDLE_ONLY = new ExchangeTimeouts(null, null);

    /** The whole exchange within {@code total} (null: only silence is bounded). */
    public static ExchangeTimeouts total(Duration total) {
        return new ExchangeTimeouts(total, null);
    }

    /** The upstream's answer started within {@code budget} (null: only silence is bounded). */
    public static ExchangeTimeouts answerWithin(Duration budget) {
        return new ExchangeTimeouts(null, budget);
    }
}
