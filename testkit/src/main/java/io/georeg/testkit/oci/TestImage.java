package io.georeg.testkit.oci;

import io.georeg.oci.Descriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * An image manifest with the blobs it needs (config first, then layers), and the platform it is
 * for when it is an index child.
 */
public record TestImage(TestManifest manifest, TestBlob config, List<TestBlob> layers, Descriptor.Platform platform) {

    public TestImage {
        layers = List.copyOf(layers);
    }

    /** Config then layers: the order to store them in before the manifest. */
    public List<TestBlob> blobs() {
        List<TestBlob> all = new ArrayList<>(layers.size() + 1);
        all.add(config);
        all.addAll(layers);
        return List.copyOf(all);
    }
}
