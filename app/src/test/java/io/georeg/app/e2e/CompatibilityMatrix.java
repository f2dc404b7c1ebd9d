package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The compatibility matrix of docs/compatibility.md (client × primary × auth × operation, with
 * versions), kept from the client tests' own results so that it cannot drift: each client test
 * class records a row for each operation it verified ({@link Results#verified}), and at its end
 * ({@link Results#finish}) writes them to {@code target/compatibility/<client>-<test>.md} and
 * checks that the doc's rows of that client and test class are exactly these (one client is tested
 * by several classes, one per primary). With {@code -Dgeoreg.compatibility.update=true} it rewrites
 * those rows in the doc instead (the versions Debian or Maven Central gave, an operation added).
 * The doc's table starts with {@link #HEADER}; the rows of one client and test class are contiguous.
 */
final class CompatibilityMatrix {
    static final String HEADER = "| Client | Version | Primary | Auth | Operation | Test |";
    private static final String SEPARATOR = "| --- | --- | --- | --- | --- | --- |";
    /** The auth of the distribution primary of the client tests ({@link TwoSites}) as the matrix names it. */
    static final String TOKEN_AUTH = "token: GitLab-shaped `/jwt/auth`, Basic user + password";

    private CompatibilityMatrix() {}

    /** One verified operation. */
    record Row(String client, String version, String primary, String auth, String operation, String test) {
        String render() {
            return "| " + String.join(" | ", client, version, primary, auth, operation, test) + " |";
        }
    }

    /** What one client's test class verified, recorded as it runs. */
    static final class Results {
        private final String client;
        private final String version;
        private final String primary;
        private final String auth;
        private final Class<?> testClass;
        private final String test;
        private final List<Row> rows = Collections.synchronizedList(new ArrayList<>());

        /** Results against a distribution primary with {@link #TOKEN_AUTH}. */
        Results(String client, String version, String primary, Class<?> test) {
            this(client, version, primary, TOKEN_AUTH, test);
        }

        Results(String client, String version, String primary, String auth, Class<?> test) {
            this.client = client;
            this.version = version;
            this.primary = primary;
            this.auth = auth;
            this.testClass = test;
            this.test = cell(test);
        }

        /** Records that {@code operation} passed against the primary with its auth; call after its assertions. */
        void verified(String operation) {
            rows.add(new Row(client, version, primary, auth, operation, test));
        }

        /**
         * Writes the rows to {@code target/compatibility/} and checks (or, with
         * {@code georeg.compatibility.update}, rewrites) the client's rows of docs/compatibility.md.
         */
        void finish() throws IOException {
            List<String> rendered = rows.stream().map(Row::render).toList();
            Path results = Files.createDirectories(Path.of("target", "compatibility"));
            Files.write(
                    results.resolve(client.replaceAll("[^A-Za-z0-9]+", "-") + "-" + testClass.getSimpleName() + ".md"),
                    rendered);
            Path doc = Path.of(System.getProperty("georeg.docs", "../docs")).resolve("compatibility.md");
            String text = Files.readString(doc, StandardCharsets.UTF_8);
            if (Boolean.getBoolean("georeg.compatibility.update")) {
                Files.writeString(doc, withRows(text, client, testClass, rendered), StandardCharsets.UTF_8);
                return;
            }
            assertThat(rowsOf(text, client, testClass))
                    .as("docs/compatibility.md's rows for " + client + " by " + test + " are what this test verified; "
                            + "rerun it with -Dgeoreg.compatibility.update=true to rewrite them")
                    .containsExactlyElementsOf(rendered);
        }
    }

    /** The rows of the matrix whose first cell is {@code client} and whose last names {@code test}. */
    static List<String> rowsOf(String doc, String client, Class<?> test) {
        return table(doc).stream().filter(r -> isOf(r, client, test)).toList();
    }

    /**
     * {@code doc} with the matrix rows of {@code client} by {@code test} replaced by {@code rows}
     * (after the client's last row if it had none by that test, else at the table's end).
     */
    static String withRows(String doc, String client, Class<?> test, List<String> rows) {
        List<String> lines = new ArrayList<>(doc.lines().toList());
        int header = lines.indexOf(HEADER);
        if (header < 0 || header + 1 >= lines.size() || !lines.get(header + 1).equals(SEPARATOR)) {
            throw new IllegalStateException("docs/compatibility.md has no matrix starting with " + HEADER);
        }
        int end = header + 2;
        while (end < lines.size() && lines.get(end).startsWith("|")) {
            end++;
        }
        int insert = -1;
        // Below the client's last row; only used when nothing is removed, so no index shifts.
        int afterClient = -1;
        for (int i = end - 1; i >= header + 2; i--) {
            if (isOf(lines.get(i), client, test)) {
                lines.remove(i);
                insert = i;
                end--;
            } else if (afterClient < 0 && lines.get(i).startsWith("| " + client + " |")) {
                afterClient = i + 1;
            }
        }
        if (insert < 0) {
            insert = afterClient < 0 ? end : afterClient;
        }
        lines.addAll(insert, rows);
        return String.join("\n", lines) + "\n";
    }

    private static List<String> table(String doc) {
        List<String> lines = doc.lines().toList();
        int header = lines.indexOf(HEADER);
        List<String> out = new ArrayList<>();
        for (int i = header + 2; header >= 0 && i < lines.size() && lines.get(i).startsWith("|"); i++) {
            out.add(lines.get(i));
        }
        return out;
    }

    private static boolean isOf(String row, String client, Class<?> test) {
        return row.startsWith("| " + client + " |") && row.endsWith("| " + cell(test) + " |");
    }

    private static String cell(Class<?> test) {
        return "`" + test.getSimpleName() + "`";
    }
}
