package io.georeg.read.api;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.oci.ErrorCode;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.OciException;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestAcceptTest {

    private static void check(List<String> headers, String stored) {
        ManifestAccept.check(Collections.enumeration(headers), stored);
    }

    @Test
    void noAcceptHeaderAdmitsEveryType() {
        assertThatCode(() -> check(List.of(), MediaTypes.OCI_INDEX)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "application/vnd.oci.image.manifest.v1+json",
                "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json",
                "application/vnd.docker.distribution.manifest.v2+json,application/vnd.oci.image.manifest.v1+json;q=0.5",
                "*/*",
                "application/vnd.docker.distribution.manifest.v2+json, */*;q=0.1",
                "application/*",
                "APPLICATION/VND.OCI.IMAGE.MANIFEST.V1+JSON"
            })
    void acceptThatListsTheTypeOrAWildcardAdmitsIt(String accept) {
        assertThatCode(() -> check(List.of(accept), MediaTypes.OCI_MANIFEST)).doesNotThrowAnyException();
    }

    @Test
    void acceptSpreadOverSeveralHeadersIsCombined() {
        assertThatCode(() -> check(List.of(MediaTypes.DOCKER_MANIFEST, MediaTypes.OCI_INDEX), MediaTypes.OCI_INDEX))
                .doesNotThrowAnyException();
    }

    @Test
    void acceptWithoutTheStoredTypeIsManifestUnknownWithDistributionsMessage() {
        assertThatThrownBy(() -> check(List.of(MediaTypes.DOCKER_MANIFEST), MediaTypes.OCI_MANIFEST))
                .isInstanceOf(OciException.class)
                .hasMessage("OCI manifest found, but accept header does not support OCI manifests")
                .satisfies(e -> {
                    OciException oci = (OciException) e;
                    org.assertj.core.api.Assertions.assertThat(oci.code()).isEqualTo(ErrorCode.MANIFEST_NOT_ACCEPTABLE);
                    org.assertj.core.api.Assertions.assertThat(oci.code().wireCode())
                            .isEqualTo("MANIFEST_UNKNOWN");
                    org.assertj.core.api.Assertions.assertThat(oci.code().httpStatus())
                            .isEqualTo(404);
                });
        assertThatThrownBy(() -> check(List.of(MediaTypes.OCI_MANIFEST), MediaTypes.OCI_INDEX))
                .hasMessage("OCI index found, but accept header does not support OCI indexes");
    }

    @Test
    void qualityZeroIsARefusal() {
        assertThatThrownBy(() -> check(List.of(MediaTypes.OCI_MANIFEST + ";q=0"), MediaTypes.OCI_MANIFEST))
                .isInstanceOf(OciException.class);
    }
}
