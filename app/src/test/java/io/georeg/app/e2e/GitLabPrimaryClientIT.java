package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.app.cli.GeoregCommand;
import io.georeg.replicator.primary.PrimaryKind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * skopeo through the router with GitLab's container registry as the primary, configured as
 * docs/primary-registry.md says ({@code replicator.primary.kind: gitlab}, a group deploy token in
 * a file, {@code replicator.sync.namespaces: [acme]}, {@code router.authUrl} the token service on
 * its own host): the operations of {@link ProductPrimaryClientTests}, reconcile run as
 * {@code georeg reconcile}, and a project renamed on GitLab pulled under its new path from the
 * replica.
 */
class GitLabPrimaryClientIT extends ProductPrimaryClientTests {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The matrix's Primary cell of a GitLab-shaped primary ({@code %s}: distribution and its version). */
    static final String PRIMARY = "GitLab-shaped: %s behind a fake of GitLab's `/gitlab/v1/` API";
    /** The matrix's Auth cell of a GitLab-shaped primary. */
    static final String AUTH =
            "token: GitLab-shaped `/jwt/auth` on another host, Basic user + token; replicator: group deploy "
                    + "token, no catalog";

    @BeforeAll
    static void startSites() throws Exception {
        start(PrimaryKind.GITLAB, GitLabPrimaryClientIT.class, PRIMARY, AUTH);
    }

    @Override
    String namespace() {
        return TwoSites.GITLAB_GROUP;
    }

    /** {@code georeg reconcile}: one pass on demand, the running replicator applies what it queues. */
    @Override
    void reconcile() {
        StringWriter out = new StringWriter();
        var cli = GeoregCommand.commandLine(sites.environment());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        int exit = cli.execute("reconcile");
        assertThat(exit).as("georeg reconcile:\n" + out).isZero();
        assertThat(out.toString()).contains("reconcile: ");
    }

    @Override
    String reconciledPull() {
        return "pull with credentials (`copy --all`) of an OCI image and a multi-arch index that no notification "
                + "announced, found by `georeg reconcile` listing the group through `/gitlab/v1/` without the "
                + "catalog: served by the replica";
    }

    @Override
    String pushThenPull() {
        return "push with credentials (`copy --all`) of a multi-arch OCI index, pulled back at once "
                + "(read-your-writes) and, replicated from GitLab's notification with the deploy token, from the "
                + "replica";
    }

    @Test
    @Order(4)
    void aProjectRenamedOnGitLabIsPulledUnderItsNewPathFromTheReplica() throws Exception {
        String from = namespace() + "/base";
        HttpResponse<String> renamed = rename(from, "core");
        assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(204);

        String moved = namespace() + "/core/alpine";
        sites.awaitReplicated(
                moved, "3.19", corpus.image("library/alpine", "3.19").digest());
        assertPulledByteForByte(moved + ":3.19", corpus.image("library/alpine", "3.19"), "renamed");
        assertThat(source(moved, "3.19")).isEqualTo("replica");
        await("the old path emptied on the replica")
                .atMost(TwoSites.REPLICATION_WAIT)
                .untilAsserted(() ->
                        assertThat(replicaStatus(from + "/alpine", "3.19")).isEqualTo(404));
        matrix.verified("pull with credentials of a project renamed on GitLab (its `rename` event): the new path "
                + "from the replica, the old one gone from it");
    }

    /** {@code PATCH /gitlab/v1/repositories/<path>/} as GitLab does when a project is renamed. */
    private static HttpResponse<String> rename(String path, String name) throws Exception {
        String token = sites.tokenFromService(TwoSites.USER, TwoSites.PASSWORD, "repository:" + path + ":push,pull");
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(
                    HttpRequest.newBuilder(sites.primaryUrl().resolve("/gitlab/v1/repositories/" + path + "/"))
                            .header("Authorization", "Bearer " + token)
                            .header("Content-Type", "application/json")
                            .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"name\": \"" + name + "\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    /** The status registry-read (its own port, not the router) answers for the tag. */
    private static int replicaStatus(String repository, String tag) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(
                            HttpRequest.newBuilder(sites.replica().resolve("/v2/" + repository + "/manifests/" + tag))
                                    .header(
                                            "Authorization",
                                            "Bearer " + sites.token("repository:" + repository + ":pull"))
                                    .method("HEAD", HttpRequest.BodyPublishers.noBody())
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        }
    }
}
