package io.georeg.app.e2e;

import io.georeg.replicator.primary.PrimaryKind;
import org.junit.jupiter.api.BeforeAll;

/** Jib ({@link JibClientTests}) through the router in front of the token-auth distribution primary. */
class JibClientIT extends JibClientTests {
    @BeforeAll
    static void startSites() throws Exception {
        start(PrimaryKind.DISTRIBUTION, "", JibClientIT.class, "%s", CompatibilityMatrix.TOKEN_AUTH);
    }
}
