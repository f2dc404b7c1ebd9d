package io.georeg.failover.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.failover.FailoverException;
import io.georeg.failover.state.UnreplicatedItem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link Report} as {@code <kind>-report.json} (for scripts and CI) and
 * {@code <kind>-report.md} (for the people reading the drill's outcome) into a directory.
 * Called by the drill and promote commands.
 */
public final class ReportWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportWriter() {}

    /** Both files; returns the Markdown file's path. */
    public static Path write(Report report, Path directory) {
        try {
            Files.createDirectories(directory);
            Files.write(directory.resolve(report.kind() + "-report.json"), JSON.writeValueAsBytes(json(report)));
            Path md = directory.resolve(report.kind() + "-report.md");
            Files.writeString(md, markdown(report), StandardCharsets.UTF_8);
            return md;
        } catch (IOException e) {
            throw new FailoverException("cannot write the " + report.kind() + " report to " + directory + ": " + e, e);
        }
    }

    /** The report as the JSON file holds it; {@code --json} prints the same object on stdout. */
    public static ObjectNode json(Report report) {
        ObjectNode root = JSON.createObjectNode();
        root.put("kind", report.kind());
        root.put("passed", report.passed());
        root.put("startedAt", report.startedAt().toString());
        root.put("finishedAt", String.valueOf(report.finishedAt()));
        ArrayNode steps = root.putArray("steps");
        report.steps()
                .forEach(s -> steps.addObject()
                        .put("name", s.name())
                        .put("description", s.description())
                        .put("startedAt", s.startedAt().toString())
                        .put("millis", s.millis())
                        .put("passed", s.passed()));
        ArrayNode warnings = root.putArray("warnings");
        report.warnings().forEach(warnings::add);
        ArrayNode checks = root.putArray("checks");
        report.checks()
                .forEach(c -> checks.addObject()
                        .put("name", c.name())
                        .put("passed", c.passed())
                        .put("detail", c.detail()));
        ObjectNode facts = root.putObject("facts");
        report.orderedFacts().forEach(facts::put);
        ObjectNode timings = root.putObject("timingsMillis");
        report.timingsMillis().forEach(timings::put);
        ObjectNode rpo = root.putObject("rpo");
        List<UnreplicatedItem> items = report.rpo();
        rpo.put("unreplicated", items.size());
        rpo.put(
                "oldestAgeSeconds",
                items.stream().mapToLong(i -> i.age().toSeconds()).max().orElse(0));
        ArrayNode list = rpo.putArray("items");
        for (UnreplicatedItem i : items) {
            list.addObject()
                    .put("repository", i.repository())
                    .put("kind", i.kind())
                    .put("ref", i.ref())
                    .put("operation", i.operation())
                    .put("state", i.state())
                    .put("since", i.since().toString())
                    .put("ageSeconds", i.age().toSeconds())
                    .put("attempts", i.attempts())
                    .put("lastError", i.lastError());
        }
        ArrayNode errors = root.putArray("errors");
        report.errors().forEach(errors::add);
        return root;
    }

    static String markdown(Report report) {
        StringBuilder md = new StringBuilder();
        md.append("# georeg ")
                .append(report.kind())
                .append(" report: ")
                .append(report.passed() ? "PASSED" : "FAILED")
                .append("\n\n");
        md.append("Started ")
                .append(report.startedAt())
                .append(", finished ")
                .append(report.finishedAt())
                .append(".\n\n");
        if (!report.steps().isEmpty()) {
            md.append("## Steps\n\n| step | started | ms | result |\n|---|---|---|---|\n");
            report.steps()
                    .forEach(s -> md.append("| ")
                            .append(cell(s.description()))
                            .append(" | ")
                            .append(s.startedAt())
                            .append(" | ")
                            .append(s.millis())
                            .append(" | ")
                            .append(s.passed() ? "pass" : "**FAIL**")
                            .append(" |\n"));
            md.append('\n');
        }
        md.append("## Checks\n\n| check | result | detail |\n|---|---|---|\n");
        report.checks()
                .forEach(c -> md.append("| ")
                        .append(c.name())
                        .append(" | ")
                        .append(c.passed() ? "pass" : "**FAIL**")
                        .append(" | ")
                        .append(cell(c.detail()))
                        .append(" |\n"));
        md.append("\n## Facts\n\n");
        for (Map.Entry<String, String> f : report.orderedFacts().entrySet()) {
            md.append("- ").append(f.getKey()).append(": ").append(f.getValue()).append('\n');
        }
        if (!report.timingsMillis().isEmpty()) {
            md.append("\n## Timings\n\n| measure | ms |\n|---|---|\n");
            report.timingsMillis()
                    .forEach((k, v) ->
                            md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        }
        List<UnreplicatedItem> items = report.rpo();
        md.append("\n## RPO: not replicated\n\n");
        if (items.isEmpty()) {
            md.append("Nothing: every change the replicator knows of is applied.\n");
        } else {
            md.append(items.size())
                    .append(" change(s) not replicated, the oldest ")
                    .append(items.stream()
                            .mapToLong(i -> i.age().toSeconds())
                            .max()
                            .orElse(0))
                    .append(" s old.\n\n")
                    .append(
                            "| repository | ref | operation | state | age (s) | attempts | last error |\n|---|---|---|---|---|---|---|\n");
            for (UnreplicatedItem i : items) {
                md.append("| ")
                        .append(cell(i.repository()))
                        .append(" | ")
                        .append(cell(i.ref()))
                        .append(" | ")
                        .append(i.operation())
                        .append(" | ")
                        .append(i.state())
                        .append(" | ")
                        .append(i.age().toSeconds())
                        .append(" | ")
                        .append(i.attempts())
                        .append(" | ")
                        .append(cell(i.lastError()))
                        .append(" |\n");
            }
        }
        if (!report.warnings().isEmpty()) {
            md.append("\n## Warnings\n\n");
            report.warnings()
                    .forEach(w -> md.append("- ").append(w.replace("\n", " ")).append('\n'));
        }
        if (!report.errors().isEmpty()) {
            md.append("\n## Errors\n\n");
            report.errors()
                    .forEach(e -> md.append("- ").append(e.replace("\n", " ")).append('\n'));
        }
        return md.toString();
    }

    private static String cell(String text) {
        return text == null ? "" : text.replace("|", "\\|").replace("\n", " ");
    }
}
