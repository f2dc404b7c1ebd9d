package io.georeg.testkit.tools;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code chromium} in headless mode as the real browser of the page tests: renders a
 * page (scripts run) and prints the resulting DOM, or saves a screenshot. Every run gets a fresh
 * profile directory, no network beyond the URL given (background services off), and a time limit
 * after which the browser is killed. A missing binary fails with how to install it.
 */
public final class HeadlessChromium {
    public static final Path BINARY = Path.of("/usr/bin/chromium");
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(90);

    private final Path profiles;
    private final Duration timeout;

    private HeadlessChromium(Path profiles, Duration timeout) {
        this.profiles = profiles;
        this.timeout = timeout;
    }

    /**
     * The installed chromium, or an {@link AssertionError} saying how to install it.
     *
     * @param work where profile directories go (a test's temp dir)
     */
    public static HeadlessChromium require(Path work) {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is missing: install it with `apt-get install -y chromium` "
                    + "(scripts/test installs it)");
        }
        return new HeadlessChromium(work, DEFAULT_TIMEOUT);
    }

    public HeadlessChromium withTimeout(Duration t) {
        return new HeadlessChromium(profiles, t);
    }

    /** The DOM after the page loaded and its scripts ran ({@code --dump-dom}), as HTML. */
    public String dumpDom(URI url) {
        Result r = run(List.of("--dump-dom", url.toString()));
        if (r.exitCode() != 0 || !r.stdout().contains("<html")) {
            throw new AssertionError(
                    "chromium --dump-dom " + url + " failed (exit " + r.exitCode() + "):\n" + r.stderr());
        }
        return r.stdout();
    }

    /** Saves a PNG of the rendered page ({@code --screenshot}) and returns its path. */
    public Path screenshot(URI url, Path png) {
        Result r = run(List.of("--screenshot=" + png.toAbsolutePath(), url.toString()));
        try {
            if (r.exitCode() != 0 || !Files.isRegularFile(png) || Files.size(png) == 0) {
                throw new AssertionError(
                        "chromium --screenshot " + url + " wrote no PNG (exit " + r.exitCode() + "):\n" + r.stderr());
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read " + png, e);
        }
        return png;
    }

    private record Result(int exitCode, String stdout, String stderr) {}

    private Result run(List<String> args) {
        List<String> command = new ArrayList<>(List.of(
                BINARY.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1280,900"));
        try {
            Path profile = Files.createTempDirectory(profiles, "chromium-profile");
            command.add("--user-data-dir=" + profile);
            command.addAll(args);
            Path out = Files.createTempFile(profiles, "chromium", ".out");
            Path err = Files.createTempFile(profiles, "chromium", ".err");
            Process p = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("chromium did not finish within " + timeout + ": " + command + "\n"
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(
                    p.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }
}
