package io.georeg.failover.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.failover.state.UnreplicatedItem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
    @TempDir
    Path dir;

    @Test
    void reportWithAFailedCheckAndUnreplicatedChangesIsWrittenAsMarkdownAndJson() throws Exception {
        Report report = new Report("drill");
        report.step("switch", "switch 1 router(s) to primary-down", () -> {
            report.check(Check.pass("switch", "1 router(s)"));
            report.warning("http://r1/ switched but NOT stored in the shared admin state: later");
        });
        report.check(Check.fail("precheck-pending", "3 change(s) | over"));
        report.timing("sample pull p99", 42);
        report.rpo(List.of(new UnreplicatedItem(
                "team/app",
                "tag",
                "v1",
                "push_manifest",
                "pending",
                Instant.parse("2026-01-01T00:00:00Z"),
                Duration.ofSeconds(90),
                2,
                "primary unreachable")));
        report.error("something broke");
        report.finish();

        Path md = ReportWriter.write(report, dir);

        JsonNode json =
                new ObjectMapper().readTree(dir.resolve("drill-report.json").toFile());
        assertThat(json.path("passed").asBoolean()).isFalse();
        assertThat(json.path("checks")).hasSize(2);
        assertThat(json.path("steps")).hasSize(1);
        assertThat(json.path("steps").get(0).path("name").asText()).isEqualTo("switch");
        assertThat(json.path("steps").get(0).path("passed").asBoolean()).isTrue();
        assertThat(json.path("steps").get(0).has("millis")).isTrue();
        assertThat(json.path("warnings").get(0).asText()).startsWith("http://r1/ switched but NOT stored");
        assertThat(report.steps().get(0).warnings()).hasSize(1);
        assertThat(json.path("rpo").path("unreplicated").asInt()).isEqualTo(1);
        assertThat(json.path("rpo").path("oldestAgeSeconds").asLong()).isEqualTo(90);
        assertThat(json.path("rpo").path("items").get(0).path("repository").asText())
                .isEqualTo("team/app");
        assertThat(json.path("timingsMillis").path("sample pull p99").asLong()).isEqualTo(42);
        assertThat(Files.readString(md))
                .contains("FAILED")
                .contains("**FAIL**")
                .contains("## Steps")
                .containsPattern("\\| switch 1 router\\(s\\) to primary-down \\| [0-9T:.Z-]+ \\| \\d+ \\| pass \\|")
                .contains("3 change(s) \\| over")
                .contains("1 change(s) not replicated, the oldest 90 s old")
                .contains("| team/app | v1 |")
                .contains("## Warnings\n\n- http://r1/ switched but NOT stored")
                .contains("something broke");
    }

    @Test
    void reportWithoutChecksDoesNotPass() {
        assertThat(new Report("promote").passed()).isFalse();
    }
}
