package io.georeg.storage.s3;

import static io.georeg.storage.StoreOutage.HEALTH_BUDGET;
import static io.georeg.storage.StoreOutage.timeToFail;
import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.storage.CallBounds;
import io.georeg.storage.ObjectKey;
import io.georeg.storage.StorageConfig;
import io.georeg.storage.StoreOutage;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An S3 endpoint in an outage, with the client as {@link S3ObjectStore#open} configures it. Left
 * to its defaults the SDK backed off throttling answers (503 SlowDown) for seconds, so a health
 * probe against a store answering 503 overran its budget.
 */
class S3OutageIT {
    /** What a call may take at most against an endpoint that answers at once: attempts and waits. */
    private static final Duration CALL_BOUND =
            CallBounds.BACKOFF_MAX.multipliedBy(CallBounds.MAX_ATTEMPTS).plusSeconds(1);

    private static final ObjectKey KEY = ObjectKey.of("docker/registry/v2/blobs/sha256/ab/abcd/data");

    @Test
    void theHealthProbeAnswersWithinItsBudgetAgainstAStoreAnswering503() throws Exception {
        try (StoreOutage outage = StoreOutage.answering503();
                S3ObjectStore store = open(outage.endpoint())) {
            // Untimed first: a cold client loads its classes in the first call, which on a loaded
            // machine alone can take the budget (the product's first probe is the slow one too).
            timeToFail(store::probe);
            assertThat(timeToFail(store::probe)).isLessThan(HEALTH_BUDGET);
        }
    }

    @Test
    void theHealthProbeAnswersWithinItsBudgetAgainstAnEndpointRefusingConnections() throws Exception {
        try (S3ObjectStore store = open(StoreOutage.refusingConnections())) {
            // Untimed first: a cold client loads its classes in the first call, which on a loaded
            // machine alone can take the budget (the product's first probe is the slow one too).
            timeToFail(store::probe);
            assertThat(timeToFail(store::probe)).isLessThan(HEALTH_BUDGET);
        }
    }

    @Test
    void aStatFailsWithinTheBoundAgainstAStoreAnswering503() throws Exception {
        try (StoreOutage outage = StoreOutage.answering503();
                S3ObjectStore store = open(outage.endpoint())) {
            timeToFail(store::probe); // one attempt: loads the client's classes, not timed
            assertThat(timeToFail(() -> store.size(KEY))).isLessThan(CALL_BOUND);
        }
    }

    /** The write of a copy: a shutdown waits for the copies in flight, each ends within the bound. */
    @Test
    void aStreamedWriteFailsWithinTheBoundAgainstAStoreAnswering503() throws Exception {
        try (StoreOutage outage = StoreOutage.answering503();
                S3ObjectStore store = open(outage.endpoint())) {
            Duration took =
                    timeToFail(() -> StoreOutage.writeStreamed(store, KEY, (int) StorageConfig.S3.MIN_PART_SIZE + 1));
            // a multipart upload: the create, then the abort after it failed
            assertThat(took).isLessThan(CALL_BOUND.multipliedBy(2));
        }
    }

    private static S3ObjectStore open(URI endpoint) {
        return S3ObjectStore.open(new StorageConfig.S3(
                "georeg-test",
                "site-b",
                "us-east-1",
                endpoint,
                true,
                "georeg-test",
                "georeg-test-secret",
                StorageConfig.S3.MIN_PART_SIZE));
    }
}
