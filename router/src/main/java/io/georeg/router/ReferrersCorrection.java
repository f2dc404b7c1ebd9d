package io.georeg.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.oci.MediaTypes;
import io.georeg.router.fallback.FallbackToPrimary;
import io.georeg.router.fallback.ReplicaDecision;
import io.georeg.router.fence.Fence;
import io.georeg.router.fence.ReadYourWrites;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's answer to a referrers read, corrected with the repository's fences instead of
 * pinned to the primary (which may not serve the referrers API at all: distribution 2.8 does
 * not): referrers pushed through a router and not replicated yet are added (filtered by the
 * request's {@code artifactType} as the replica filters its own), referrers deleted since are
 * removed. A replica that does not know the repository yet (404) gets an index of the added
 * referrers alone when there are any, and otherwise falls back as every read does. Referrer
 * fences the replica's unfiltered list already shows are cleared. Wraps the read's
 * {@link FallbackToPrimary}; one instance per request.
 */
final class ReferrersCorrection implements ReplicaDecision {
    private static final Logger LOG = LoggerFactory.getLogger(ReferrersCorrection.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ReadYourWrites readYourWrites;
    private final List<Fence> corrections;
    private final String artifactType;
    private final FallbackToPrimary fallback;
    private final Response response;
    private final Callback callback;

    /** @param artifactType the request's {@code artifactType} filter, null for none */
    ReferrersCorrection(
            ReadYourWrites readYourWrites,
            List<Fence> corrections,
            String artifactType,
            FallbackToPrimary fallback,
            Response response,
            Callback callback) {
        this.readYourWrites = readYourWrites;
        this.corrections = corrections;
        this.artifactType = artifactType == null || artifactType.isEmpty() ? null : artifactType;
        this.fallback = fallback;
        this.response = response;
        this.callback = callback;
    }

    @Override
    public boolean hold(org.eclipse.jetty.client.Response serverToProxyResponse) {
        return hold(serverToProxyResponse.getStatus());
    }

    @Override
    public boolean hold(int status) {
        return status == 200 || fallback.hold(status);
    }

    @Override
    public void onHeld(HeldResponse held, Runnable release) {
        onHeld(held.status(), held.body(), release);
    }

    @Override
    public void onHeld(int status, byte[] body, Runnable release) {
        if (status == 200) {
            // Clearing fences is a database round trip: off the HTTP client's I/O thread.
            Thread.ofVirtual().name("referrers-correction").start(() -> {
                try {
                    JsonNode index = JSON.readTree(body);
                    if (artifactType == null) {
                        readYourWrites.clearShownReferrers(corrections, ReadYourWrites.digestsOf(index));
                    }
                    send(corrected(index));
                } catch (IOException | RuntimeException e) {
                    LOG.debug("replica's referrers answer not corrected", e);
                    release.run();
                }
            });
        } else if (status == 404 && corrections.stream().anyMatch(this::adds)) {
            send(corrected(JSON.createObjectNode()));
        } else {
            fallback.onHeld(status, body, release);
        }
    }

    @Override
    public boolean takeOverFailure(Throwable failure) {
        return fallback.takeOverFailure(failure);
    }

    private boolean adds(Fence f) {
        return f.kind() == Fence.Kind.REFERRER
                && f.present()
                && f.descriptor() != null
                && (artifactType == null || artifactType.equals(artifactTypeOf(f)));
    }

    private ObjectNode corrected(JsonNode replicaIndex) {
        Set<String> removed = ReadYourWrites.deletedManifests(corrections);
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        Set<String> listed = ReadYourWrites.digestsOf(replicaIndex);
        for (JsonNode m : replicaIndex.path("manifests")) {
            if (!removed.contains(m.path("digest").asText())) {
                manifests.add(m);
            }
        }
        for (Fence f : corrections) {
            if (adds(f) && !listed.contains(f.digest()) && !removed.contains(f.digest())) {
                manifests.add(parse(f.descriptor()));
            }
        }
        return index;
    }

    private void send(ObjectNode index) {
        byte[] bytes = index.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, MediaTypes.OCI_INDEX);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.getHeaders().put("Docker-Distribution-API-Version", "registry/2.0");
        if (artifactType != null) {
            response.getHeaders().put("OCI-Filters-Applied", "artifactType");
        }
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }

    private static String artifactTypeOf(Fence f) {
        return parse(f.descriptor()).path("artifactType").asText(null);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable referrer descriptor in a fence: " + json, e);
        }
    }
}
