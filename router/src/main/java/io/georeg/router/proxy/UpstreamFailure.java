package io.georeg.router.proxy;

import io.georeg.egress.EgressFailure;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/**
 * Why an exchange with an upstream failed before its answer began, in words an operator can act
 * on: the reason in the router's {@code 503 UNAVAILABLE} body. A failure that a setting fixes (an
 * untrusted certificate, a forward proxy asking for an account) names the setting.
 */
final class UpstreamFailure {

    private UpstreamFailure() {}

    static String describe(Throwable failure) {
        if (failure instanceof TimeoutException) {
            return "timed out";
        }
        if (failure instanceof ConnectException) {
            return "refused the connection";
        }
        return EgressFailure.explain(failure)
                .orElse("failed: " + failure.getClass().getSimpleName() + ": " + failure.getMessage());
    }
}
