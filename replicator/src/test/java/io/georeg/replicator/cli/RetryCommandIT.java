package io.georeg.replicator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.db.Database;
import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.replicator.PrimarySource;
import io.georeg.replicator.binding.PrimaryBinding;
import io.georeg.replicator.binding.PrimaryBindingStore;
import io.georeg.replicator.queue.WorkItem;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkRequest;
import io.georeg.replicator.testing.ReplicatorDatabase;
import io.georeg.testkit.db.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

class RetryCommandIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @Test
    void listShowsFailuresWithReasonsAndRetryRequeuesThem() {
        try (Database db = ReplicatorDatabase.start(DB)) {
            WorkQueue queue = new WorkQueue(db);
            PrimaryBinding binding = new PrimaryBinding(Map.of(PrimarySource.SINGLE, "http://primary.test:80"));
            new PrimaryBindingStore(db).bindIfUnbound(binding, "RetryCommandIT");
            queue.enqueue(List.of(WorkRequest.blobPush(
                    RepositoryName.of("team/app"),
                    Digest.sha256("x".getBytes(StandardCharsets.UTF_8)),
                    1,
                    Instant.now(),
                    "test")));
            WorkItem item = queue.claim("w", 1, Duration.ofSeconds(30), binding.fingerprint())
                    .get(0);
            queue.fail(item, "w", "blob is not on the primary", true, 5, Duration.ZERO);
        }
        StringWriter listed = new StringWriter();
        int code = command(listed).execute("--list");
        assertThat(code).isZero();
        assertThat(listed.toString())
                .contains("push_blob team/app@sha256:")
                .contains("blob is not on the primary")
                .contains("1 failed item(s) shown");

        StringWriter retried = new StringWriter();
        assertThat(command(retried).execute("--repository", "team/app")).isZero();
        assertThat(retried.toString()).contains("requeued 1 failed replication item(s) of team/app");
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work WHERE state = 'pending' AND attempts = 0"))
                .isEqualTo(1);
    }

    private static CommandLine command(StringWriter out) {
        CommandLine cli = new CommandLine(new RetryCommand(() -> ReplicatorDatabase.start(DB)));
        cli.setOut(new PrintWriter(out));
        return cli;
    }
}
