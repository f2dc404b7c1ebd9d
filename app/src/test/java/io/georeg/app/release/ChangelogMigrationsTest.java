package io.georeg.app.release;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * An operator plans an upgrade from CHANGELOG.md's migration lines: each migration after a
 * release's "Schema V1–Vn" is named there with its file's description and marked expand or
 * contract (docs/upgrades.md), so that whether {@code helm rollback} stays possible is read, not
 * guessed. V15–V17 shipped without their lines once; this keeps every new file from doing so.
 */
class ChangelogMigrationsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern MIGRATION_FILE = Pattern.compile("V(\\d+)__(\\w+)\\.sql");
    private static final Pattern RELEASED_RANGE = Pattern.compile("Schema V(\\d+)–V(\\d+)");

    @Test
    void everyMigrationIsListedWithItsKind() throws IOException {
        String changelog = Files.readString(ROOT.resolve("CHANGELOG.md"));
        List<String> unlisted = new ArrayList<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("db/src/main/resources/db/migration"))) {
            for (Path file : files.sorted().toList()) {
                Matcher m = MIGRATION_FILE.matcher(file.getFileName().toString());
                assertThat(m.matches()).as("a Flyway file name: %s", file).isTrue();
                int version = Integer.parseInt(m.group(1));
                String line = "- V" + version + " `" + m.group(2) + "` — ";
                boolean listed = changelog.contains(line + "expand") || changelog.contains(line + "contract");
                if (!listed && !inReleasedRange(changelog, version)) {
                    unlisted.add(file.getFileName().toString());
                }
            }
        }
        assertThat(unlisted)
                .as("migrations without a \"- V<n> `<description>` — expand|contract\" line in CHANGELOG.md")
                .isEmpty();
    }

    private static boolean inReleasedRange(String changelog, int version) {
        Matcher range = RELEASED_RANGE.matcher(changelog);
        while (range.find()) {
            if (version >= Integer.parseInt(range.group(1)) && version <= Integer.parseInt(range.group(2))) {
                return true;
            }
        }
        return false;
    }
}
