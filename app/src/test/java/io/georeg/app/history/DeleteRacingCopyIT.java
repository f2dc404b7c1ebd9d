package io.georeg.app.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.RegistryHttp;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.HoldingProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manifest deleted through one router while the replicator is still copying it from a read of
 * the primary made before the delete: no read through either router may return it. This is the
 * stale read HistoryCheckIT found (a manifest deleted by digest through r1, served by the replica
 * through r0 40 ms later): the delete's fence was cleared by a check that found the manifest
 * absent from the replica — absent because its copy had not been stored yet, not because the
 * delete had been applied — and the copy stored it right after.
 *
 * <p>The replicator reads the primary through a {@link HoldingProxy}: the tag sync's {@code GET}
 * of the tag is held from before the delete until after reads through both routers have checked
 * the fence, and the delete's own work (its {@code HEAD} of the digest) is held while the test
 * reads the copy the sync stored (a sync this quick does not confirm its write with a
 * {@code HEAD} of the tag: the delete, applied after it, removes what it stored). The held
 * {@code GET} is the first that found the tag: distribution notifies the push before it links the
 * tag, and a sync whose first read came before the link (the tag missing) must not be the one held,
 * since by its release the manifest is deleted and that sync rightly stores nothing. The
 * replicator waits for held answers as long as the test holds them ({@link HistorySites}), so the
 * delete reaches the replica only after the copy, whatever the load.
 */
class DeleteRacingCopyIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String REPO = "race/app";

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path temp;

    private static HistorySites sites;
    private static List<RegistryHttp> routers;
    private static RegistryHttp replica;
    private static RegistryHttp primary;

    @BeforeAll
    static void start() throws Exception {
        sites = new HistorySites(DB, temp, true);
        routers = sites.routers().stream().map(RegistryHttp::new).toList();
        replica = new RegistryHttp(sites.replica());
        primary = new RegistryHttp(sites.primary.url());
    }

    @AfterAll
    static void stop() throws Exception {
        if (routers != null) {
            for (RegistryHttp r : routers) {
                r.close();
            }
        }
        if (replica != null) {
            replica.close();
        }
        if (primary != null) {
            primary.close();
        }
        if (sites != null) {
            sites.close();
        }
    }

    @Test
    void aManifestDeletedThroughOneRouterIsNotServedByEitherWhileACopyThatReadThePrimaryBeforeTheDeleteIsStored() {
        RegistryHttp r0 = routers.get(0);
        RegistryHttp r1 = routers.get(1);
        HoldingProxy proxy = sites.replicatorsPrimary;
        TestImage image = TestImages.image(7);
        String digest = image.manifest().digest().toString();

        HoldingProxy.Hold syncRead = proxy.holdNextAnswered("GET", "/manifests/v1", 200);
        assertThat(r0.push(REPO, "v1", image).status()).as("push through r0").isEqualTo(201);
        await().atMost(WAIT).until(syncRead::arrived);

        // The sync now holds "v1 is <digest>" from before the delete. The delete's own work is
        // held too, so nothing removes the copy while it is read.
        HoldingProxy.Hold deleteWork = proxy.holdNext("HEAD", "/manifests/" + digest);
        try {
            assertThat(r1.deleteManifest(REPO, digest).status())
                    .as("delete through r1")
                    .isEqualTo(202);
            await().atMost(WAIT).until(deleteWork::arrived);

            // The replica has neither the manifest nor its delete: both routers check the fence.
            for (RegistryHttp router : routers) {
                assertThat(router.getManifest(REPO, digest, RegistryHttp.ACCEPT_ALL)
                                .status())
                        .isEqualTo(404);
                assertThat(router.getManifest(REPO, "v1", RegistryHttp.ACCEPT_ALL)
                                .status())
                        .isEqualTo(404);
            }

            syncRead.release();
            // By digest: the sync's tag may already be gone again (the primary's delete took v1
            // with it, and the tag's next sync removes it), its manifest stays until the delete.
            await().alias("the sync's copy stored from what it read before the delete")
                    .atMost(WAIT)
                    .until(() -> replica.getManifest(REPO, digest, RegistryHttp.ACCEPT_ALL)
                                    .status()
                            == 200);
            assertThat(replica.getManifest(REPO, digest, RegistryHttp.ACCEPT_ALL)
                            .status())
                    .as("the sync stored what it read before the delete (the race this test is about)")
                    .isEqualTo(200);

            for (int i = 0; i < routers.size(); i++) {
                RegistryHttp.Answer byDigest = routers.get(i).getManifest(REPO, digest, RegistryHttp.ACCEPT_ALL);
                assertThat(byDigest.status())
                        .as("the deleted manifest by digest through r%d (served by %s)", i, byDigest.source())
                        .isEqualTo(404);
                RegistryHttp.Answer byTag = routers.get(i).getManifest(REPO, "v1", RegistryHttp.ACCEPT_ALL);
                assertThat(byTag.status())
                        .as("the tag of the deleted manifest through r%d (served by %s)", i, byTag.source())
                        .isEqualTo(404);
            }
        } finally {
            syncRead.release();
            deleteWork.release();
        }

        // The copy lost: the replica holds neither the manifest nor the tag, as the primary. Once
        // it has applied the delete, a read clears the delete's fence; the push's fence of v1 went
        // with the delete, so the repository's reads are local again, and still find nothing.
        await().atMost(WAIT).untilAsserted(() -> {
            for (String reference : List.of(digest, "v1")) {
                assertThat(primary.getManifest(REPO, reference, RegistryHttp.ACCEPT_ALL)
                                .status())
                        .as("%s on the primary", reference)
                        .isEqualTo(404);
                assertThat(replica.getManifest(REPO, reference, RegistryHttp.ACCEPT_ALL)
                                .status())
                        .as("%s on the replica", reference)
                        .isEqualTo(404);
            }
        });
        await().atMost(WAIT).until(() -> {
            assertThat(r0.getManifest(REPO, digest, RegistryHttp.ACCEPT_ALL).status())
                    .isEqualTo(404);
            return fencesOf(REPO) == 0;
        });
        for (int i = 0; i < routers.size(); i++) {
            for (String reference : List.of(digest, "v1")) {
                RegistryHttp.Answer answer = routers.get(i).getManifest(REPO, reference, RegistryHttp.ACCEPT_ALL);
                assertThat(answer.status())
                        .as("%s through r%d once no fence stands (served by %s)", reference, i, answer.source())
                        .isEqualTo(404);
            }
        }
    }

    private static long fencesOf(String repository) {
        return DB.queryLong("SELECT count(*) FROM router_fences WHERE repository = '" + repository + "'");
    }
}
