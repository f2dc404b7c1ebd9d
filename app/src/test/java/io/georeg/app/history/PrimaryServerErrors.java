package io.georeg.app.history;

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
 * The requests the primary itself answered with a 5xx, read from its log: distribution logs every
 * error answer ({@code response completed with error}, with {@code http.request.method},
 * {@code http.request.uri} and {@code http.response.status}). A client operation that failed with
 * one of these failed at the primary, and the router passed the answer on as it must; distribution
 * 2.8 on a filesystem answers 500 to a manifest {@code DELETE} whose tag lookup races a tag change
 * in the same repository (distribution/distribution#2514), which a workload of concurrent pushes
 * and deletes meets now and then with or without georeg in front. A failure the router or a
 * stopping process caused (a 503 of its own, a broken connection) has no such line.
 */
final class PrimaryServerErrors {
    private static final Pattern LINE = Pattern.compile(
            "http\\.request\\.method=(\\S+).*?http\\.request\\.uri=\"?([^\"\\s]+)\"?.*?http\\.response\\.status=(5\\d\\d)");

    /** {@code METHOD uri}, one per 5xx answer logged. */
    private final List<String> answers;

    private PrimaryServerErrors(List<String> answers) {
        this.answers = List.copyOf(answers);
    }

    static PrimaryServerErrors in(Path log) throws IOException {
        List<String> answers = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            Matcher m = LINE.matcher(line);
            if (m.find()) {
                answers.add(m.group(1) + " " + m.group(2) + " " + m.group(3));
            }
        }
        return new PrimaryServerErrors(answers);
    }

    /** Every 5xx the primary logged, as {@code METHOD uri status}. */
    List<String> answers() {
        return answers;
    }

    /**
     * The failed operations whose request the primary did not answer with a 5xx. The operations
     * of one request (a manifest delete writes the manifest and its tag) share client and times:
     * the request is the primary's when the primary logged a 5xx for the path of any of them.
     */
    List<Op> notThePrimarys(List<Op> failed) {
        Map<String, List<Op>> byRequest = new LinkedHashMap<>();
        for (Op op : failed) {
            byRequest
                    .computeIfAbsent(op.client() + "/" + op.invoked() + "/" + op.completed(), k -> new ArrayList<>())
                    .add(op);
        }
        List<Op> left = new ArrayList<>();
        for (List<Op> request : byRequest.values()) {
            if (request.stream().noneMatch(this::answeredWith5xx)) {
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
