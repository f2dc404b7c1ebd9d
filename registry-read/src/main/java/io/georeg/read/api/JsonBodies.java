package io.georeg.read.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.georeg.oci.Descriptor;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The JSON bodies registry-read writes, streamed with Jackson's generator (no data-binding
 * reflection on the request path): the tags list, the catalog and the referrers image index of
 * the OCI distribution spec.
 */
public final class JsonBodies {
    private static final JsonFactory JSON = new JsonFactory();

    private JsonBodies() {}

    /** {@code {"name":"…","tags":[…]}} (spec: "Listing Tags"). */
    public static byte[] tagsList(RepositoryName name, List<Tag> tags) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("name", name.value());
            g.writeArrayFieldStart("tags");
            for (Tag t : tags) {
                g.writeString(t.value());
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** {@code {"repositories":[…]}} (distribution's catalog API). */
    public static byte[] catalog(List<RepositoryName> repositories) {
        return write(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("repositories");
            for (RepositoryName r : repositories) {
                g.writeString(r.value());
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** An OCI image index whose manifests are the referrers (spec: "Listing Referrers"). */
    public static byte[] referrersIndex(List<Descriptor> referrers) {
        return write(g -> {
            g.writeStartObject();
            g.writeNumberField("schemaVersion", 2);
            g.writeStringField("mediaType", MediaTypes.OCI_INDEX);
            g.writeArrayFieldStart("manifests");
            for (Descriptor d : referrers) {
                g.writeStartObject();
                g.writeStringField("mediaType", d.mediaType());
                g.writeStringField("digest", d.digest().toString());
                g.writeNumberField("size", d.size());
                if (d.artifactType() != null) {
                    g.writeStringField("artifactType", d.artifactType());
                }
                if (!d.annotations().isEmpty()) {
                    g.writeObjectFieldStart("annotations");
                    for (Map.Entry<String, String> a : d.annotations().entrySet()) {
                        g.writeStringField(a.getKey(), a.getValue());
                    }
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory failed", e);
        }
        return out.toByteArray();
    }
}
