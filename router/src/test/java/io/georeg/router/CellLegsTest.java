package io.georeg.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.NamespaceOwners;
import io.georeg.router.route.RouteMatch;
import io.georeg.router.route.RouteTable;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which primary's legs a request takes, and that the access log learns it: with several
 * primaries (docs/cells.md) a line that says {@code destination=primary} does not say which one,
 * and one cell's refusals or slow answers could not be told from another's.
 */
class CellLegsTest {
    private static final RouteTable TABLE = RouteTable.oci("/jwt/auth");
    private static final String DIGEST = "sha256:" + "c".repeat(64);

    private final List<String> took = new ArrayList<>();
    private final RouterMetrics metrics = new RouterMetrics(new PrometheusRegistry(), List.of(), TABLE);

    private RouteLeg leg(String name) {
        return (request, response, callback, record, match) -> took.add(name);
    }

    private CellLegs.Legs legs(String cell) {
        return new CellLegs.Legs(null, leg(cell + " write"), leg(cell + " read"), cell);
    }

    @Test
    void withSeveralPrimariesEachRequestNotesThePrimaryWhoseLegsTookIt() throws Exception {
        CellLegs cells = new CellLegs(
                Map.of("cell-a", legs("cell-a"), "cell-b", legs("cell-b")),
                new NamespaceOwners(Map.of("acme", "cell-a", "globex", "cell-b"), null),
                "cell-a",
                metrics);

        assertThat(write(cells, "PUT", "/v2/globex/app/manifests/v1")).isEqualTo("cell-b");
        assertThat(read(cells, "GET", "/v2/acme/app/blobs/" + DIGEST)).isEqualTo("cell-a");
        assertThat(read(cells, "GET", "/v2/"))
                .as("a path that names no repository")
                .isEqualTo("cell-a");
        assertThat(took).containsExactly("cell-b write", "cell-a read", "cell-a read");
    }

    @Test
    void withOnePrimaryTheAccessLogLineStaysAsItWas() throws Exception {
        CellLegs cells =
                new CellLegs(Map.of("primary", legs("primary")), NamespaceOwners.single("primary"), "primary", metrics);

        assertThat(write(cells, "PUT", "/v2/acme/app/manifests/v1")).isNull();
        assertThat(took).containsExactly("primary write");
    }

    /** The primary the record names once the write leg of {@code method path} answered. */
    private static String write(CellLegs cells, String method, String path) throws Exception {
        RouteMatch match = TABLE.classify(method, path);
        RequestRecord record = new RequestRecord("r");
        cells.write(match).answer(null, null, null, record, match);
        return record.primary();
    }

    private static String read(CellLegs cells, String method, String path) throws Exception {
        RouteMatch match = TABLE.classify(method, path);
        RequestRecord record = new RequestRecord("r");
        cells.read(match).answer(null, null, null, record, match);
        return record.primary();
    }
}
