package io.georeg.app.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import io.georeg.testkit.history.History;
import io.georeg.testkit.history.Op;
import io.georeg.testkit.history.Op.Outcome;
import io.georeg.testkit.oci.RegistryHttp;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.oci.TestManifest;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Concurrent clients against the routers, every operation recorded in a {@link History}: each
 * client, on its own thread with its own random stream, picks one of the two routers per
 * operation and
 * <ul>
 *   <li>pushes and overwrites the shared tags of {@value #SHARED} (all clients race on them) with
 *       OCI images, Docker schema 2 images and Docker manifest lists;</li>
 *   <li>pushes, overwrites and deletes (the manifest, by digest) its own tags of {@value #OWNED}
 *       (one writer per tag, so it knows what a delete removes), deletes layers of manifests it
 *       deleted, and pushes referrers (OCI artifacts with a {@code subject}) of its current images;</li>
 *   <li>reads tags (with the {@code Accept} of a current client or of an old docker client that
 *       takes only schema 2), manifests by digest, blobs and referrers lists pushed by anyone, and
 *       reads back what it has just written or deleted (where read-your-writes is most at risk).</li>
 * </ul>
 * Values are digests of the bytes served (a 404 reads as {@link Op#ABSENT}), unique per push.
 */
final class HistoryWorkload {
    static final String SHARED = "hist/shared";
    static final String OWNED = "hist/own";
    /** The {@code Accept} class of an old docker client: schema 2 manifests only. */
    static final String OLD_CLIENT = "docker-v2";

    static final int SHARED_TAGS = 3;
    static final int OWNED_TAGS_PER_CLIENT = 2;
    private static final String SIGNATURE = "application/vnd.georeg.test.signature";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One run's shape. */
    /**
     * @param minSteps operations each client makes at least, however long that takes (a loaded
     *     machine makes few in {@code duration}), up to {@link #OVERTIME} beyond it
     */
    record Config(List<URI> routers, int clients, Duration duration, long seed, int minSteps) {}

    /** The router's mark on a read it answered from the replica while it took the primary as down. */
    static final String POSSIBLY_STALE_HEADER = "X-Georeg-Possibly-Stale";
    /** What a read so marked has in its source. */
    static final String POSSIBLY_STALE = "-possibly-stale";

    /** How long past {@code duration} a client keeps going to make its {@code minSteps}. */
    static final Duration OVERTIME = Duration.ofMinutes(3);

    private final Config config;
    private final History history = new History();
    private final FailedRequests failed = new FailedRequests();
    /** The routers, one slot each: a slot's router can be replaced while the clients run ({@link #reroute}). */
    private final List<AtomicReference<RegistryHttp>> routers;
    /** Steps each client has finished: a drain waits for every running client to pass a step boundary. */
    private final AtomicLongArray steps;

    private final AtomicLong seeds = new AtomicLong();
    private final List<Stored> manifests = new CopyOnWriteArrayList<>();
    private final List<Stored> blobs = new CopyOnWriteArrayList<>();
    private final List<Stored> subjects = new CopyOnWriteArrayList<>();

    /** A manifest or blob somebody pushed (reads pick from these). */
    private record Stored(String repository, Digest digest) {}

    HistoryWorkload(Config config) {
        this.config = config;
        this.routers = config.routers().stream()
                .map(u -> new AtomicReference<>(new RegistryHttp(u)))
                .toList();
        this.steps = new AtomicLongArray(config.clients());
    }

    Duration duration() {
        return config.duration();
    }

    int clients() {
        return config.clients();
    }

    /** The requests that did not succeed so far, with their answers. */
    FailedRequests failedRequests() {
        return failed;
    }

    /** The history so far (complete once {@link #run()} returned). */
    History history() {
        return history;
    }

    /**
     * Points slot {@code slot} at {@code replacement} (as a load balancer's endpoints change) and
     * returns once no client can still be using the router it replaced: every client has finished
     * the step it was in (a step's requests through the old router, an upload's {@code POST} and
     * {@code PUT} included, all completed). The old router then receives nothing more and can stop.
     */
    void reroute(int slot, URI replacement) {
        RegistryHttp old = routers.get(slot).getAndSet(new RegistryHttp(replacement));
        long[] before = new long[steps.length()];
        for (int c = 0; c < before.length; c++) {
            before[c] = steps.get(c);
        }
        org.awaitility.Awaitility.await("every client past the step it was in when slot " + slot + " moved")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    for (int c = 0; c < before.length; c++) {
                        if (steps.get(c) == before[c]) {
                            return false;
                        }
                    }
                    return true;
                });
        old.close();
    }

    /** Every tag key the run can write, for the convergence check. */
    List<String> tagKeys() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < SHARED_TAGS; i++) {
            keys.add(tagKey(SHARED, sharedTag(i)));
        }
        for (int c = 0; c < config.clients(); c++) {
            for (int i = 0; i < OWNED_TAGS_PER_CLIENT; i++) {
                keys.add(tagKey(OWNED, ownedTag(c, i)));
            }
        }
        return keys;
    }

    static String tagKey(String repository, String tag) {
        return "tag:" + repository + ":" + tag;
    }

    /** Runs the clients for the configured time (and steps); returns the history once every client has stopped. */
    History run() throws InterruptedException {
        long deadline = System.nanoTime() + config.duration().toNanos();
        long ceiling = deadline + OVERTIME.toNanos();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> crashed = new CopyOnWriteArrayList<>();
        for (int c = 0; c < config.clients(); c++) {
            Client client = new Client(c, new Random(config.seed() * 1000 + c));
            int index = c;
            threads.add(Thread.ofPlatform().name("history-client-" + c).start(() -> {
                try {
                    for (int done = 0;
                            System.nanoTime() < deadline || (done < config.minSteps() && System.nanoTime() < ceiling);
                            done++) {
                        client.step();
                        steps.incrementAndGet(index);
                    }
                } catch (Throwable t) {
                    crashed.add(t);
                } finally {
                    steps.set(index, Long.MAX_VALUE); // stopped: never in a step again
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        routers.forEach(r -> r.get().close());
        if (!crashed.isEmpty()) {
            throw new IllegalStateException("a history client crashed", crashed.get(0));
        }
        return history;
    }

    private static String sharedTag(int i) {
        return "s" + i;
    }

    private static String ownedTag(int client, int i) {
        return "c" + client + "-" + i;
    }

    /** One client's loop and the tags it owns. */
    private final class Client {
        private final int id;
        private final Random random;
        private final TestImage[] owned = new TestImage[OWNED_TAGS_PER_CLIENT];
        private final List<TestBlob> deletedLayers = new ArrayList<>();

        Client(int id, Random random) {
            this.id = id;
            this.random = random;
        }

        void step() {
            int dice = random.nextInt(100);
            if (dice < 10) {
                pushShared();
            } else if (dice < 20) {
                pushOwned();
            } else if (dice < 27) {
                deleteOwned();
            } else if (dice < 31) {
                deleteLayer();
            } else if (dice < 36) {
                pushReferrer();
            } else if (dice < 62) {
                readTag();
            } else if (dice < 76) {
                readManifest();
            } else if (dice < 88) {
                readBlob();
            } else {
                readReferrers();
            }
        }

        /** The router of the operation in progress (this client runs one at a time). */
        private int via;

        private RegistryHttp viaRouter;

        private RegistryHttp router() {
            via = random.nextInt(routers.size());
            viaRouter = routers.get(via).get();
            return viaRouter;
        }

        /**
         * Sends a write: 2xx took effect, 4xx did not, 5xx or no answer may have. A request that
         * did not succeed is kept with its answer ({@link FailedRequests}), named by the {@code key}
         * it writes.
         */
        private Outcome write(String request, String key, Supplier<RegistryHttp.Answer> send) {
            String path = pathOf(key);
            long at = history.now();
            try {
                RegistryHttp.Answer answer = send.get();
                int status = answer.status();
                if (status / 100 == 2) {
                    return Outcome.OK;
                }
                failed.answered(at, id, routerName(), request, path, answer);
                return status / 100 == 4 ? Outcome.FAILED : Outcome.UNKNOWN;
            } catch (RuntimeException e) {
                failed.unanswered(at, id, routerName(), request, path, e);
                return Outcome.UNKNOWN;
            }
        }

        private String routerName() {
            return "r" + via + " " + viaRouter.base();
        }

        /** Records a write (or a set add) with the router it went through ({@code @r1}). */
        private void recordWrite(Op write) {
            history.record(write.withSource("@r" + via));
        }

        /**
         * Who served a read, and through which router: {@code replica@r1}; {@code
         * replica-possibly-stale@r1} when the router marked it {@code X-Georeg-Possibly-Stale}.
         */
        private String servedBy(RegistryHttp.Answer answer) {
            String mark = answer.header(POSSIBLY_STALE_HEADER).isPresent() ? POSSIBLY_STALE : "";
            return answer.source().orElse("") + mark + "@r" + via;
        }

        private void pushShared() {
            String tag = sharedTag(random.nextInt(SHARED_TAGS));
            boolean pushed = switch (random.nextInt(3)) {
                case 0 -> pushImage(SHARED, tag, TestImages.image(1_000_000 + seeds.incrementAndGet()));
                case 1 -> pushImage(SHARED, tag, TestImages.dockerImage(1_000_000 + seeds.incrementAndGet()));
                default -> pushList(tag);
            };
            if (pushed) {
                readTag(SHARED, tag);
            }
        }

        private void pushOwned() {
            int i = random.nextInt(OWNED_TAGS_PER_CLIENT);
            long seed = 1_000_000 + seeds.incrementAndGet();
            TestImage image = random.nextBoolean() ? TestImages.image(seed) : TestImages.dockerImage(seed);
            if (pushImage(OWNED, ownedTag(id, i), image)) {
                owned[i] = image;
                readOwnTag(i);
            }
        }

        private void deleteOwned() {
            int i = random.nextInt(OWNED_TAGS_PER_CLIENT);
            TestImage image = owned[i];
            if (image == null) {
                return;
            }
            Digest digest = image.manifest().digest();
            long start = history.now();
            Outcome outcome = write(
                    "DELETE manifest " + OWNED + "@" + digest,
                    manifestKey(OWNED, digest),
                    () -> router().deleteManifest(OWNED, digest.toString()));
            long end = history.now();
            recordWrite(Op.write(id, manifestKey(OWNED, digest), Op.ABSENT, Map.of(), start, end, outcome));
            recordWrite(Op.write(id, tagKey(OWNED, ownedTag(id, i)), Op.ABSENT, Map.of(), start, end, outcome));
            if (outcome != Outcome.FAILED) {
                owned[i] = null;
                deletedLayers.addAll(image.layers());
                readOwnTag(i);
                readRegister(
                        manifestKey(OWNED, digest),
                        Op.ACCEPT_ALL,
                        () -> router().getManifest(OWNED, digest.toString(), RegistryHttp.ACCEPT_ALL));
            }
        }

        private void deleteLayer() {
            if (deletedLayers.isEmpty()) {
                return;
            }
            TestBlob layer = deletedLayers.remove(random.nextInt(deletedLayers.size()));
            long start = history.now();
            Outcome outcome = write(
                    "DELETE blob " + OWNED + "@" + layer.digest(),
                    blobKey(OWNED, layer.digest()),
                    () -> router().deleteBlob(OWNED, layer.digest()));
            recordWrite(
                    Op.write(id, blobKey(OWNED, layer.digest()), Op.ABSENT, Map.of(), start, history.now(), outcome));
            readRegister(blobKey(OWNED, layer.digest()), Op.ACCEPT_ALL, () -> router().getBlob(OWNED, layer.digest()));
        }

        private void pushReferrer() {
            List<TestImage> current = new ArrayList<>();
            for (TestImage image : owned) {
                if (image != null) {
                    current.add(image);
                }
            }
            if (current.isEmpty()) {
                return;
            }
            TestManifest subject = current.get(random.nextInt(current.size())).manifest();
            TestImage artifact =
                    TestImages.artifact(50_000_000 + seeds.incrementAndGet(), subject, SIGNATURE, Map.of());
            if (!pushBlobs(OWNED, artifact)) {
                return;
            }
            Digest digest = artifact.manifest().digest();
            long start = history.now();
            Outcome outcome = write(
                    "PUT manifest " + OWNED + "@" + digest + " (a referrer of " + subject.digest() + ")",
                    manifestKey(OWNED, digest),
                    () -> router().putManifest(
                                    OWNED,
                                    digest.toString(),
                                    artifact.manifest().mediaType(),
                                    artifact.manifest().content()));
            long end = history.now();
            recordWrite(Op.write(id, manifestKey(OWNED, digest), digest.toString(), Map.of(), start, end, outcome));
            recordWrite(Op.add(id, referrersKey(OWNED, subject.digest()), digest.toString(), start, end, outcome));
            if (outcome != Outcome.FAILED) {
                manifests.add(new Stored(OWNED, digest));
                Stored stored = new Stored(OWNED, subject.digest());
                subjects.add(stored);
                readReferrers(stored);
            }
        }

        /** Blobs, then the manifest by tag; true when the manifest push succeeded. */
        private boolean pushImage(String repository, String tag, TestImage image) {
            if (!pushBlobs(repository, image)) {
                return false;
            }
            Map<String, String> oldClient = Map.of(
                    OLD_CLIENT,
                    MediaTypes.DOCKER_MANIFEST.equals(image.manifest().mediaType())
                            ? image.manifest().digest().toString()
                            : Op.ABSENT);
            return pushManifest(repository, tag, image.manifest(), oldClient);
        }

        /**
         * A Docker manifest list of an amd64 and an arm64 image: the children by digest, then the
         * list by tag. An old client asking for the tag is served the amd64 child (distribution's
         * conversion for clients that cannot take a list).
         */
        private boolean pushList(String tag) {
            List<TestImage> children = TestImages.multiArch(MediaTypes.DOCKER_MANIFEST, seeds.incrementAndGet());
            for (TestImage child : children) {
                if (!pushBlobs(SHARED, child)
                        || !pushManifest(SHARED, child.manifest().digest().toString(), child.manifest(), Map.of())) {
                    return false;
                }
            }
            TestManifest list = TestImages.index(MediaTypes.DOCKER_MANIFEST_LIST, children);
            return pushManifest(
                    SHARED,
                    tag,
                    list,
                    Map.of(OLD_CLIENT, children.get(0).manifest().digest().toString()));
        }

        private boolean pushBlobs(String repository, TestImage image) {
            for (TestBlob blob : image.blobs()) {
                long start = history.now();
                Outcome outcome = write(
                        "upload blob " + repository + "@" + blob.digest(),
                        blobKey(repository, blob.digest()),
                        () -> router().uploadBlob(repository, blob.digest(), blob.content()));
                recordWrite(Op.write(
                        id,
                        blobKey(repository, blob.digest()),
                        blob.digest().toString(),
                        Map.of(),
                        start,
                        history.now(),
                        outcome));
                if (outcome != Outcome.OK) {
                    return false;
                }
                if (!blob.digest().equals(TestImages.EMPTY_CONFIG.digest())) {
                    blobs.add(new Stored(repository, blob.digest()));
                }
            }
            return true;
        }

        /** Puts a manifest by tag or digest, recording the tag (when by tag) and the manifest as written. */
        private boolean pushManifest(
                String repository, String reference, TestManifest manifest, Map<String, String> oldClientView) {
            long start = history.now();
            Outcome outcome = write(
                    "PUT manifest " + repository + ":" + reference,
                    reference.equals(manifest.digest().toString())
                            ? manifestKey(repository, manifest.digest())
                            : tagKey(repository, reference),
                    () -> router().putManifest(repository, reference, manifest.mediaType(), manifest.content()));
            long end = history.now();
            String digest = manifest.digest().toString();
            recordWrite(
                    Op.write(id, manifestKey(repository, manifest.digest()), digest, Map.of(), start, end, outcome));
            if (!reference.equals(digest)) {
                recordWrite(Op.write(id, tagKey(repository, reference), digest, oldClientView, start, end, outcome));
            }
            if (outcome != Outcome.FAILED) {
                manifests.add(new Stored(repository, manifest.digest()));
            }
            return outcome == Outcome.OK;
        }

        private void readTag() {
            if (random.nextBoolean()) {
                readTag(SHARED, sharedTag(random.nextInt(SHARED_TAGS)));
            } else {
                readTag(OWNED, ownedTag(random.nextInt(config.clients()), random.nextInt(OWNED_TAGS_PER_CLIENT)));
            }
        }

        /** A tag read through either router, as a current client or (one in four) an old one. */
        private void readTag(String repository, String tag) {
            boolean old = random.nextInt(4) == 0;
            String accept = old ? RegistryHttp.ACCEPT_DOCKER_V2 : RegistryHttp.ACCEPT_ALL;
            readRegister(
                    tagKey(repository, tag),
                    old ? OLD_CLIENT : Op.ACCEPT_ALL,
                    () -> router().getManifest(repository, tag, accept));
        }

        /** Reads back one of this client's tags right after writing it, through either router, as a current or an old client. */
        private void readOwnTag(int i) {
            readTag(OWNED, ownedTag(id, i));
        }

        private void readManifest() {
            if (manifests.isEmpty()) {
                return;
            }
            Stored m = manifests.get(random.nextInt(manifests.size()));
            readRegister(
                    manifestKey(m.repository(), m.digest()),
                    Op.ACCEPT_ALL,
                    () -> router().getManifest(m.repository(), m.digest().toString(), RegistryHttp.ACCEPT_ALL));
        }

        private void readBlob() {
            if (blobs.isEmpty()) {
                return;
            }
            Stored b = blobs.get(random.nextInt(blobs.size()));
            readRegister(
                    blobKey(b.repository(), b.digest()),
                    Op.ACCEPT_ALL,
                    () -> router().getBlob(b.repository(), b.digest()));
        }

        private void readReferrers() {
            if (!subjects.isEmpty()) {
                readReferrers(subjects.get(random.nextInt(subjects.size())));
            }
        }

        private void readReferrers(Stored s) {
            long start = history.now();
            RegistryHttp.Answer answer;
            String request = "GET referrers " + s.repository() + "@" + s.digest();
            try {
                answer = router().referrers(s.repository(), s.digest());
            } catch (RuntimeException e) {
                failed.unanswered(start, id, routerName(), request, "/referrers/" + s.digest(), e);
                history.record(Op.readSet(
                        id,
                        referrersKey(s.repository(), s.digest()),
                        Set.of(),
                        start,
                        history.now(),
                        Outcome.FAILED,
                        ""));
                return;
            }
            long end = history.now();
            Set<String> members = new HashSet<>();
            Outcome outcome = Outcome.OK;
            if (answer.status() == 200) {
                try {
                    for (JsonNode m : JSON.readTree(answer.body()).path("manifests")) {
                        members.add(m.path("digest").asText());
                    }
                } catch (IOException e) {
                    outcome = Outcome.FAILED;
                }
            } else if (answer.status() != 404) {
                outcome = Outcome.FAILED;
            }
            if (outcome == Outcome.FAILED) {
                failed.answered(start, id, routerName(), request, "/referrers/" + s.digest(), answer);
            }
            history.record(Op.readSet(
                    id, referrersKey(s.repository(), s.digest()), members, start, end, outcome, servedBy(answer)));
        }

        /** A read whose value is the digest of the bytes served, {@link Op#ABSENT} on 404; other answers are not judged. */
        private void readRegister(String key, String acceptClass, Supplier<RegistryHttp.Answer> request) {
            long start = history.now();
            String what = "read " + key + " (Accept: " + acceptClass + ")";
            RegistryHttp.Answer answer;
            try {
                answer = request.get();
            } catch (RuntimeException e) {
                failed.unanswered(start, id, routerName(), what, pathOf(key), e);
                history.record(Op.read(id, key, acceptClass, Op.ABSENT, start, history.now(), Outcome.FAILED, ""));
                return;
            }
            long end = history.now();
            String value = switch (answer.status()) {
                case 200 -> Digest.sha256(answer.body()).toString();
                case 404 -> Op.ABSENT;
                default -> null;
            };
            if (value == null) {
                failed.answered(start, id, routerName(), what, pathOf(key), answer);
            }
            history.record(Op.read(
                    id,
                    key,
                    acceptClass,
                    value == null ? Op.ABSENT : value,
                    start,
                    end,
                    value == null ? Outcome.FAILED : Outcome.OK,
                    servedBy(answer)));
        }
    }

    /**
     * What the primary's log names a request on {@code key} by: the manifest path up to the end of
     * its reference, or a blob's hex (an upload's {@code PUT} carries it in its query).
     */
    static String pathOf(String key) {
        int colon = key.indexOf(':');
        String kind = key.substring(0, colon);
        String rest = key.substring(colon + 1);
        return switch (kind) {
            case "manifest" -> "/v2/" + rest.replace("@", "/manifests/");
            case "tag" -> {
                int at = rest.lastIndexOf(':');
                yield "/v2/" + rest.substring(0, at) + "/manifests/" + rest.substring(at + 1);
            }
            case "blob" -> rest.substring(rest.lastIndexOf(':') + 1);
            default -> rest;
        };
    }

    static String manifestKey(String repository, Digest digest) {
        return "manifest:" + repository + "@" + digest;
    }

    static String blobKey(String repository, Digest digest) {
        return "blob:" + repository + "@" + digest;
    }

    static String referrersKey(String repository, Digest subject) {
        return "referrers:" + repository + "@" + subject;
    }
}
