package io.georeg.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NamespaceOwnersTest {
    private static final NamespaceOwners CELLS =
            new NamespaceOwners(Map.of("acme", "cell-a", "acme/web", "cell-b", "globex", "cell-c"), null);

    @ParameterizedTest(name = "{0} belongs to {1}")
    @CsvSource({
        "acme, cell-a",
        "acme/app, cell-a",
        "acme/web, cell-b",
        "acme/web/frontend, cell-b",
        "acme/webshop, cell-a",
        "globex/x/y, cell-c",
        "acme-labs/app, ''",
        "globe, ''",
    })
    void theLongestWholeComponentPrefixWins(String repository, String owner) {
        assertThat(CELLS.ownerOf(repository).orElse("")).isEqualTo(owner);
    }

    @Test
    void aDefaultOwnerTakesWhatNoNamespaceCovers() {
        NamespaceOwners owners = new NamespaceOwners(Map.of("acme", "cell-a"), "cell-b");
        assertThat(owners.ownerOf("initech/app")).contains("cell-b");
        assertThat(owners.ownerOf("acme/app")).contains("cell-a");
        assertThat(owners.owns("cell-b", "acme/app")).isFalse();
    }

    @Test
    void aSinglePrimaryOwnsEveryRepository() {
        assertThat(NamespaceOwners.single("primary").ownerOf("any/thing")).contains("primary");
    }

    @Test
    void namespacesAreListedPerOwner() {
        assertThat(CELLS.namespacesOf("cell-a")).containsExactly("acme");
        assertThat(CELLS.namespacesOf("cell-b")).containsExactly("acme/web");
    }

    @Test
    void everyOwnerIsListedOnceTheDefaultIncluded() {
        assertThat(CELLS.owners()).containsExactly("cell-a", "cell-b", "cell-c");
        assertThat(new NamespaceOwners(Map.of("acme", "cell-b", "acme/web", "cell-b"), "cell-a").owners())
                .containsExactly("cell-a", "cell-b");
        assertThat(NamespaceOwners.single("primary").owners()).containsExactly("primary");
    }

    @Test
    void aNamespaceMustBeARepositoryName() {
        assertThatThrownBy(() -> new NamespaceOwners(Map.of("acme/", "cell-a"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'acme/'");
    }
}
