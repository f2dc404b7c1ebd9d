package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Finding and rewriting one client's rows of the compatibility matrix, leaving the rest of the doc alone. */
class CompatibilityMatrixTest {
    private static final String DOC = """
            # Compatibility

            %s
            | --- | --- | --- | --- | --- | --- |
            | podman | 4 | d | t | pull | `PodmanClientIT` |
            | skopeo | 1 | d | t | push | `TwoSiteIT` |
            | skopeo | 1 | d | t | pull | `TwoSiteIT` |

            ## Quirks
            | not | the | matrix |
            """.formatted(CompatibilityMatrix.HEADER);

    @Test
    void aClientsRowsAreTheRowsWhoseFirstCellNamesIt() {
        assertThat(CompatibilityMatrix.rowsOf(DOC, "skopeo"))
                .containsExactly(
                        "| skopeo | 1 | d | t | push | `TwoSiteIT` |", "| skopeo | 1 | d | t | pull | `TwoSiteIT` |");
        assertThat(CompatibilityMatrix.rowsOf(DOC, "containerd")).isEmpty();
    }

    @Test
    void rewritingReplacesAClientsRowsInPlaceAndAddsANewClientAtTheTableEnd() {
        String rewritten = CompatibilityMatrix.withRows(
                DOC, "podman", List.of("| podman | 5 | d | t | pull |", "| podman | 5 | d | t | push |"));
        String added =
                CompatibilityMatrix.withRows(rewritten, "containerd", List.of("| containerd | 1.6 | d | t | pull |"));

        assertThat(added)
                .isEqualTo(DOC.replace(
                                "| podman | 4 | d | t | pull | `PodmanClientIT` |\n",
                                "| podman | 5 | d | t | pull |\n| podman | 5 | d | t | push |\n")
                        .replace(
                                "| skopeo | 1 | d | t | pull | `TwoSiteIT` |\n",
                                "| skopeo | 1 | d | t | pull | `TwoSiteIT` |\n| containerd | 1.6 | d | t | pull |\n"));
        assertThat(CompatibilityMatrix.withRows(added, "skopeo", CompatibilityMatrix.rowsOf(added, "skopeo")))
                .isEqualTo(added);
    }

    @Test
    void aDocWithoutTheMatrixIsAnError() {
        assertThatThrownBy(() -> CompatibilityMatrix.withRows("# nothing\n", "skopeo", List.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(CompatibilityMatrix.HEADER);
    }
}
