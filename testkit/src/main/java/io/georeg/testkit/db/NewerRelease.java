package io.georeg.testkit.db;

import java.util.Arrays;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The schema of a release newer than the code under test, for the version-skew tests: its
 * migrations ({@code db/newer-release/} in this module, versions 90 and 91) applied over the
 * shipped ones, as that release's {@code georeg migrate} would. {@link #EXPANDED} adds a nullable
 * column (older code runs on); {@link #CONTRACTED} then makes it required and raises
 * {@code schema_compatibility.oldest_code_schema} to 90 (older code must not run).
 */
public enum NewerRelease {
    EXPANDED("expand"),
    CONTRACTED("expand", "contract");

    /** The version of {@link #EXPANDED}'s migration: the floor {@link #CONTRACTED} sets. */
    public static final int EXPANSION_VERSION = 90;

    private final String[] stages;

    NewerRelease(String... stages) {
        this.stages = stages;
    }

    /**
     * Migrates {@code dataSource} to this release's schema.
     *
     * @param shippedLocation where the code under test keeps its migrations ({@code classpath:db/migration})
     */
    public void migrate(DataSource dataSource, String shippedLocation) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations(Stream.concat(
                                Stream.of(shippedLocation),
                                Arrays.stream(stages).map(s -> "classpath:db/newer-release/" + s))
                        .toArray(String[]::new))
                .load()
                .migrate();
    }
}
