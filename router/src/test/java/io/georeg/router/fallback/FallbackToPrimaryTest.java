package io.georeg.router.fallback;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.router.health.CircuitBreaker;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a replica's held answer becomes: passed on, re-asked of the primary, or — when the primary
 * is down or refuses the client's token (one of the site's outage tokens) — a miss answered by the
 * router instead of the replica's 404, and a replica failure left to stand.
 */
class FallbackToPrimaryTest {
    private static final byte[] NAME_UNKNOWN = """
            {"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}""".getBytes(StandardCharsets.UTF_8);
    private static final byte[] UNAUTHORIZED =
            "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}"
                    .getBytes(StandardCharsets.UTF_8);

    private final CircuitBreaker primary = new CircuitBreaker("primary", 1);

    /** The outcome of one held answer: what the actions were asked, and whether it was released. */
    private List<String> decide(boolean outageToken, int status, byte[] body) {
        List<String> calls = new ArrayList<>();
        FallbackToPrimary decision = new FallbackToPrimary(primary, new FallbackToPrimary.Actions() {
            @Override
            public void fallBack(String reason) {
                calls.add("fallBack");
            }

            @Override
            public void failureNotAskedOfPrimary() {
                calls.add("failureNotAskedOfPrimary");
            }

            @Override
            public boolean primaryRefusesTheToken() {
                return outageToken;
            }

            @Override
            public void missNotAskedOfPrimary() {
                calls.add("missNotAskedOfPrimary");
            }
        });
        decision.onHeld(status, body, () -> calls.add("released"));
        return calls;
    }

    @Test
    void aMissGoesToThePrimaryWhileItIsUpAndTheTokenIsNotAnOutageToken() {
        assertThat(decide(false, 404, NAME_UNKNOWN)).containsExactly("fallBack");
        assertThat(decide(false, 503, new byte[0])).containsExactly("fallBack");
        assertThat(decide(false, 401, UNAUTHORIZED)).containsExactly("released");
    }

    @Test
    void aMissWhileThePrimaryIsDownIsAnsweredByTheRouterNotWithTheReplicas404() {
        primary.recordFailure("connection refused");

        assertThat(decide(false, 404, NAME_UNKNOWN)).containsExactly("missNotAskedOfPrimary");
        assertThat(decide(false, 404, null)).containsExactly("missNotAskedOfPrimary");
        // The replica's own failure stands: it is not a miss.
        assertThat(decide(false, 500, new byte[0])).containsExactly("failureNotAskedOfPrimary", "released");
        assertThat(decide(false, 401, UNAUTHORIZED)).containsExactly("released");
    }

    @Test
    void aMissWithAnOutageTokenIsNotSentToThePrimaryThatRefusesIt() {
        assertThat(decide(true, 404, NAME_UNKNOWN)).containsExactly("missNotAskedOfPrimary");
        assertThat(decide(true, 502, new byte[0])).containsExactly("failureNotAskedOfPrimary", "released");
    }
}
