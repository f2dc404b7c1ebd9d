package io.georeg.app.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.testkit.history.Op;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The primary's own faults as distribution 2.8 logs them, and the failed operations they explain. */
class PrimaryFaultsTest {
    private static final String DIGEST = "sha256:" + "e5".repeat(32);
    private static final String BLOB = "sha256:" + "0a".repeat(32);

    @TempDir
    Path dir;

    @Test
    void aFailedRequestIsThePrimarysOnlyWhenItsLogHasA5xxForThatPath() throws Exception {
        Path log = dir.resolve("registry.log");
        Files.write(
                log,
                List.of(
                        line("DELETE", "\"/v2/hist/own/manifests/" + DIGEST + "\"", 500),
                        line("GET", "/v2/hist/own/manifests/c1-0", 404),
                        line(
                                "PUT",
                                "\"/v2/hist/shared/blobs/uploads/9f0c?_state=abc&digest=sha256%3A" + BLOB.substring(7)
                                        + "\"",
                                503)));
        PrimaryFaults errors = PrimaryFaults.in(log);

        Op delete = write("manifest:hist/own@" + DIGEST, 10);
        Op deletedTag = write("tag:hist/own:c2-1", 10);
        Op upload = write("blob:hist/shared@" + BLOB, 20);
        Op refusedByGeoreg = write("manifest:hist/own@sha256:" + "ff".repeat(32), 30);
        Op notFound = write("tag:hist/own:c1-0", 40);

        assertThat(errors.answers()).hasSize(2);
        assertThat(errors.notThePrimarys(List.of(delete, deletedTag, upload, refusedByGeoreg, notFound), List.of()))
                .as("the delete (with the tag it wrote) and the upload failed at the primary; a 404 is no 5xx")
                .containsExactly(refusedByGeoreg, notFound);
    }

    @Test
    void aManifestRefusedForABlobThePrimaryHadStoredAndNothingDeletedIsThePrimarys() throws Exception {
        String empty = "sha256:" + "44".repeat(32);
        String deleted = "sha256:" + "de".repeat(32);
        String never = "sha256:" + "0e".repeat(32);
        String raced = "sha256:" + "a1".repeat(32);
        String afterDelete = "sha256:" + "b2".repeat(32);
        String unstored = "sha256:" + "c3".repeat(32);
        Path log = dir.resolve("registry.log");
        Files.write(
                log,
                List.of(
                        digestInvalid(raced),
                        blobUnknown(raced, empty),
                        blobUnknown(afterDelete, deleted),
                        blobUnknown(unstored, never)));
        PrimaryFaults faults = PrimaryFaults.in(log);

        Op upload = Op.write(1, "blob:hist/own@" + empty, empty, Map.of(), 1, 5, Op.Outcome.OK);
        Op uploadDeleted = Op.write(2, "blob:hist/own@" + deleted, deleted, Map.of(), 1, 5, Op.Outcome.OK);
        Op delete = Op.write(0, "blob:hist/own@" + deleted, Op.ABSENT, Map.of(), 8, 9, Op.Outcome.OK);
        List<Op> racedPush = refusedReferrer(1, raced, 10);
        List<Op> pushAfterDelete = refusedReferrer(2, afterDelete, 10);
        List<Op> pushOfUnstored = refusedReferrer(0, unstored, 10);
        List<Op> failed = new ArrayList<>();
        failed.addAll(racedPush);
        failed.addAll(pushAfterDelete);
        failed.addAll(pushOfUnstored);
        List<Op> history = new ArrayList<>(failed);
        history.addAll(List.of(upload, uploadDeleted, delete));

        assertThat(faults.blobsUnknown()).hasSize(3);
        assertThat(faults.notThePrimarys(failed, history))
                .as("the push whose blob the primary had stored (with the referrer it added) failed at the"
                        + " primary; a blob a delete may have removed, or never stored, is not the primary's fault")
                .containsExactlyElementsOf(Stream.concat(pushAfterDelete.stream(), pushOfUnstored.stream())
                        .toList());
    }

    /** A referrer push the primary refused: the manifest written and the subject's referrers added, by one request. */
    private static List<Op> refusedReferrer(int client, String manifest, long at) {
        return List.of(
                Op.write(client, "manifest:hist/own@" + manifest, manifest, Map.of(), at, at + 5, Op.Outcome.FAILED),
                Op.add(client, "referrers:hist/own@" + DIGEST, manifest, at, at + 5, Op.Outcome.FAILED));
    }

    private static Op write(String key, long at) {
        return Op.write(0, key, Op.ABSENT, Map.of(), at, at + 5, Op.Outcome.UNKNOWN);
    }

    /** A line as distribution 2.8 writes it (logrus text, fields sorted, values quoted when needed). */
    private static String line(String method, String uri, int status) {
        return "time=\"2026-12-05T11:43:44.16724973Z\" level=error msg=\"response completed with error\""
                + " err.code=unknown err.message=\"unknown error\" go.version=go1.19.8"
                + " http.request.host=\"127.0.0.1:39365\" http.request.id=9cdba2da http.request.method=" + method
                + " http.request.remoteaddr=\"127.0.0.1:38374\" http.request.uri=" + uri
                + " http.request.useragent=Java-http-client/25 http.response.contenttype=\"application/json;"
                + " charset=utf-8\" http.response.duration=3.8ms http.response.status=" + status
                + " http.response.written=70 vars.name=hist/own";
    }

    /** The lines distribution 2.8 writes for a manifest push it refused because a blob's link read empty. */
    private static String digestInvalid(String manifest) {
        return "time=\"2026-12-05T14:37:30.931438929Z\" level=error msg=\"response completed with error\""
                + " err.code=\"digest invalid\" err.message=\"provided digest did not match uploaded content\""
                + " go.version=go1.19.8 http.request.method=PUT http.request.uri=\"/v2/hist/own/manifests/"
                + manifest + "\" http.response.status=400 vars.name=hist/own";
    }

    private static String blobUnknown(String manifest, String blob) {
        return "time=\"2026-12-05T14:37:30.931488954Z\" level=error msg=\"response completed with error\""
                + " err.code=\"manifest blob unknown\" err.detail=\"" + blob + "\""
                + " err.message=\"blob unknown to registry\" go.version=go1.19.8"
                + " http.request.contenttype=application/vnd.oci.image.manifest.v1+json"
                + " http.request.host=\"127.0.0.1:37895\" http.request.id=2f8493cd http.request.method=PUT"
                + " http.request.remoteaddr=\"127.0.0.1:48302\" http.request.uri=\"/v2/hist/own/manifests/"
                + manifest + "\" http.request.useragent=Java-http-client/25 http.response.status=400"
                + " http.response.written=251 vars.name=hist/own";
    }
}
