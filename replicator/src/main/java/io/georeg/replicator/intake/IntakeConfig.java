package io.georeg.replicator.intake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The notification endpoint, under the {@code replicator.intake.*} keys. The primary's
 * {@code notifications.endpoints[].headers} must send {@code <secretHeader>: Bearer <secret>}
 * (or the bare secret).
 *
 * @param path where the endpoint is mounted, {@code /events} by default
 * @param secretHeader header carrying the shared secret, {@code Authorization} by default
 * @param secret the shared secret (or {@code secretFile})
 * @param secretFile file holding the secret (Kubernetes secret mount), trailing newline ignored
 * @param maxBodyBytes larger bodies get 413 (distribution sends one small event per envelope)
 */
public record IntakeConfig(String path, String secretHeader, String secret, Path secretFile, long maxBodyBytes) {

    public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
    /** Short secrets can be guessed; distribution sends whatever is configured, so ask for enough. */
    static final int MIN_SECRET_LENGTH = 16;

    public static IntakeConfig withSecret(String secret) {
        return new IntakeConfig("/events", "Authorization", secret, null, DEFAULT_MAX_BODY_BYTES);
    }

    public IntakeConfig withMaxBodyBytes(long max) {
        return new IntakeConfig(path, secretHeader, secret, secretFile, max);
    }

    public IntakeConfig validate() {
        List<String> problems = new ArrayList<>();
        if (path == null || !path.startsWith("/")) {
            problems.add("replicator.intake.path must start with '/', e.g. /events (got " + path + ")");
        }
        if (secretHeader == null || secretHeader.isBlank()) {
            problems.add("replicator.intake.secretHeader must name a header, e.g. Authorization");
        }
        if ((secret == null) == (secretFile == null)) {
            problems.add("set exactly one of replicator.intake.secret and replicator.intake.secretFile "
                    + "(the value the primary's notifications endpoint sends)");
        } else if (secretFile != null && !Files.isReadable(secretFile)) {
            problems.add("replicator.intake.secretFile " + secretFile + " is not a readable file");
        } else if (resolvedSecret().length() < MIN_SECRET_LENGTH) {
            problems.add("the replicator.intake secret must be at least " + MIN_SECRET_LENGTH
                    + " characters; generate one with `openssl rand -hex 32`");
        }
        if (maxBodyBytes < 1024 || maxBodyBytes > 64L * 1024 * 1024) {
            problems.add("replicator.intake.maxBodyBytes must be between 1024 and 67108864 (got " + maxBodyBytes + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "invalid replicator intake configuration: " + String.join("; ", problems));
        }
        return this;
    }

    /** The secret, read from {@code secretFile} when that is how it is given. */
    public String resolvedSecret() {
        if (secretFile == null) {
            return secret;
        }
        try {
            return Files.readString(secretFile, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read replicator.intake.secretFile " + secretFile, e);
        }
    }

    @Override
    public String toString() {
        return "IntakeConfig[path=" + path + ", secretHeader=" + secretHeader + ", secret="
                + (secret == null ? "null" : "****") + ", secretFile=" + secretFile + ", maxBodyBytes=" + maxBodyBytes
                + "]";
    }
}
