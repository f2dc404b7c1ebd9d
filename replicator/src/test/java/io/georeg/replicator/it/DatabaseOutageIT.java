package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.db.DatabaseUnavailableException;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.replicator.testing.SkopeoDirWriter;
import io.georeg.testkit.corpus.Corpus;
import io.georeg.testkit.corpus.CorpusGenerator;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import io.georeg.testkit.tools.TcpRelay;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL goes away while the primary is pushed to: the intake answers 503, distribution keeps
 * the events and re-sends them, and once the database is back every push reaches the replica.
 */
class DatabaseOutageIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    Path temp;

    @Test
    void intakeAnswers503WhileTheDatabaseIsAwayAndTheRegistrysResendsDeliverEverythingAfter() throws Exception {
        Skopeo skopeo = Skopeo.require();
        int pgPort = URI.create(DB.jdbcUrl().substring("jdbc:".length())).getPort();
        try (TcpRelay pg = TcpRelay.to("127.0.0.1", pgPort);
                ReplicatorUnderTest replica = new ReplicatorUnderTest(
                        DB, DB.jdbcUrl().replace(":" + pgPort + "/", ":" + pg.port() + "/"), temp.resolve("replica"));
                Distribution primary = Distribution.notifying(
                        temp.resolve("primary"), replica.intakeUrl(), ReplicatorUnderTest.SECRET)) {
            replica.start(primary.url(), ReplicatorUnderTest.fastRetries(2));
            Corpus corpus = CorpusGenerator.withSeed(3).bigLayerSize(64 * 1024).generate();

            pg.cut();
            SkopeoDirWriter.push(
                    skopeo,
                    corpus.repository("library/alpine"),
                    "3.19",
                    temp.resolve("dirs"),
                    primary.hostPort() + "/outage/app:v1");
            await("the registry is being refused")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> replica.metrics()
                            .contains("georeg_replication_intake_requests_total{outcome=\"database_unavailable\"}"));

            pg.restore();
            // The pool reconnects on its own schedule: on a loaded machine a read may still time out
            // (500 ms in tests) just after the database is back, which is no failure of the replicator.
            await("every push replicated once the database is back")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreException(DatabaseUnavailableException.class)
                    .until(() -> replica.reader()
                            .manifest(RepositoryName.of("outage/app"), new Reference.ByTag(Tag.of("v1")))
                            .isPresent());
            assertThat(replica.reader()
                            .manifest(RepositoryName.of("outage/app"), new Reference.ByTag(Tag.of("v1")))
                            .get()
                            .digest())
                    .isEqualTo(replica.replicator()
                            .primary()
                            .content()
                            .headManifest(RepositoryName.of("outage/app"), new Reference.ByTag(Tag.of("v1")))
                            .orElseThrow()
                            .digest());
        }
    }
}
