package io.georeg.replicator.binding;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.replica.ReplicaPrimaries;
import io.georeg.replicator.PrimarySource;
import io.georeg.replicator.intake.IntakeConfig;
import io.georeg.replicator.primary.PrimaryConfig;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PrimaryBindingTest {
    private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void urlsThatNameOneRegistryNormalizeAlike() {
        assertThat(ReplicaPrimaries.normalize(URI.create("HTTPS://Registry.Example.COM/")))
                .isEqualTo("https://registry.example.com:443");
        assertThat(ReplicaPrimaries.normalize(URI.create("https://registry.example.com:443")))
                .isEqualTo("https://registry.example.com:443");
        assertThat(ReplicaPrimaries.normalize(URI.create("http://registry.example.com")))
                .isEqualTo("http://registry.example.com:80");
        assertThat(ReplicaPrimaries.normalize(URI.create("http://127.0.0.1:5000//")))
                .isEqualTo("http://127.0.0.1:5000");
        assertThat(ReplicaPrimaries.normalize(URI.create("http://[::1]:5000"))).isEqualTo("http://[::1]:5000");
        assertThat(ReplicaPrimaries.normalize(URI.create("https://user:secret@registry.example.com:8443/?q#f")))
                .as("never stores credentials, query or fragment")
                .isEqualTo("https://registry.example.com:8443");
    }

    @Test
    void anotherPortOrSchemeIsAnotherPrimary() {
        assertThat(ReplicaPrimaries.normalize(URI.create("https://registry.example.com")))
                .isNotEqualTo(ReplicaPrimaries.normalize(URI.create("https://registry.example.com:5000")))
                .isNotEqualTo(ReplicaPrimaries.normalize(URI.create("http://registry.example.com")));
    }

    @Test
    void aConfigurationsBindingNamesEachSourceWithItsNormalizedUrlInNameOrder() {
        PrimaryBinding binding = PrimaryBinding.of(
                List.of(source("cell-2", "https://Two.example.com/"), source("cell-1", "http://one.example.com:5000")));

        assertThat(binding.urls())
                .containsExactly(
                        Map.entry("cell-1", "http://one.example.com:5000"),
                        Map.entry("cell-2", "https://two.example.com:443"));
        assertThat(binding.fingerprint())
                .isEqualTo("cell-1 http://one.example.com:5000\ncell-2 https://two.example.com:443");
    }

    @Test
    void equalBindingsDifferInNothing() {
        PrimaryBinding binding = new PrimaryBinding(Map.of("primary", "https://a.example.com:443"));

        assertThat(binding.differences(List.of(stored("primary", "https://a.example.com:443"))))
                .isEmpty();
    }

    @Test
    void anotherUrlAMissingNameAndAnExtraNameAreEachADifference() {
        PrimaryBinding configured = new PrimaryBinding(
                Map.of("cell-1", "https://moved.example.com:443", "cell-3", "https://three.example.com:443"));
        List<StoredPrimary> stored = List.of(
                stored("cell-1", "https://one.example.com:443"), stored("cell-2", "https://two.example.com:443"));

        List<PrimaryBinding.Difference> differences = configured.differences(stored);

        assertThat(differences)
                .extracting(PrimaryBinding.Difference::name)
                .containsExactly("cell-1", "cell-2", "cell-3");
        assertThat(differences.get(0).stored()).map(StoredPrimary::url).contains("https://one.example.com:443");
        assertThat(differences.get(0).configured()).contains("https://moved.example.com:443");
        assertThat(differences.get(1).configured()).as("stored, not configured").isEmpty();
        assertThat(differences.get(2).stored()).as("configured, not stored").isEmpty();
    }

    @Test
    void anUnboundDatabaseDiffersInEveryConfiguredPrimary() {
        PrimaryBinding configured = new PrimaryBinding(Map.of("primary", "https://a.example.com:443"));

        assertThat(configured.differences(List.of()))
                .containsExactly(new PrimaryBinding.Difference(
                        "primary", Optional.empty(), Optional.of("https://a.example.com:443")));
    }

    @Test
    void theExplanationNamesTheDatabaseEachDifferenceWithWhenAndByWhomAndTheFix() {
        PrimaryBinding configured = new PrimaryBinding(Map.of("primary", "https://b.example.com:443"));
        PrimaryBindingMismatch mismatch = new PrimaryBindingMismatch(
                "jdbc:postgresql://db:5432/georeg (user georeg)",
                configured.differences(List.of(
                        stored("primary", "https://a.example.com:443"),
                        stored("cell-9", "https://nine.example.com:443"))));

        assertThat(mismatch.explanation())
                .contains(
                        "the tracking database jdbc:postgresql://db:5432/georeg (user georeg) replicates other primaries")
                .contains("primary 'cell-9': bound to https://nine.example.com:443 (2026-12-01T10:00:00Z by site-a/7"
                        + " (replicator start)); not configured here")
                .contains("primary 'primary': bound to https://a.example.com:443 (2026-12-01T10:00:00Z by site-a/7"
                        + " (replicator start)); configured here as https://b.example.com:443")
                .contains("Each site needs its own tracking database (database.url)")
                .contains("run `georeg primaries --adopt` once");
    }

    private static StoredPrimary stored(String name, String url) {
        return new StoredPrimary(name, url, AT, "site-a/7 (replicator start)");
    }

    private static PrimarySource source(String name, String url) {
        return new PrimarySource(
                name, IntakeConfig.withSecret("s3cret-s3cret-s3cret"), PrimaryConfig.anonymous(URI.create(url)));
    }
}
