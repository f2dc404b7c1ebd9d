package io.georeg.replicator.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.OciException;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replicator.primary.PrimaryClient;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads distribution's notification envelope ({@code {"events":[...]}}, media type
 * {@code application/vnd.docker.distribution.events.v1+json}; distribution's
 * {@code notifications/event.go}) into {@link NotificationEvent}s, refusing anything the
 * replicator could not act on with a reason: no events array, an event without id, timestamp,
 * action or repository, an invalid repository name, digest or tag, a push without digest, a
 * rename without valid {@code from} and {@code to}, a time outside RFC 3339's years, a NUL
 * character anywhere (the database cannot store it).
 *
 * <p>GitLab's container registry sends the same envelope with more in it (its
 * {@code notifications/event.go}): a {@code rename} action whose {@code target.rename} says which
 * repository path moved where; a {@code delete} naming only the repository (distribution sends one
 * too when a repository is removed); {@code actor.user_type}, {@code actor.user} (a JWT GitLab
 * signed for the user) and a {@code meta} map. Unknown fields are ignored; the actor's JWT is not
 * stored. An action neither registry sends is kept (recorded, counted by the intake) and asks for
 * nothing. Pull events caused by a replicator's own reads of the
 * primary (its {@link PrimaryClient#USER_AGENT}) are left out: they are not pulls by clients, and
 * an initial replication causes one per manifest and blob, each of which would otherwise cost a
 * commit. Called by {@link IntakeHandler}; stateless.
 */
public final class EnvelopeParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ID_LENGTH = 200;
    private static final Instant EARLIEST = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");

    private EnvelopeParser() {}

    /**
     * An envelope read event by event: the events that could be read (less the replicator's own
     * pulls) and, for each that could not, why ({@code events[i] ...}).
     *
     * @param total how many events the envelope held, readable or not
     */
    public record Envelope(List<NotificationEvent> events, List<String> refused, int total) {
        public Envelope {
            events = List.copyOf(events);
            refused = List.copyOf(refused);
        }
    }

    /** Every event of the envelope, or a {@link MalformedEnvelopeException} for the first one that is not readable. */
    public static List<NotificationEvent> parse(byte[] body) {
        Envelope envelope = read(body);
        if (!envelope.refused().isEmpty()) {
            throw new MalformedEnvelopeException(envelope.refused().getFirst());
        }
        return envelope.events();
    }

    /**
     * The envelope's events one by one: an event that cannot be read is refused on its own, with its
     * reason, and does not take the readable ones beside it down with it (a sender re-sending the
     * whole envelope would be refused again, forever). A body that is no envelope at all (not JSON,
     * no {@code events} array) throws {@link MalformedEnvelopeException}.
     */
    public static Envelope read(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new MalformedEnvelopeException("body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MalformedEnvelopeException("body is not readable: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new MalformedEnvelopeException("body is not a JSON object");
        }
        JsonNode events = root.get("events");
        if (events == null || !events.isArray()) {
            throw new MalformedEnvelopeException("body has no \"events\" array");
        }
        List<NotificationEvent> out = new ArrayList<>(events.size());
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            if (isReplicatorPull(events.get(i))) {
                continue;
            }
            try {
                out.add(event(events.get(i), "events[" + i + "]"));
            } catch (MalformedEnvelopeException e) {
                refused.add(e.getMessage());
            }
        }
        return new Envelope(out, refused, events.size());
    }

    /**
     * Told apart before the event is read, for it is dropped whatever else it holds: an initial
     * replication makes the primary send one per manifest and blob the replicator reads, and
     * reading each in full (the NUL scan, the checks, the event written back to JSON for storage)
     * was work for nothing in the process that is copying.
     */
    private static boolean isReplicatorPull(JsonNode json) {
        return "pull".equals(json.path("action").textValue())
                && PrimaryClient.USER_AGENT.equals(
                        json.path("request").path("useragent").textValue());
    }

    private static NotificationEvent event(JsonNode e, String at) {
        if (!e.isObject()) {
            throw new MalformedEnvelopeException(at + " is not an object");
        }
        if (containsNul(e)) {
            // PostgreSQL's text and jsonb cannot hold U+0000: the insert failed, answered 500 forever.
            throw new MalformedEnvelopeException(at + " contains a NUL character (\\u0000)");
        }
        String id = requiredText(e, "id", at);
        if (id.length() > MAX_ID_LENGTH) {
            throw new MalformedEnvelopeException(at + ".id is longer than " + MAX_ID_LENGTH + " characters");
        }
        Instant timestamp;
        try {
            timestamp = Instant.parse(requiredText(e, "timestamp", at));
        } catch (DateTimeParseException ex) {
            throw new MalformedEnvelopeException(at + ".timestamp is not an RFC 3339 time: "
                    + e.get("timestamp").asText());
        }
        if (timestamp.isBefore(EARLIEST) || timestamp.isAfter(LATEST)) {
            // RFC 3339 years have four digits; Instant.parse takes more, which PostgreSQL refused (500).
            throw new MalformedEnvelopeException(at + ".timestamp is not an RFC 3339 time: "
                    + e.get("timestamp").asText());
        }
        String action = requiredText(e, "action", at);
        JsonNode target = e.get("target");
        if (target == null || !target.isObject()) {
            throw new MalformedEnvelopeException(at + " has no target object");
        }
        String repositoryText = requiredText(target, "repository", at + ".target");
        if (!RepositoryName.isValid(repositoryText)) {
            throw new MalformedEnvelopeException(
                    at + ".target.repository is not a valid repository name: " + repositoryText);
        }
        Optional<Digest> digest = optionalText(target, "digest").map(d -> digest(d, at));
        Optional<Tag> tag = optionalText(target, "tag").map(t -> {
            if (!Tag.isValid(t)) {
                throw new MalformedEnvelopeException(at + ".target.tag is not a valid tag: " + t);
            }
            return Tag.of(t);
        });
        Optional<String> mediaType = optionalText(target, "mediaType");
        long size = target.path("size").canConvertToLong()
                ? target.path("size").asLong()
                : target.path("length").asLong(-1);
        switch (action) {
            case "push", "mount" -> {
                if (digest.isEmpty()) {
                    throw new MalformedEnvelopeException(at + " is a " + action + " without target.digest");
                }
            }
            default -> {
                // pull is counted; a delete with neither digest nor tag is a repository delete; an
                // action a newer registry invents is kept and otherwise ignored.
            }
        }
        Optional<NotificationEvent.Rename> rename =
                "rename".equals(action) ? Optional.of(rename(target, at)) : Optional.empty();
        return new NotificationEvent(
                id,
                timestamp,
                action,
                target(target, mediaType, digest, tag),
                RepositoryName.of(repositoryText),
                digest,
                tag,
                mediaType,
                size,
                rename,
                withoutUserToken(e));
    }

    /** GitLab's {@code target.rename}; both paths must be repository names. */
    private static NotificationEvent.Rename rename(JsonNode target, String at) {
        JsonNode r = target.get("rename");
        if (r == null || !r.isObject()) {
            throw new MalformedEnvelopeException(at + " is a rename without target.rename");
        }
        String from = requiredText(r, "from", at + ".target.rename");
        String to = requiredText(r, "to", at + ".target.rename");
        if (!RepositoryName.isValid(from) || !RepositoryName.isValid(to)) {
            throw new MalformedEnvelopeException(
                    at + ".target.rename must move one repository path to another (got " + from + " to " + to + ")");
        }
        return new NotificationEvent.Rename(
                optionalText(r, "type").orElse("name"), RepositoryName.of(from), RepositoryName.of(to));
    }

    /**
     * The event as stored: GitLab's {@code actor.user} is a JWT it signed for the user, which the
     * replicator has no use for and must not keep in its database.
     */
    private static String withoutUserToken(JsonNode e) {
        JsonNode actor = e.get("actor");
        if (actor instanceof ObjectNode a && a.has("user")) {
            ObjectNode copy = ((ObjectNode) e).deepCopy();
            ((ObjectNode) copy.get("actor")).put("user", "(removed by georeg)");
            return copy.toString();
        }
        return e.toString();
    }

    /**
     * Manifest or blob: the target URL says it ({@code /manifests/} or {@code /blobs/}); else the
     * media type (blob events carry application/octet-stream); deletes carry neither.
     */
    private static NotificationEvent.Target target(
            JsonNode target, Optional<String> mediaType, Optional<Digest> digest, Optional<Tag> tag) {
        String url = target.path("url").asText("");
        if (url.contains("/manifests/")) {
            return NotificationEvent.Target.MANIFEST;
        }
        if (url.contains("/blobs/")) {
            return NotificationEvent.Target.BLOB;
        }
        if (tag.isPresent()) {
            return NotificationEvent.Target.MANIFEST;
        }
        if (mediaType.isPresent()) {
            String type = mediaType.get();
            return MediaTypes.MANIFESTS.contains(type)
                            || type.startsWith("application/vnd.docker.distribution.manifest.")
                    ? NotificationEvent.Target.MANIFEST
                    : NotificationEvent.Target.BLOB;
        }
        return digest.isPresent() ? NotificationEvent.Target.UNKNOWN : NotificationEvent.Target.MANIFEST;
    }

    private static Digest digest(String text, String at) {
        try {
            return Digest.parse(text);
        } catch (OciException ex) {
            throw new MalformedEnvelopeException(at + ".target.digest is not a valid digest: " + text);
        }
    }

    private static boolean containsNul(JsonNode node) {
        if (node.isTextual()) {
            return node.textValue().indexOf('\u0000') >= 0;
        }
        for (var field : node.properties()) {
            if (field.getKey().indexOf('\u0000') >= 0 || containsNul(field.getValue())) {
                return true;
            }
        }
        for (JsonNode element : node.isArray() ? node : List.<JsonNode>of()) {
            if (containsNul(element)) {
                return true;
            }
        }
        return false;
    }

    private static String requiredText(JsonNode node, String field, String at) {
        return optionalText(node, field).orElseThrow(() -> new MalformedEnvelopeException(at + " has no " + field));
    }

    private static Optional<String> optionalText(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull() || !v.isValueNode() || v.asText().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(v.asText());
    }
}
