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
 * @param untilDown    the upstream being found down ({@link StreamingProxy#foundDown}): an exchange
 *                     without an answer yet is given up then, and one whose answer stopped coming
 *                     is cut off. The primary site's exchanges are; the replica's are bounded by
 *                     their budget instead, and are not tracked (the replica's are the cheapest)
 */
public record ExchangeTimeouts(Duration total, Duration answerBudget, boolean untilDown) {

    /** Only silence, and the upstream being found down. */
    public static final ExchangeTimeouts UNTIL_DOWN = new ExchangeTimeouts(null, null, true);

    /** The whole exchange within {@code total} (null: no bound but silence), and until the upstream is found down. */
    public static ExchangeTimeouts untilDown(Duration total) {
        return total == null ? UNTIL_DOWN : new ExchangeTimeouts(total, null, true);
    }

    /** The upstream's answer started within {@code budget} (null: only silence is bounded). */
    public static ExchangeTimeouts answerWithin(Duration budget) {
        return new ExchangeTimeouts(null, budget, false);
    }
}
