package io.georeg.replica.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.RepositoryName;
import org.junit.jupiter.api.Test;

class FreshnessTest {
    private static final RepositoryName APP = RepositoryName.of("team/app");
    private static final RepositoryName OTHER = RepositoryName.of("team/other");

    @Test
    void nothingIsCachedBeforeTheListenerConnects() {
        Freshness f = new Freshness();
        assertThat(f.stamp(APP)).isNull();
    }

    @Test
    void aStampStaysValidUntilItsRepositoryChanges() {
        Freshness f = connected();
        Freshness.Stamp s = f.stamp(APP);
        f.repositoryChanged(OTHER);
        assertThat(f.valid(s, false)).isEqualTo(stripeOf(APP) != stripeOf(OTHER));
        f.repositoryChanged(APP);
        assertThat(f.valid(s, false)).isFalse();
    }

    @Test
    void blobServabilityChangesInvalidateOnlyBlobFacts() {
        Freshness f = connected();
        Freshness.Stamp s = f.stamp(APP);
        f.blobChanged();
        assertThat(f.valid(s, false)).isTrue();
        assertThat(f.valid(s, true)).isFalse();
    }

    @Test
    void losingTheListenerInvalidatesEverythingAndAReconnectDoesNotReviveIt() {
        Freshness f = connected();
        Freshness.Stamp s = f.stamp(APP);
        f.listenerDisconnected();
        assertThat(f.valid(s, false)).isFalse();
        assertThat(f.stamp(APP)).isNull();
        f.listenerConnected();
        assertThat(f.valid(s, false))
                .as("changes may have been missed while down")
                .isFalse();
        assertThat(f.valid(f.stamp(APP), false)).isTrue();
    }

    @Test
    void anUnknownChangeFlushesEverything() {
        Freshness f = connected();
        Freshness.Stamp s = f.stamp(APP);
        f.anythingChanged();
        assertThat(f.valid(s, false)).isFalse();
    }

    private static Freshness connected() {
        Freshness f = new Freshness();
        f.listenerConnected();
        return f;
    }

    private static int stripeOf(RepositoryName name) {
        Freshness f = connected();
        return f.stamp(name).stripe();
    }
}
