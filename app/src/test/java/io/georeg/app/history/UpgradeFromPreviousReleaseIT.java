package io.georeg.app.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.app.cli.GeoregCommand;
import io.georeg.app.wiring.GeoregServer;
import io.georeg.app.wiring.RouterComponent;
import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import io.georeg.ops.Closing;
import io.georeg.replica.ReplicaPrimaries;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.FreePort;
import io.georeg.testkit.tools.Skopeo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The runbook's upgrade (docs/operations.md, Upgrades, step 4) from the previous release itself
 * ({@link PreviousRelease}, 0.1.0 on schema 9) to this one, with real processes: 0.1.0 migrates
 * an empty database and serves a populated site (a distribution primary notifying 0.1.0's
 * replicator, 0.1.0's registry-read and router in a process of their own); this release's
 * {@code georeg migrate} runs while 0.1.0 serves; then 0.1.0's replicator is replaced by this
 * release's (on the port the primary notifies) and 0.1.0's front by this release's (started and
 * ready first, then the clients move to it, then the old one stops). A client pulls manifests
 * through whichever router is current the whole time, and skopeo pulls whole images at each step:
 * no pull fails and none answers another digest. After the replicator's replacement a push to the
 * primary replicates and what 0.1.0 replicated is still served; after the front's, the new router
 * answers every image from the replica ({@code X-Georeg-Source: replica}: the new replicator bound
 * the database to the primary, migration V21, which the routers require) and {@code georeg
 * status} says the site is well. Where {@link RollingUpgradeIT} rehearses an upgrade from this
 * release to a test-made next one under a heavier load, this test rehearses the one an operator
 * of 0.1.0 makes.
 */
class UpgradeFromPreviousReleaseIT {
    private static final Logger LOG = LoggerFactory.getLogger(UpgradeFromPreviousReleaseIT.class);
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    Path temp;

    private final List<Process> previous = new ArrayList<>();
    private final List<AutoCloseable> current = new ArrayList<>();
    private Distribution primary;
    private Skopeo skopeo;
    private final Map<String, String> env = new HashMap<>();
    /** Each image's tag (repository:tag) and the digest its pulls must answer with. */
    private final Map<String, Digest> images = new ConcurrentHashMap<>();
    /** Each image's (repository:tag) first layer, which the client pulls beside the manifest. */
    private final Map<String, Digest> layers = new ConcurrentHashMap<>();

    @AfterEach
    void stopAll() throws Exception {
        for (Process p : previous) {
            stop(p);
        }
        Closing.closeAll(current.reversed().toArray(AutoCloseable[]::new));
        Closing.closeAll(primary);
    }

