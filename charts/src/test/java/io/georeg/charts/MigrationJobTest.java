package io.georeg.charts;

import static io.georeg.charts.RenderedChart.RELEASE;
import static io.georeg.charts.RenderedChart.container;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

/**
 * The Flyway migration Job. Helm's template API leaves hooks out of the manifest, so the Job's
 * content is checked with {@code migrations.hook=false} (the same template, without the hook
 * annotations), and the hook itself by its absence from the default manifest.
 */
class MigrationJobTest {

    @Test
    void jobRunsGeoregMigrateWithItsOwnConfigAndDatabasePassword() throws Exception {
        RenderedChart chart = RenderedChart.render("ha.yaml", t -> t.set("migrations.hook", false));
        JsonNode job = chart.get("Job", RELEASE + "-georeg-migrate");
        JsonNode c = container(job);

        assertThat(c.path("args").toString()).isEqualTo("[\"migrate\",\"--config\",\"/etc/georeg/migrate.yaml\"]");
        assertThat(job.path("spec").path("backoffLimit").asInt()).isEqualTo(3);
        assertThat(job.path("spec")
                        .path("template")
                        .path("spec")
                        .path("restartPolicy")
                        .asText())
                .isEqualTo("Never");
        assertThat(RenderedChart.secretFiles(job))
                .containsEntry("database-password", RELEASE + "-georeg-migrate:database-password");

        String config = chart.get("ConfigMap", RELEASE + "-georeg-migrate")
                .path("data")
                .path("migrate.yaml")
                .asText();
        JsonNode migrate = new YAMLMapper().readTree(config);
        assertThat(migrate.path("database").path("url").asText())
                .isEqualTo("jdbc:postgresql://pg.db.svc:5432/georeg?sslmode=prefer");
        assertThat(migrate.path("database").path("passwordFile").asText())
                .isEqualTo("/etc/georeg/secrets/database-password");
        assertThat(migrate.has("components")).isFalse();
    }

    @Test
    void jobWithoutHookCarriesTheAnnotationsOfTheToolThatOrdersIt() {
        RenderedChart chart = RenderedChart.render(
                "ha.yaml",
                t -> t.set("migrations.hook", false)
                        .set("migrations.annotations.argocd\\.argoproj\\.io/hook", "PreSync"));
        JsonNode annotations =
                chart.get("Job", RELEASE + "-georeg-migrate").path("metadata").path("annotations");

        assertThat(annotations.path("argocd.argoproj.io/hook").asText()).isEqualTo("PreSync");
        assertThat(annotations.has("helm.sh/hook")).isFalse();
    }

    @Test
    void migrationsCanBeTurnedOff() {
        RenderedChart chart = RenderedChart.render(
                "ha.yaml", t -> t.set("migrations.enabled", false).set("migrations.hook", false));

        assertThat(chart.ofKind("Job")).isEmpty();
    }
}
