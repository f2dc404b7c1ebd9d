package io.georeg.app.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Runs a bash snippet with the repository's {@code scripts/lib.sh} sourced, for tests of its functions. */
final class LibSh {
    /** What a snippet printed on stdout, and its exit code. */
    record Result(int exitCode, String out, String err) {}

    private LibSh() {}

    /** The repository root: the first directory from the working directory up that holds scripts/lib.sh. */
    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/lib.sh"))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "scripts/lib.sh not found above " + Path.of("").toAbsolutePath());
    }

    static Result run(Map<String, String> environment, String snippet) throws IOException, InterruptedException {
        ProcessBuilder process = new ProcessBuilder(
                        List.of("bash", "-c", "set -euo pipefail; source scripts/lib.sh; " + snippet))
                .directory(repositoryRoot().toFile());
        process.environment().putAll(environment);
        Path err = Files.createTempFile("lib-sh", ".err");
        try {
            Process p = process.redirectError(err.toFile()).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.waitFor();
            return new Result(code, out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    static Result runOk(Map<String, String> environment, String snippet) throws IOException, InterruptedException {
        Result result = run(environment, snippet);
        assertThat(result.exitCode())
                .as("exit code of %s (stderr: %s)", snippet, result.err())
                .isZero();
        return result;
    }
}