    @Test
    void anOperatorOfThePreviousReleaseUpgradesStepByStepWithoutAFailedPull() throws Exception {
        Path jar = PreviousRelease.jar(PreviousReleaseIT.PREVIOUS);
        skopeo = Skopeo.require();
        Map<String, Duration> steps = new LinkedHashMap<>();
        long start = System.nanoTime();

        int replicatorPort = FreePort.pick();
        primary = HistorySites.primaryNotifying(temp.resolve("primary"), replicatorPort);
        env.put("GEOREG_DATABASE_URL", DB.jdbcUrl());
        env.put("GEOREG_DATABASE_USER", DB.user());
        env.put("GEOREG_DATABASE_PASSWORD", DB.password());
        // Migrations run as the runbook says, by `georeg migrate` (the chart's Job), never by a serve.
        env.put("GEOREG_DATABASE_MIGRATE_ON_START", "false");
        env.put(
                "GEOREG_STORAGE_FILESYSTEM_ROOT",
                temp.resolve("replica-storage").toString());
        env.put("GEOREG_REGISTRY_READ_PORT", "0");
        env.put("GEOREG_REPLICATOR_PORT", Integer.toString(replicatorPort));
        env.put("GEOREG_REPLICATOR_INTAKE_SECRET", HistorySites.SECRET);
        env.put("GEOREG_REPLICATOR_PRIMARY_URL", primary.url().toString());
        env.put("GEOREG_REPLICATOR_WORKERS_POLL_INTERVAL", "200ms");
        env.put("GEOREG_ROUTER_PRIMARY_URL", primary.url().toString());
        env.put("GEOREG_ROUTER_TIMEOUTS_HEALTH_INTERVAL", "200ms");
        env.put("GEOREG_ROUTER_TIMEOUTS_HEALTH_TIMEOUT", "500ms");

        // 0.1.0 installed: its migrate, its replicator, its front, content replicated.
        Path migrateLog = temp.resolve("previous-migrate.log");
        Process migrate = previousRelease(jar, migrateLog, "migrate");
        assertThat(migrate.waitFor(2, TimeUnit.MINUTES))
                .as("0.1.0's migrate ended")
                .isTrue();
        assertThat(migrate.exitValue()).as(Files.readString(migrateLog)).isZero();
        assertThat(schema()).as("0.1.0's schema").isEqualTo(PreviousReleaseIT.PREVIOUS_SCHEMA);

        Path oldReplicatorLog = temp.resolve("previous-replicator.log");
        Process oldReplicator =
                previousRelease(jar, oldReplicatorLog, "serve", Map.of("GEOREG_COMPONENTS", "replicator"));
        int oldRouterPort = FreePort.pick();
        Path oldFrontLog = temp.resolve("previous-front.log");
        Process oldFront = previousRelease(
                jar,
                oldFrontLog,
                "serve",
                Map.of(
                        "GEOREG_COMPONENTS",
                        "registry-read,router",
                        "GEOREG_ROUTER_PORT",
                        Integer.toString(oldRouterPort),
                        "GEOREG_ROUTER_PUBLIC_URL",
                        "http://127.0.0.1:" + oldRouterPort));
        URI oldRouter = URI.create("http://127.0.0.1:" + oldRouterPort);
        // Its own router and intake answering, not another process that took a port after FreePort.pick.
        String listening = "router listening on " + oldRouter + " ";
        await("0.1.0's replicator and front ready")
                .atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(250))
                .failFast("a process of 0.1.0 exited", () -> !oldReplicator.isAlive() || !oldFront.isAlive())
                .until(() -> listens(replicatorPort)
                        && Files.readString(oldFrontLog).contains(listening)
                        && HistorySites.ready(oldRouter));
        for (int i = 1; i <= 3; i++) {
            push("upgrade/app" + i, "v1", 100 + i);
        }
        for (String image : images.keySet()) {
            awaitFromReplica(oldRouter, image);
        }
        steps.put("0.1.0 installed and populated", elapsed(start));

        Pulls pulls = new Pulls(oldRouter, "0.1.0 during and after this release's migrate");
        Thread client = Thread.ofPlatform().name("upgrade-pulls").daemon().start(pulls);
        try {
            // This release's migrate while 0.1.0 serves: expansions only, 0.1.0 goes on answering.
            start = System.nanoTime();
            StringWriter out = new StringWriter();
            CommandLine cli = GeoregCommand.commandLine(env);
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(out, true));
            assertThat(cli.execute("migrate")).as(out.toString()).isZero();
            assertThat(cli.execute("migrate", "--check"))
                    .as("this release's check after its migrate (0: up to date): %s", out)
                    .isZero();
            assertThat(schema()).as("this release's schema").isGreaterThan(PreviousReleaseIT.PREVIOUS_SCHEMA);
            pulls.awaitMore(20);
            pullAll(oldRouter);
            assertThat(oldReplicator.isAlive() && oldFront.isAlive())
                    .as("0.1.0 runs on the migrated schema")
                    .isTrue();
            steps.put("this release's migrate, 0.1.0 serving", elapsed(start));

            // The replicator replaced on the port the primary notifies; notifications refused in between are re-sent.
            start = System.nanoTime();
            pulls.phase("0.1.0's front, this release's replicator");
            stop(oldReplicator);
            current.add(HistorySites.start(env, "replicator", 0));
            push("upgrade/after-replicator", "v1", 200);
            awaitFromReplica(oldRouter, "upgrade/after-replicator:v1");
            assertThat(DB.queryText("SELECT string_agg(name || ' ' || url || ' ' || (catching_up_since IS NULL), ',')"
                            + " FROM replica_primaries"))
                    .as("the new replicator bound the database to its primary, caught up")
                    .isEqualTo("primary " + ReplicaPrimaries.normalize(primary.url()) + " true");
            pulls.awaitMore(20);
            pullAll(oldRouter);
            steps.put("replicator replaced, a push replicated", elapsed(start));

