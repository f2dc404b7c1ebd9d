package io.georeg.replicator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real notification envelopes captured from distribution 2.8, in
 * {@code shared/fixtures/notifications/} beside the clone. The pom passes the directory as system
 * property {@value #PROPERTY}; run from an IDE, {@code ../shared} and {@code ../../shared} of the
 * working directory are tried.
 */
public final class NotificationFixtures {
    public static final String PROPERTY = "georeg.fixtures.notifications";

    private NotificationFixtures() {
    }

    public static Path directory() {
        String configured = System.getProperty(PROPERTY);
        List<Path> candidates = configured != null ? List.of(Path.of(configured))
                : List.of(Path.of("../shared/fixtures/notifications"), Path.of("../../shared/fixtures/notifications"));
        for (Path p : candidates) {
            if (Files.isRegularFile(p.resolve("_index.json"))) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("notification fixtures not found at " + candidates + ": the repository expects "
                + "the shared/ directory beside the clone (<clone>/../shared/fixtures/notifications), or set -D" + PROPERTY);
    }

    public static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(directory().resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every captured envelope ({@code *.json} except the {@code _}-prefixed index files). */
    public static List<String> envelopeNames() {
        try (Stream<Path> files = Files.list(directory())) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".json") && !n.startsWith("_"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
