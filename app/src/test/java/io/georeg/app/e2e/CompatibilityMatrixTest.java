package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Finding and rewriting the rows of one client and test class in the compatibility matrix, leaving the rest alone. */
class CompatibilityMatrixTest {
    private static final String DOC = """
            # Compatibility

            %s
            | --- | --- | --- | --- | --- | --- |
            | podman | 4 | d | t | pull | `PodmanClientIT` |
            | skopeo | 1 | d | t | push | `TwoSiteIT` |
            | skopeo | 1 | d | t | pull | `TwoSiteIT` |
            | skopeo | 1 | g | t | pull | `GitLabPrimaryClientIT` |

            ## Quirks
            | not | the | matrix |
            """.formatted(CompatibilityMatrix.HEADER);

    @Test
    void theRowsOfAClientAndTestAreThoseWhoseFirstCellNamesTheClientAndLastTheTest() {
        assertThat(CompatibilityMatrix.rowsOf(DOC, "skopeo", TwoSiteIT.class))
                .containsExactly(
                        "| skopeo | 1 | d | t | push | `TwoSiteIT` |", "| skopeo | 1 | d | t | pull | `TwoSiteIT` |");
        assertThat(CompatibilityMatrix.rowsOf(DOC, "skopeo", GitLabPrimaryClientIT.class))
                .containsExactly("| skopeo | 1 | g | t | pull | `GitLabPrimaryClientIT` |");
        assertThat(CompatibilityMatrix.rowsOf(DOC, "containerd", ContainerdClientIT.class))
                .isEmpty();
    }

    @Test
    void rewritingReplacesRowsInPlaceAndAddsANewTestBelowItsClientAndANewClientAtTheTableEnd() {
        String rewritten = CompatibilityMatrix.withRows(
                DOC,
                "podman",
                PodmanClientIT.class,
                List.of(
                        "| podman | 5 | d | t | pull | `PodmanClientIT` |",
                        "| podman | 5 | d | t | push | `PodmanClientIT` |"));
        String harbor = CompatibilityMatrix.withRows(
                rewritten,
                "podman",
                HarborPrimaryClientIT.class,
                List.of("| podman | 5 | h | t | pull | `HarborPrimaryClientIT` |"));
        String added = CompatibilityMatrix.withRows(
                harbor,
                "containerd",
                ContainerdClientIT.class,
                List.of("| containerd | 1.6 | d | t | pull | `ContainerdClientIT` |"));

        assertThat(added)
                .isEqualTo(DOC.replace(
                                "| podman | 4 | d | t | pull | `PodmanClientIT` |\n",
                                "| podman | 5 | d | t | pull | `PodmanClientIT` |\n"
                                        + "| podman | 5 | d | t | push | `PodmanClientIT` |\n"
                                        + "| podman | 5 | h | t | pull | `HarborPrimaryClientIT` |\n")
                        .replace(
                                "| skopeo | 1 | g | t | pull | `GitLabPrimaryClientIT` |\n",
                                "| skopeo | 1 | g | t | pull | `GitLabPrimaryClientIT` |\n"
                                        + "| containerd | 1.6 | d | t | pull | `ContainerdClientIT` |\n"));
        assertThat(CompatibilityMatrix.withRows(
                        added, "skopeo", TwoSiteIT.class, CompatibilityMatrix.rowsOf(added, "skopeo", TwoSiteIT.class)))
                .isEqualTo(added);
    }

    @Test
    void aDocWithoutTheMatrixIsAnError() {
        assertThatThrownBy(() -> CompatibilityMatrix.withRows("# nothing\n", "skopeo", TwoSiteIT.class, List.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(CompatibilityMatrix.HEADER);
    }
}
