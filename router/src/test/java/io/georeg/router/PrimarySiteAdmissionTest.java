package io.georeg.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.proxy.ResponseInterceptor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A token request that the caller saw admitted can meet a circuit that opened a moment later (seen
 * in OutageTokensIT: a client got a bare 503 from the token route 8 ms after the token service's
 * circuit opened, instead of an outage token). The admission check itself must hand the request to
 * the caller's answer for an unreachable upstream, because only that check sees the state that
 * refuses it.
 */
class PrimarySiteAdmissionTest {

    @Test
    void aRequestRefusedByAnOpenCircuitIsAnsweredByTheCallersFallbackNotByA503() {
        CircuitBreaker tokenService = new CircuitBreaker("token service", 1);
        tokenService.recordFailure("connection refused");
        AtomicBoolean fallbackAnswered = new AtomicBoolean();
        // No request, response or proxy: the refusal path must touch none of them when a fallback is given.
        PrimarySite primary = new PrimarySite(null, null, () -> null, new CircuitBreaker("primary", 1), null);

        primary.sendAdmitted(
                null,
                null,
                null,
                null,
                null,
                "auth",
                null,
                ResponseInterceptor.NONE,
                tokenService,
                null,
                () -> fallbackAnswered.set(true),
                false);

        assertThat(fallbackAnswered)
                .as("the fallback answered the refused request")
                .isTrue();
    }
}
