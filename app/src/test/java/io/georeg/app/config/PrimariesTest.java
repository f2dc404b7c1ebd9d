package io.georeg.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code primaries} and {@code defaultPrimary}: how they are read, resolved and refused. */
class PrimariesTest {
    @TempDir
    Path dir;

    private static final String THREE = """
            components: [registry-read, router]
            primaries:
              - {name: cell-1, namespaces: [acme], registryUrl: 'http://127.0.0.1:6001'}
              - {name: cell-2, namespaces: [globex], registryUrl: 'http://127.0.0.1:6002'}
              - {name: cell-3, namespaces: [initech, acme/web], registryUrl: 'http://127.0.0.1:6003'}
            """;

    private GeoregConfig load(String yaml) throws IOException {
        Path file = dir.resolve("georeg.yaml");
        Files.writeString(file, yaml);
        return new ConfigLoader(Map.of()).load(Optional.of(file)).validateComponents();
    }

    @Test
    void theLongestNamespaceWinsAndUnownedNamesHaveNoPrimaryWithoutADefault() throws IOException {
        Primaries primaries = Primaries.of(load(THREE));
        assertThat(primaries.all()).extracting(PrimarySection::name).containsExactly("cell-1", "cell-2", "cell-3");
        assertThat(primaries.owners().ownerOf("acme/app")).contains("cell-1");
        assertThat(primaries.owners().ownerOf("acme/web/app")).contains("cell-3");
        assertThat(primaries.owners().ownerOf("umbrella/app")).isEmpty();
    }

    @Test
    void aDefaultPrimaryTakesTheNamesNoNamespaceCovers() throws IOException {
        Primaries primaries = Primaries.of(load(THREE + "defaultPrimary: cell-2\n"));
        assertThat(primaries.owners().ownerOf("umbrella/app")).contains("cell-2");
    }

    @Test
    void withoutPrimariesTheSinglePrimaryKeysAreTheOnePrimaryOwningEverything() {
        GeoregConfig config = new ConfigLoader(Map.of("GEOREG_COMPONENTS", "registry-read,router"))
                .load(Optional.empty())
                .validateComponents();
        Primaries primaries = Primaries.of(config);
        assertThat(primaries.all()).hasSize(1);
        PrimarySection only = primaries.all().get(0);
        assertThat(only.name()).isEqualTo(Primaries.SINGLE);
        assertThat(only.registryUrl()).isEqualTo(config.router().primaryUrl());
        assertThat(primaries.owners().ownerOf("any/repository")).contains(Primaries.SINGLE);
    }

    @Test
    void theListIsReadFromTheEnvironmentAsAYamlFlowSequence() {
        GeoregConfig config = new ConfigLoader(Map.of(
                        "GEOREG_COMPONENTS",
                        "router",
                        "GEOREG_PRIMARIES",
                        "[{name: cell-1, namespaces: [acme], registryUrl: 'http://127.0.0.1:6001'}]",
                        "GEOREG_DEFAULT_PRIMARY",
                        "cell-1"))
                .load(Optional.empty());
        assertThat(Primaries.of(config).owners().ownerOf("other/app")).contains("cell-1");
    }

