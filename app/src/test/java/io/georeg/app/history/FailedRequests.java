package io.georeg.app.history;

import io.georeg.app.e2e.ReplicationDiagnosis;
import io.georeg.testkit.oci.RegistryHttp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The requests of a history workload that did not succeed, as they were answered: which client
 * sent what through which router, the status, the request id the router gave it (to find its
 * access log line) and the body, or the exception when there was no answer. An operation that
 * failed is recorded in the history only as failed; a test that finds one says, with {@link
 * #report}, which request it was, what it was answered, and what the primary logged about its
 * path (the primary's log goes with the test's temporary directory).
 */
final class FailedRequests {
    /** Characters of a failed answer's body kept: an OCI error body, not a blob. */
    private static final int BODY_CHARS = 500;
    /** The primary's log lines kept per failed request, the last ones that name its path. */
    private static final int LINES_PER_REQUEST = 8;

    /** One request that failed: {@code status} 0 when it got no answer ({@code answer} is the exception). */
    record Failure(long at, int client, String router, String request, String path, int status, String answer) {
        @Override
        public String toString() {
            return "at " + at / 1000 + " ms, client " + client + " via " + router + ": " + request
                    + (status == 0 ? " got no answer: " : " answered " + status + " ") + answer;
        }
    }

    private final List<Failure> failures = new CopyOnWriteArrayList<>();

    void answered(long at, int client, String router, String request, String path, RegistryHttp.Answer answer) {
        String body = new String(answer.body(), StandardCharsets.UTF_8);
        String id = answer.header("X-Request-Id")
                .map(v -> "(request id " + v + ") ")
                .orElse("");
        failures.add(new Failure(
                at,
                client,
                router,
                request,
                path,
                answer.status(),
                id + (body.length() > BODY_CHARS ? body.substring(0, BODY_CHARS) + "…" : body)));
    }

    void unanswered(long at, int client, String router, String request, String path, RuntimeException e) {
        failures.add(new Failure(at, client, router, request, path, 0, e.toString()));
    }

    List<Failure> all() {
        return List.copyOf(failures);
    }

    /** Every failed request, what the primary logged about its path, and the end of the primary's log. */
    String report(Path primaryLog) {
        List<String> log = lines(primaryLog);
        StringBuilder out = new StringBuilder("failed requests: ").append(failures.size());
        for (Failure f : failures) {
            out.append("\n  ").append(f);
            List<String> named = log.stream().filter(l -> l.contains(f.path())).toList();
            for (String line : named.subList(Math.max(0, named.size() - LINES_PER_REQUEST), named.size())) {
                out.append("\n    primary: ").append(line);
            }
        }
        return out.append("\nthe primary's log ends:\n")
                .append(ReplicationDiagnosis.tail(primaryLog, 40))
                .toString();
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (Exception e) {
            return List.of("(cannot read " + file + ": " + e + ")");
        }
    }
}
