package io.georeg.replicator.primary;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.RepositoryName;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ManifestHandoffTest {
    private static final RepositoryName APP = RepositoryName.of("team/app");
    private static final RepositoryName OTHER = RepositoryName.of("team/other");

    @Test
    void aPrefetchedManifestIsTakenOnceForItsRepositoryOnly() {
        ManifestHandoff handoff = new ManifestHandoff(Clock.systemUTC());
        FetchedManifest m = manifest("one");
        handoff.offer(APP, m);
        assertThat(handoff.take(OTHER, m.digest())).isEmpty();
        assertThat(handoff.take(APP, m.digest())).contains(m);
        assertThat(handoff.take(APP, m.digest())).isEmpty();
        assertThat(handoff.size()).isZero();
    }

    @Test
    void entriesOlderThanTheMaximumAgeAreNotHandedOut() {
        MutableClock clock = new MutableClock();
        ManifestHandoff handoff = new ManifestHandoff(clock);
        FetchedManifest m = manifest("old");
        handoff.offer(APP, m);
        clock.now = clock.now.plus(ManifestHandoff.MAX_AGE).plusSeconds(1);
        assertThat(handoff.take(APP, m.digest())).isEmpty();
    }

    @Test
    void theOldestEntriesGoWhenTheCountBoundIsReached() {
        ManifestHandoff handoff = new ManifestHandoff(Clock.systemUTC());
        FetchedManifest first = manifest("first");
        handoff.offer(APP, first);
        for (int i = 0; i < ManifestHandoff.MAX_ENTRIES; i++) {
            handoff.offer(APP, manifest("m" + i));
        }
        assertThat(handoff.size()).isEqualTo(ManifestHandoff.MAX_ENTRIES);
        assertThat(handoff.take(APP, first.digest())).isEmpty();
    }

    private static FetchedManifest manifest(String name) {
        byte[] content = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"annotations\":{\"n\":\"" + name + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        return new FetchedManifest(Digest.sha256(content), MediaTypes.OCI_MANIFEST, content);
    }

    private static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
