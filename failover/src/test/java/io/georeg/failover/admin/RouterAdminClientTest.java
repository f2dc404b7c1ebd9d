package io.georeg.failover.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import org.junit.jupiter.api.Test;

/** How drill and promote read a router's answer to a switch, stored or not. */
class RouterAdminClientTest {
    private static final String NOT_STORED =
            "applied on this router only: the admin state store did not answer; stored when it answers again";

    @Test
    void aSwitchTheRouterCouldNotStoreIsReadWithItsNotStoredText() {
        try (FakeRouterAdmin router =
                        FakeRouterAdmin.answering(FakeRouterAdmin.modeAnswer("primary-down", NOT_STORED));
                HttpClient http = HttpClient.newHttpClient()) {
            RouterAdminView view = new RouterAdminClient(http, router.url(), "token").setMode("primary-down", "drill");

            assertThat(view.mode()).isEqualTo("primary-down");
            assertThat(view.stored()).isFalse();
            assertThat(view.notStored()).isEqualTo(NOT_STORED);
            assertThat(view.notStoredWarning())
                    .hasValue(router.url() + " switched but NOT stored in the shared admin state: " + NOT_STORED);
        }
    }

    @Test
    void aStoredSwitchOrARouterThatDoesNotSayGivesNoWarning() {
        String older = "{\"mode\":\"normal\",\"reason\":\"\",\"primaryUrl\":\"http://primary.test\","
                + "\"primaryCircuit\":\"closed\",\"primaryProbedReachable\":true}";
        try (FakeRouterAdmin stored = FakeRouterAdmin.answering(FakeRouterAdmin.modeAnswer("normal", null));
                FakeRouterAdmin silent = FakeRouterAdmin.answering(older);
                HttpClient http = HttpClient.newHttpClient()) {
            assertThat(new RouterAdminClient(http, stored.url(), "t")
                            .setMode("normal", "x")
                            .notStoredWarning())
                    .isEmpty();
            assertThat(new RouterAdminClient(http, silent.url(), "t")
                            .setMode("normal", "x")
                            .notStoredWarning())
                    .isEmpty();
        }
    }
}
