package io.georeg.app.history;

import io.georeg.oci.Digest;
import io.georeg.testkit.history.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The requests the primary itself failed, read from its log and judged against the history.
 * distribution logs every error answer ({@code response completed with error}, with {@code
 * err.code}, {@code err.detail}, {@code http.request.method}, {@code http.request.uri} and {@code
 * http.response.status}). A client operation that failed with one of these failed at the primary,
 * and the router passed the answer on as it must:
 * <ul>
 *   <li>a 5xx: distribution 2.8 on a filesystem answers 500 to a manifest {@code DELETE} whose tag
 *       lookup races a tag change in the same repository (distribution/distribution#2514), which a
 *       workload of concurrent pushes and deletes meets now and then with or without georeg in
 *       front;</li>
 *   <li>a manifest refused with {@code MANIFEST_BLOB_UNKNOWN} (400) for a blob the primary had
 *       acknowledged (an upload of it completed with 201 before the manifest was sent) and that no
 *       delete could have removed: distribution's filesystem driver rewrites a blob's link in the
 *       repository in place (truncate, then write) each time the blob is uploaded again, and a
 *       manifest verified meanwhile reads an empty link and answers {@code DIGEST_INVALID} and
 *       {@code MANIFEST_BLOB_UNKNOWN}. The workload meets it with the empty config {@code {}} that
 *       every referrer it pushes names and uploads (seen at about 3% of such manifest pushes while
 *       two other clients upload {@code {}} to the same repository, distribution alone).</li>
 * </ul>
 * A failure the router or a stopping process caused (an answer of its own, a broken connection, a
 * manifest the router changed) has no such line, or names a blob the history does not show stored.
 */
final class PrimaryFaults {
    private static final Pattern SERVER_ERROR = Pattern.compile(
            "http\\.request\\.method=(\\S+).*?http\\.request\\.uri=\"?([^\"\\s]+)\"?.*?http\\.response\\.status=(5\\d\\d)");
    private static final Pattern BLOB_UNKNOWN = Pattern.compile(
            "err\\.code=\"manifest blob unknown\" err\\.detail=\"?([^\"\\s]+)\"?.*?http\\.request\\.method=PUT"
                    + ".*?http\\.request\\.uri=\"?([^\"\\s]+)\"?.*?http\\.response\\.status=400");

    /** {@code METHOD uri status}, one per 5xx answer logged. */
    private final List<String> answers;
    /** Manifest pushes refused for a blob the primary did not find: {@code uri} and the blob's digest. */
    private final List<BlobUnknown> blobsUnknown;

    private record BlobUnknown(String uri, String blob) {}

    private PrimaryFaults(List<String> answers, List<BlobUnknown> blobsUnknown) {
        this.answers = List.copyOf(answers);
        this.blobsUnknown = List.copyOf(blobsUnknown);
    }

    static PrimaryFaults in(Path log) throws IOException {
        List<String> answers = new ArrayList<>();
        List<BlobUnknown> blobsUnknown = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            Matcher m = SERVER_ERROR.matcher(line);
            if (m.find()) {
                answers.add(m.group(1) + " " + m.group(2) + " " + m.group(3));
            }
            Matcher b = BLOB_UNKNOWN.matcher(line);
            if (b.find()) {
                blobsUnknown.add(new BlobUnknown(b.group(2), b.group(1)));
            }
        }
        return new PrimaryFaults(answers, blobsUnknown);
    }

    /** Every 5xx the primary logged, as {@code METHOD uri status}. */
    List<String> answers() {
        return answers;
    }

    /** Every manifest push the primary refused for a blob it did not find, as {@code uri: blob}. */
    List<String> blobsUnknown() {
        return blobsUnknown.stream().map(b -> b.uri() + ": " + b.blob()).toList();
    }

    /**
     * The failed operations that are not the primary's fault. The operations of one request (a
     * manifest delete writes the manifest and its tag, a referrer push the manifest and the
     * subject's referrers) share client and times: the request is the primary's when it is for any
     * of them. {@code history}: every operation of the run, to tell whether a blob the primary did
     * not find was one it had acknowledged.
     */
    List<Op> notThePrimarys(List<Op> failed, List<Op> history) {
        Map<String, List<Op>> byRequest = new LinkedHashMap<>();
        for (Op op : failed) {
            byRequest
                    .computeIfAbsent(op.client() + "/" + op.invoked() + "/" + op.completed(), k -> new ArrayList<>())
                    .add(op);
        }
        List<Op> left = new ArrayList<>();
        for (List<Op> request : byRequest.values()) {
            if (request.stream().noneMatch(op -> answeredWith5xx(op) || lostAnAcknowledgedBlob(op, history))) {
                left.addAll(request);
            }
        }
        return left;
    }

    private boolean answeredWith5xx(Op op) {
        List<String> names = namedBy(op.key());
        return !names.isEmpty() && answers.stream().anyMatch(a -> names.stream().allMatch(a::contains));
    }

    /**
     * A refused manifest push whose missing blob had been stored by an upload that completed before
     * the push began, and that no delete sent before the push ended can have removed.
     */
    private boolean lostAnAcknowledgedBlob(Op op, List<Op> history) {
        if (op.type() != Op.Type.WRITE
                || !op.key().startsWith("manifest:")
                || op.value().equals(Op.ABSENT)) {
            return false;
        }
        String repository = op.key().substring("manifest:".length(), op.key().indexOf('@'));
        String uri = namedBy(op.key()).get(0).strip();
        return blobsUnknown.stream().filter(b -> b.uri().equals(uri)).anyMatch(b -> {
            String key = HistoryWorkload.blobKey(repository, Digest.parse(b.blob()));
            boolean stored = history.stream()
                    .anyMatch(o -> o.key().equals(key)
                            && o.type() == Op.Type.WRITE
                            && !o.value().equals(Op.ABSENT)
                            && o.outcome() == Op.Outcome.OK
                            && o.completed() < op.invoked());
            boolean maybeDeleted = history.stream()
                    .anyMatch(o -> o.key().equals(key)
                            && o.type() == Op.Type.WRITE
                            && o.value().equals(Op.ABSENT)
                            && o.outcome() != Op.Outcome.FAILED
                            && o.invoked() < op.completed());
            return stored && !maybeDeleted;
        });
    }

    /**
     * What the request line of an operation on {@code key} contains: {@code manifest:repo@digest}
     * and {@code tag:repo:tag} name {@code /v2/repo/manifests/<reference> }, {@code blob:repo@digest}
     * names the blob path and the digest's hex (an upload's {@code PUT} carries it in {@code ?digest=}).
     */
    private static List<String> namedBy(String key) {
        int colon = key.indexOf(':');
        String kind = key.substring(0, colon);
        String rest = key.substring(colon + 1);
        return switch (kind) {
            case "manifest" -> List.of("/v2/" + rest.replace("@", "/manifests/") + " ");
            case "tag" -> {
                int at = rest.lastIndexOf(':');
                yield List.of("/v2/" + rest.substring(0, at) + "/manifests/" + rest.substring(at + 1) + " ");
            }
            case "blob" -> {
                int at = rest.indexOf('@');
                // the hex alone: a query may carry the digest's colon percent-encoded
                yield List.of("/v2/" + rest.substring(0, at) + "/blobs/", rest.substring(rest.lastIndexOf(':') + 1));
            }
            default -> List.of();
        };
    }
}
