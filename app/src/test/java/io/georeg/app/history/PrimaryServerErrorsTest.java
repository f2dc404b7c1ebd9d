package io.georeg.app.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.testkit.history.Op;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The primary's own 5xx answers as distribution 2.8 logs them, and the failed operations they explain. */
class PrimaryServerErrorsTest {
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
        PrimaryServerErrors errors = PrimaryServerErrors.in(log);

        Op delete = write("manifest:hist/own@" + DIGEST, 10);
        Op deletedTag = write("tag:hist/own:c2-1", 10);
        Op upload = write("blob:hist/shared@" + BLOB, 20);
        Op refusedByGeoreg = write("manifest:hist/own@sha256:" + "ff".repeat(32), 30);
        Op notFound = write("tag:hist/own:c1-0", 40);

        assertThat(errors.answers()).hasSize(2);
        assertThat(errors.notThePrimarys(List.of(delete, deletedTag, upload, refusedByGeoreg, notFound)))
                .as("the delete (with the tag it wrote) and the upload failed at the primary; a 404 is no 5xx")
                .containsExactly(refusedByGeoreg, notFound);
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
}
