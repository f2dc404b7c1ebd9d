package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.Digest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replica.ReplicaReader;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.cli.PreheatCommand;
import io.georeg.replicator.cli.ReconcileCommand;
import io.georeg.replicator.cli.ReplicatorSession;
import io.georeg.replicator.reconcile.SyncConfig;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.replicator.testing.SkopeoDirWriter;
import io.georeg.testkit.corpus.Corpus;
import io.georeg.testkit.corpus.CorpusGenerator;
import io.georeg.testkit.corpus.CorpusRepository;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Polling mode and repair: the primary's notifications go nowhere (a site that gets none, or a
 * registry that lost its in-memory queue), and {@code georeg reconcile} / {@code georeg preheat}
 * bring the replica to the primary's state, honouring selective sync.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReconcileFromDistributionIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path temp;

    private static ReplicatorUnderTest replica;
    private static Distribution primary;
    private static Corpus corpus;
    private static Skopeo skopeo;
    private static Replicator replicator;

    @BeforeAll
    static void start() throws Exception {
        skopeo = Skopeo.require();
        replica = new ReplicatorUnderTest(DB, temp.resolve("replica"));
        // Notifications to a port nothing listens on: nothing arrives by events.
        primary = Distribution.notifying(
                temp.resolve("primary"), URI.create("http://127.0.0.1:9/events"), "unused-secret-unused");
        replicator = replica.build(
                primary.url(),
                ReplicatorUnderTest.fastRetries(4),
                new SyncConfig(List.of(), List.of("private/**"), List.of(), Duration.ZERO, List.of()));
        corpus = CorpusGenerator.withSeed(11).bigLayerSize(1024 * 1024).generate();
        push(corpus.repository("library/alpine"), "3.19", "library/alpine", "3.19");
        push(corpus.repository("library/alpine"), "latest", "library/alpine", "latest");
        push(corpus.repository("team/multiarch"), "v1", "team/multiarch", "v1");
        push(corpus.repository("library/app"), "1.0", "private/secret", "1.0");
    }

    @AfterAll
    static void stop() throws Exception {
        if (replica != null) {
            replica.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    @Test
    @Order(1)
    void reconcileCopiesWhatNoNotificationDeliveredAndSkipsExcludedRepositories() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = cli(new ReconcileCommand(ReconcileFromDistributionIT::session), out, err)
                .execute("--wait", "--timeout", "PT60S");
        assertThat(code).as(out.toString()).isZero();
        assertThat(out.toString())
                .contains("reconcile: 2 repositories, 3 tags checked; queued 3 tag copies")
                .contains("queue drained");
        assertThat(err.toString()).contains("2/2");
        assertThat(tagDigest("library/alpine", "3.19")).isPresent();
        assertThat(tagDigest("library/alpine", "latest")).isEqualTo(tagDigest("library/alpine", "3.19"));
        assertThat(tagDigest("team/multiarch", "v1")).isPresent();
        assertThat(tagDigest("private/secret", "1.0"))
                .as("excluded by selective sync")
                .isEmpty();
    }

    @Test
    @Order(2)
    void aTagDeletedOnThePrimaryIsRemovedByTheNextPass() {
        skopeo.run(
                        List.of(
                                "delete",
                                "--tls-verify=false",
                                "docker://" + primary.hostPort() + "/team/multiarch:v1"),
                        Skopeo.DEFAULT_TIMEOUT)
                .requireSuccess();
        StringWriter out = new StringWriter();
        int code = cli(new ReconcileCommand(ReconcileFromDistributionIT::session), out, new StringWriter())
                .execute("--repository", "team/multiarch", "--wait", "--timeout", "PT60S");
        assertThat(code).as(out.toString()).isZero();
        assertThat(out.toString()).contains("1 tag deletes");
        assertThat(tagDigest("team/multiarch", "v1")).isEmpty();
        assertThat(tagDigest("library/alpine", "3.19")).isPresent();
    }

    @Test
    @Order(3)
    void preheatReplicatesAnExcludedRepositoryTagOnDemand() {
        StringWriter out = new StringWriter();
        int code = cli(new PreheatCommand(ReconcileFromDistributionIT::session), out, new StringWriter())
                .execute("private/secret:1.0", "--wait", "--timeout", "PT60S");
        assertThat(code).as(out.toString()).isZero();
        assertThat(out.toString()).contains("queued private/secret:1.0");
        assertThat(tagDigest("private/secret", "1.0")).isPresent();
    }

    private static Optional<Digest> tagDigest(String repository, String tag) {
        return replica.reader()
                .manifest(RepositoryName.of(repository), new Reference.ByTag(Tag.of(tag)))
                .map(ReplicaReader.StoredManifest::digest);
    }

    /** The test's replicator, not closed by the command (the test owns it). */
    private static ReplicatorSession session() {
        return new ReplicatorSession() {
            @Override
            public Replicator replicator() {
                return replicator;
            }

            @Override
            public void close() {
                // the test closes the replicator in @AfterAll
            }
        };
    }

    private static CommandLine cli(Object command, StringWriter out, StringWriter err) {
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli;
    }

    private static void push(CorpusRepository source, String sourceTag, String repository, String tag) {
        SkopeoDirWriter.push(
                skopeo, source, sourceTag, temp.resolve("dirs"), primary.hostPort() + "/" + repository + ":" + tag);
    }
}
