package io.georeg.failover.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
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
    void aSwitchRefusedBecauseTheStateChangedSaysWhatItBecameUnlessItIsAlreadyWhatWasAsked() {
        String frozen = "{\"mode\":\"frozen\",\"reason\":\"promotion to http://b.test\","
                + "\"primaryUrl\":\"http://primary.test\",\"updatedAt\":\"2026-01-01T10:00:00Z\"}";
        String normal = "{\"mode\":\"normal\",\"reason\":\"drill finished\","
                + "\"primaryUrl\":\"http://primary.test\",\"updatedAt\":\"2026-01-01T10:00:00Z\"}";
        RouterAdminClient.Expected drillsOwn =
                new RouterAdminClient.Expected("primary-down", URI.create("http://primary.test"));
        try (FakeRouterAdmin overtaken =
                        FakeRouterAdmin.refusingSwitches(frozen, FakeRouterAdmin.modeAnswer("frozen", null));
                FakeRouterAdmin restoredThroughAnother =
                        FakeRouterAdmin.refusingSwitches(normal, FakeRouterAdmin.modeAnswer("normal", null));
                HttpClient http = HttpClient.newHttpClient()) {
            assertThatThrownBy(() -> new RouterAdminClient(http, overtaken.url(), "t")
                            .setMode("normal", "drill finished", drillsOwn))
                    .isInstanceOf(StateChangedMeanwhile.class)
                    .hasMessageContaining("was NOT switched")
                    .hasMessageContaining("changed meanwhile, to mode frozen (promotion to http://b.test), "
                            + "primary http://primary.test since 2026-01-01T10:00:00Z")
                    .hasMessageContaining("expected mode primary-down, primary http://primary.test")
                    .hasMessageContaining("left that as it is");

            // The site's routers share their state: the restore through the first one restored this one.
            assertThat(new RouterAdminClient(http, restoredThroughAnother.url(), "t")
                            .setMode("normal", "drill finished", drillsOwn)
                            .mode())
                    .isEqualTo("normal");
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
