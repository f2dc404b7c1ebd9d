package io.georeg.app.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replicator.queue.WorkRequest;
import io.georeg.replicator.reconcile.RepositoryFilter;
import io.georeg.router.fallback.ReplicaMissListener.Miss;
import io.georeg.router.route.RouteId;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheOnMissTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final String DIGEST =
            Digest.sha256("m".getBytes(StandardCharsets.UTF_8)).toString();
    private static final RepositoryFilter NOT_PRIVATE =
            new RepositoryFilter(List.of(), List.of("private/*"), List.of());

    @Test
    void aTagMissBecomesATagPushAtTheReportedDigest() {
        assertThat(CacheOnMiss.request(new Miss(RouteId.MANIFEST_READ, "team/app", "v1", DIGEST, 10), NOT_PRIVATE, NOW))
                .hasValue(WorkRequest.tagPush(
                        RepositoryName.of("team/app"), Tag.of("v1"), Digest.parse(DIGEST), NOW, CacheOnMiss.SOURCE));
    }

    @Test
    void missesInRepositoriesSelectiveSyncLeavesOutQueueNothing() {
        assertThat(CacheOnMiss.request(
                        new Miss(RouteId.MANIFEST_READ, "private/app", "v1", DIGEST, 10), NOT_PRIVATE, NOW))
                .isEmpty();
        assertThat(CacheOnMiss.request(
                        new Miss(RouteId.BLOB_READ, "private/app", DIGEST, DIGEST, 10), NOT_PRIVATE, NOW))
                .isEmpty();
    }

    @Test
    void otherRoutesAreLeftToReconcile() {
        assertThat(CacheOnMiss.request(
                        new Miss(RouteId.TAGS_LIST, "team/app", null, null, -1), RepositoryFilter.ALL, NOW))
                .isEmpty();
    }
}