    @Test
    void everyProblemIsReportedAtOnceNamingItsKey() {
        assertThatThrownBy(() -> load("""
                        components: [registry-read, router]
                        defaultPrimary: cell-9
                        primaries:
                          - {name: cell-1, namespaces: [acme], registryUrl: 'http://127.0.0.1:6001'}
                          - {name: cell-1, namespaces: [acme, 'bad/'], registryUrl: 'ftp://x'}
                          - {name: cell-3, registryUrl: 'http://127.0.0.1:6003/v2'}
                        """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("primaries[1].name: 'cell-1' names two primaries")
                .hasMessageContaining("primaries[1].namespaces: 'acme' is also owned by primaries[0] (cell-1)")
                .hasMessageContaining("primaries[1].namespaces: 'bad/' is not a repository path prefix")
                .hasMessageContaining("primaries[1].registryUrl: an http(s) URL")
                .hasMessageContaining("primaries[2].namespaces: list the repository namespaces cell-3 owns")
                .hasMessageContaining("primaries[2].registryUrl: scheme, host and port only")
                .hasMessageContaining("defaultPrimary: 'cell-9' names no primary");
    }

    @Test
    void withTokenAuthEveryPrimaryNamesItsTokenServiceIssuerAndBundle() throws IOException {
        Path bundle = Files.writeString(dir.resolve("root.pem"), "not checked here");
        assertThatThrownBy(() -> load("""
                        components: [registry-read, router]
                        auth: {token: {realm: 'http://127.0.0.1:5080/jwt/auth', service: s, issuer: i, rootCertBundle: %s}}
                        primaries:
                          - {name: cell-1, namespaces: [acme], registryUrl: 'http://127.0.0.1:6001'}
                        """.formatted(bundle)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("primaries[0].authUrl")
                .hasMessageContaining("primaries[0].service")
                .hasMessageContaining("primaries[0].issuer")
                .hasMessageContaining("primaries[0].rootCertBundle");
    }

    @Test
    void theReplicatorNeedsEachPrimarysOwnIntakePathAndSecret() {
        assertThatThrownBy(() -> load(THREE.replace("components: [registry-read, router]", "components: [replicator]")
                        .replace(
                                "registryUrl: 'http://127.0.0.1:6002'",
                                "registryUrl: 'http://127.0.0.1:6002', intakePath: /events/a, intakeSecret: 0123456789abcdef0123")
                        .replace(
                                "registryUrl: 'http://127.0.0.1:6003'",
                                "registryUrl: 'http://127.0.0.1:6003', intakePath: /events/a, intakeSecret: short")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("primaries[0].intakePath")
                .hasMessageContaining("primaries[2].intakePath: '/events/a' is also primaries[1].intakePath")
                .hasMessageContaining("primaries[2].intakeSecret")
                .hasMessageNotContaining("primaries[1].intakeSecret");
    }

    @Test
    void twoPrimariesWithOneIntakeSecretAreRefusedSoThatAMisdirectedNotificationIsNot() throws IOException {
        // The secret given once inline and once as a file: the same value either way.
        Path secretFile = Files.writeString(dir.resolve("cell-3-secret"), "0123456789abcdef0123\n");
        assertThatThrownBy(() -> load(THREE.replace("components: [registry-read, router]", "components: [replicator]")
                        .replace(
                                "registryUrl: 'http://127.0.0.1:6001'",
                                "registryUrl: 'http://127.0.0.1:6001', intakePath: /events/cell-1, intakeSecret: 0123456789abcdef0123")
                        .replace(
                                "registryUrl: 'http://127.0.0.1:6002'",
                                "registryUrl: 'http://127.0.0.1:6002', intakePath: /events/cell-2, intakeSecret: fedcba9876543210fedc")
                        .replace(
                                "registryUrl: 'http://127.0.0.1:6003'",
                                "registryUrl: 'http://127.0.0.1:6003', intakePath: /events/cell-3, intakeSecretFile: "
                                        + secretFile)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "primaries[2].intakeSecret (or intakeSecretFile): the same secret as primaries[0] (cell-1)")
                .hasMessageNotContaining("primaries[1].intakeSecret");
    }

    @Test
    void theOutageShieldIsRefusedSayingWhyAndWhatToRemove() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(rsa.generateKeyPair().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Path bundle = Files.writeString(dir.resolve("root.pem"), "not checked here");
        Path file = dir.resolve("georeg.yaml");
        Files.writeString(file, """
                components: [registry-read, router]
                auth: {token: {realm: 'http://127.0.0.1:5080/jwt/auth', service: s, issuer: i, rootCertBundle: %s},
                       outage: {issuer: georeg-site-b}}
                primaries:
                  - {name: cell-1, namespaces: [acme], registryUrl: 'http://127.0.0.1:6001',
                     authUrl: 'http://127.0.0.1:7001/auth', service: s1, issuer: i1, rootCertBundle: %s}
                """.formatted(bundle, bundle));
        assertThatThrownBy(() -> new ConfigLoader(Map.of("GEOREG_AUTH_OUTAGE_SIGNING_KEY", pem))
                        .load(Optional.of(file))
                        .validateComponents())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("auth.outage: the outage shield is not available with primaries")
                .hasMessageContaining("without the primary that granted them")
                .hasMessageContaining("Remove auth.outage.signingKey");
    }
}
