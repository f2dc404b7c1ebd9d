package io.georeg.storage.gcs;

import static io.georeg.storage.StoreOutage.HEALTH_BUDGET;
import static io.georeg.storage.StoreOutage.timeToFail;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.NoCredentials;
import io.georeg.storage.KeyPrefix;
import io.georeg.storage.ObjectKey;
import io.georeg.storage.StorageConfig;
import io.georeg.storage.StoreOutage;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A GCS endpoint in an outage, with the client as {@link GcsObjectStore#open} configures it. Left
 * to its defaults the client retried each call for about 50 s: every copy attempt of the
 * replicator took that long, `georeg serve` took a minute to stop (beyond Kubernetes' 30 s grace
 * period), and every health probe overran its budget.
 */
class GcsOutageIT {
    /** What a call may take at most against an endpoint that answers at once: attempts and waits. */
    private static final Duration CALL_BOUND = GcsObjectStore.TOTAL_TIMEOUT;

    private static final ObjectKey KEY = ObjectKey.of("docker/registry/v2/blobs/sha256/ab/abcd/data");

    @Test
    void theHealthProbeAnswersWithinItsBudgetAgainstAnEndpointRefusingConnections() throws Exception {
        try (GcsObjectStore store = open(StoreOutage.refusingConnections())) {
            // Untimed first: a cold client loads its classes in the first call, which on a loaded
            // machine alone can take the budget (the product's first probe is the slow one too).
            timeToFail(store::probe);
            assertThat(timeToFail(store::probe)).isLessThan(HEALTH_BUDGET);
        }
    }

    @Test
    void theHealthProbeAnswersWithinItsBudgetAgainstAStoreAnswering503() throws Exception {
        try (StoreOutage outage = StoreOutage.answering503();
                GcsObjectStore store = open(outage.endpoint())) {
            // Untimed first: a cold client loads its classes in the first call, which on a loaded
            // machine alone can take the budget (the product's first probe is the slow one too).
            timeToFail(store::probe);
            assertThat(timeToFail(store::probe)).isLessThan(HEALTH_BUDGET);
        }
    }

    @Test
    void aStatFailsWithinTheBoundAgainstAnEndpointRefusingConnections() throws Exception {
        try (GcsObjectStore store = open(StoreOutage.refusingConnections())) {
            timeToFail(store::probe); // one attempt: loads the client's classes, not timed
            assertThat(timeToFail(() -> store.size(KEY))).isLessThan(CALL_BOUND);
        }
    }

    /**
     * The write of a copy: a shutdown waits for the copies in flight, each ends within the bound.
     * (A 503 to the start of a resumable upload fails it at once even with the client's defaults.)
     */
    @Test
    void aStreamedWriteFailsWithinTheBoundAgainstAnEndpointRefusingConnections() throws Exception {
        try (GcsObjectStore store = open(StoreOutage.refusingConnections())) {
            Duration took = timeToFail(
                    () -> StoreOutage.writeStreamed(store, KEY, 2 * StorageConfig.Gcs.CHUNK_GRANULARITY + 1));
            assertThat(took).isLessThan(CALL_BOUND.multipliedBy(2));
        }
    }

    private static GcsObjectStore open(URI endpoint) {
        StorageConfig.Gcs config = new StorageConfig.Gcs("georeg-test", "site-b", "georeg-test", null, endpoint, 0);
        return new GcsObjectStore(
                GcsObjectStore.options(config)
                        .setCredentials(NoCredentials.getInstance())
                        .build()
                        .getService(),
                config.bucket(),
                KeyPrefix.of(config.prefix()),
                StorageConfig.Gcs.CHUNK_GRANULARITY);
    }
}
