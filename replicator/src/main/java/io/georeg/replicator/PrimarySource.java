package io.georeg.replicator;

import io.georeg.replicator.intake.IntakeConfig;
import io.georeg.replicator.primary.PrimaryConfig;
import java.util.Objects;

/**
 * One primary the replicator replicates from: where and with which secret it sends its
 * notifications ({@link IntakeConfig}), and how its registry is reached ({@link PrimaryConfig}).
 * A secondary that serves several primaries has one each (the app's {@code primaries}); otherwise
 * the one of {@code replicator.intake} and {@code replicator.primary}, named {@value #SINGLE}.
 *
 * @param name as logs, metrics ({@code primary} label) and the repository owners name it
 */
public record PrimarySource(String name, IntakeConfig intake, PrimaryConfig primary) {
    public static final String SINGLE = "primary";

    public PrimarySource {
        Objects.requireNonNull(name, "name");
    }
}