            // The front replaced the way a Deployment rolls: the new one ready, clients moved, the old one stopped.
            start = System.nanoTime();
            GeoregServer front = HistorySites.start(env, "registry-read,router", FreePort.pick());
            current.add(front);
            URI newRouter = front.component(RouterComponent.class).uri();
            await("this release's front ready")
                    .atMost(WAIT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> HistorySites.ready(newRouter));
            pulls.moveTo(newRouter, "this release's front and replicator");
            pulls.awaitMore(5);
            stop(oldFront);
            for (String image : images.keySet()) {
                awaitFromReplica(newRouter, image);
            }
            pulls.awaitMore(20);
            pullAll(newRouter);
            steps.put("front replaced, every image from the replica", elapsed(start));
        } finally {
            pulls.stop();
            client.join(Duration.ofSeconds(30));
        }

        StringWriter status = new StringWriter();
        CommandLine cli = GeoregCommand.commandLine(env);
        cli.setOut(new PrintWriter(status, true));
        cli.setErr(new PrintWriter(status, true));
        int statusExit = cli.execute("status", "--repositories");

        StringBuilder report = new StringBuilder("upgrade from ")
                .append(PreviousReleaseIT.PREVIOUS)
                .append(":\n");
        steps.forEach((step, took) -> report.append("  ")
                .append(step)
                .append(": ")
                .append(took.toMillis())
                .append(" ms\n"));
        pulls.counts.forEach((phase, n) -> report.append("  manifest and layer pulls through ")
                .append(phase)
                .append(": ")
                .append(n)
                .append('\n'));
        LOG.info("{}georeg status:\n{}", report, status);
        assertThat(pulls.failures)
                .as("pulls that failed or answered another digest (%d in all, the first listed)", pulls.failed.get())
                .isEmpty();
        assertThat(statusExit).as(status.toString()).isZero();
        for (String image : images.keySet()) {
            assertThat(status.toString()).contains(image.substring(0, image.indexOf(':')));
        }
        // The new replicator's verifier read back what 0.1.0 stored (its first pass runs at its start).
        assertThat(status.toString())
                .containsPattern("verified blobs +\\d+ unverified, [1-9]\\d* ok, 0 failed, 0 missing")
                .containsPattern("verified manifests +\\d+ unverified, [1-9]\\d* ok, 0 failed, 0 missing")
                .contains("replica bound to primary  " + ReplicaPrimaries.normalize(primary.url()) + ": caught up");
        assertThat(Files.readString(oldFrontLog)).as("0.1.0's front's log").doesNotContain(" ERROR ");
    }

    /** A client pulling every image's manifest through the current router, one request at a time. */
    private final class Pulls implements Runnable {
        final AtomicReference<URI> router;
        /** Pulls answered right, by phase in the order the phases came. */
        final Map<String, AtomicInteger> counts = Collections.synchronizedMap(new LinkedHashMap<>());

        final List<String> failures = new CopyOnWriteArrayList<>();
        final AtomicInteger failed = new AtomicInteger();
        private volatile String phase;
        private volatile boolean stopped;

        Pulls(URI router, String phase) {
            this.router = new AtomicReference<>(router);
            this.phase = phase;
        }

        void phase(String name) {
            phase = name;
        }

        /** Sends the next pulls to {@code next}: the request in flight finishes at the router it was sent to. */
        void moveTo(URI next, String name) {
            synchronized (this) {
                router.set(next);
                phase = name;
            }
        }

        void stop() {
            stopped = true;
        }

        /** Waits until {@code n} more pulls were answered in the current phase. */
        void awaitMore(int n) {
            String now = phase;
            int target = count(now) + n;
            await("pulls through " + now).atMost(WAIT).until(() -> count(now) >= target || !failures.isEmpty());
        }

        private int count(String name) {
            return counts.computeIfAbsent(name, k -> new AtomicInteger()).get();
        }

        @Override
        public void run() {
            while (!stopped) {
                for (var image : images.entrySet()) {
                    String inPhase;
                    URI target;
                    synchronized (this) {
                        inPhase = phase;
                        target = router.get();
                    }
                    String problem;
                    try {
                        problem = problem(manifest(target, image.getKey()), image.getValue());
                        if (problem == null) {
                            Digest layer = layers.get(image.getKey());
                            problem = problem(blob(target, image.getKey(), layer), layer);
                        }
                    } catch (IOException e) {
                        problem = "failed: " + e;
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (problem == null) {
                        counts.computeIfAbsent(inPhase, k -> new AtomicInteger())
                                .incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        if (failures.size() < 20) { // a router that stays down fails every pull: the first say why
                            failures.add(image.getKey() + " through " + target + " (" + inPhase + ") " + problem);
                        }
                    }
                }
                try {
                    Thread.sleep(20); // a steady client, not one that takes a core of the machine from the servers
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** What is wrong with an answer that should be {@code expected}'s bytes, or null. */
    private static String problem(HttpResponse<byte[]> r, Digest expected) {
        if (r.statusCode() != 200) {
            return "answered " + r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8);
        }
        Digest got = Digest.sha256(r.body());
        return got.equals(expected) ? null : "answered " + got + " for " + expected;
    }

    private Process previousRelease(Path jar, Path log, String command) throws IOException {
        return previousRelease(jar, log, command, Map.of());
    }

    /** A child process of 0.1.0's jar with the site's settings and {@code extra}, its output in {@code log}. */
    private Process previousRelease(Path jar, Path log, String command, Map<String, String> extra) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"), "-jar", jar.toString(), command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        builder.environment().putAll(extra);
        Process p = builder.start();
        previous.add(p);
        return p;
    }

    /** Stops a process of 0.1.0 as Kubernetes does (SIGTERM), forcibly after 30 s. */
    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    /** Pushes a small image of {@code seed} straight to the primary as {@code repository:tag}. */
    private void push(String repository, String tag, long seed) {
        var image = TestImages.image(seed);
        Path layout = OciLayoutWriter.write(image, tag, temp.resolve("layouts").resolve(repository));
        skopeo.run(
                        List.of(
                                "copy",
                                "--preserve-digests",
                                "--dest-tls-verify=false",
                                "oci:" + layout + ":" + tag,
                                "docker://" + primary.hostPort() + "/" + repository + ":" + tag),
                        Duration.ofMinutes(1))
                .requireSuccess();
        layers.put(repository + ":" + tag, image.layers().get(0).digest());
        images.put(repository + ":" + tag, image.manifest().digest());
    }

    /** Pulls every image whole through {@code router} with skopeo and compares its manifest's digest. */
    private void pullAll(URI router) throws Exception {
        for (var image : images.entrySet()) {
            Path dir = Files.createTempDirectory(temp, "pull");
            skopeo.run(
                            List.of(
                                    "copy",
                                    "--src-tls-verify=false",
                                    "docker://" + router.getAuthority() + "/" + image.getKey(),
                                    "dir:" + dir),
                            Duration.ofMinutes(1))
                    .requireSuccess();
            assertThat(Digest.sha256(Files.readAllBytes(dir.resolve("manifest.json"))))
                    .as("%s pulled through %s", image.getKey(), router)
                    .isEqualTo(image.getValue());
        }
    }

    /** Waits until {@code router} answers the image at its digest from the replica. */
    private void awaitFromReplica(URI router, String image) {
        AtomicReference<String> last = new AtomicReference<>("none yet");
        await(image + " from the replica through " + router)
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(200))
                .failFast(() -> last.get().startsWith("wrong digest"))
                .until(() -> {
                    HttpResponse<byte[]> r = manifest(router, image);
                    String source = r.headers().firstValue("X-Georeg-Source").orElse("none");
                    boolean right =
                            r.statusCode() != 200 || Digest.sha256(r.body()).equals(images.get(image));
                    last.set((right ? "" : "wrong digest ") + r.statusCode() + " from " + source);
                    return r.statusCode() == 200 && right && source.equals("replica");
                });
    }

    private static HttpResponse<byte[]> manifest(URI router, String image) throws IOException, InterruptedException {
        int colon = image.lastIndexOf(':');
        return HTTP.send(
                HttpRequest.newBuilder(router.resolve(
                                "/v2/" + image.substring(0, colon) + "/manifests/" + image.substring(colon + 1)))
                        .timeout(Duration.ofSeconds(10))
                        .header("Accept", MediaTypes.ACCEPT_EVERY_MANIFEST)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> blob(URI router, String image, Digest digest)
            throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(router.resolve(
                                "/v2/" + image.substring(0, image.lastIndexOf(':')) + "/blobs/" + digest))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static boolean listens(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int schema() {
        return (int) DB.queryLong("SELECT max(version::int) FROM flyway_schema_history WHERE success");
    }

    private static Duration elapsed(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
