package io.georeg.replicator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real notification envelopes captured from distribution 2.8, kept as test resources in
 * {@code replicator/src/test/resources/notifications/distribution-2.8/} (its README says how they were
 * captured and how to capture more). Read from the test class path, so a clone needs nothing beside it.
 */
public final class NotificationFixtures {
    private static final String RESOURCE_DIRECTORY = "notifications/distribution-2.8";

    private NotificationFixtures() {}

    public static Path directory() {
        URL index = NotificationFixtures.class.getClassLoader().getResource(RESOURCE_DIRECTORY + "/_index.json");
        if (index == null) {
            throw new IllegalStateException("notification fixtures missing from the test class path: expected "
                    + "replicator/src/test/resources/" + RESOURCE_DIRECTORY
                    + "/_index.json (run the tests through Maven)");
        }
        try {
            return Path.of(index.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("unreadable fixture location " + index, e);
        }
    }

    /**
     * An envelope in the shape GitLab's container registry sends (hand-written, see
     * {@code notifications/gitlab/README.md}).
     */
    public static byte[] gitlab(String name) {
        try {
            return Files.readAllBytes(directory().resolveSibling("gitlab").resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
