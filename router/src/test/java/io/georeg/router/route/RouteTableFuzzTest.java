package io.georeg.router.route;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.georeg.oci.RepositoryName;

/**
 * Fuzzes the route classifier with arbitrary methods and raw request targets: it never throws,
 * always names a destination, and a repository it extracts is one the OCI name grammar accepts
 * (the replica parses the same path with the same grammar, so the two can never read a path
 * differently). Regression inputs in {@code RouteTableFuzzTestInputs/}.
 */
public class RouteTableFuzzTest {
    private static final RouteTable TABLE = RouteTable.oci("/jwt/auth");
    private static final String[] METHODS = {"GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"};

    @FuzzTest(maxDuration = "5s")
    void classify(FuzzedDataProvider data) {
        fuzzerTestOneInput(data);
    }

    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        String method = data.consumeBoolean() ? data.pickValue(METHODS) : data.consumeString(16);
        String target =
                data.consumeBoolean() ? "/v2/" + data.consumeRemainingAsString() : data.consumeRemainingAsString();
        RouteMatch match = TABLE.classify(method, target);
        if (match == null || match.destination() == null) {
            throw new IllegalStateException("no destination for " + method + " " + target);
        }
        if (match.repository() != null && !RepositoryName.isValid(match.repository())) {
            throw new IllegalStateException(
                    "route " + match.routeId() + " took an invalid repository name from " + target);
        }
    }
}
