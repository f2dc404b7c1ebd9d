package io.georeg.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.ops.ClientDeadlines;
import io.georeg.read.ReadOptions.VerifyServedBlobs;
import io.georeg.router.RouterConfig;
import io.georeg.storage.StorageConfig;
import io.georeg.testkit.auth.TestSiteKey;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.token.LibtrustKeyId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private GeoregConfig load(String yaml, Map<String, String> env) throws IOException {
        Path file = dir.resolve("georeg.yaml");
        Files.writeString(file, yaml);
        // The embedded defaults run the replicator, whose notification secret has no default.
        Map<String, String> withSecret = new java.util.HashMap<>(env);
        if (!yaml.contains("intake:")) {
            withSecret.putIfAbsent("GEOREG_REPLICATOR_INTAKE_SECRET", "test-notification-secret");
        }
        return new ConfigLoader(withSecret).load(Optional.of(file));
    }

    @Test
    void embeddedDefaultsWithTheNotificationSecretAreTheLocalTwoSiteShape() {
        GeoregConfig config = new ConfigLoader(Map.of("GEOREG_REPLICATOR_INTAKE_SECRET", "0123456789abcdef0123"))
                .load(Optional.empty())
                .validateComponents();
        assertThat(config.components())
                .containsExactly(ComponentName.REGISTRY_READ, ComponentName.REPLICATOR, ComponentName.ROUTER);
        assertThat(config.routerHostsRegistryRead()).isTrue();
        assertThat(config.router().publicUrl()).hasToString("http://127.0.0.1:5080");
        assertThat(config.router().primaryUrl())
                .isEqualTo(config.replicator().primary().url());
        assertThat(config.replicator().verify().enabled()).isTrue();
        assertThat(config.database().url()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/georeg");
        assertThat(config.storage().selected()).isEqualTo(new StorageConfig.Filesystem(Path.of("./georeg-data")));
        assertThat(config.auth().token()).isNull();
        assertThat(config.registryRead().port()).isEqualTo(5001);
    }

    @Test
    void embeddedDefaultsAskForTheNotificationSecretOnly() {
        assertThatThrownBy(
                        () -> new ConfigLoader(Map.of()).load(Optional.empty()).validateComponents())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("replicator.intake.secret")
                .hasMessageNotContaining("router.");
    }

    @Test
    void registryReadAloneNeedsNoReplicatorOrRouterKeys() {
        GeoregConfig config = new ConfigLoader(Map.of("GEOREG_COMPONENTS", "registry-read")).load(Optional.empty());
        assertThat(config.components()).containsExactly(ComponentName.REGISTRY_READ);
        assertThat(config.routerHostsRegistryRead()).isFalse();
    }

    @Test
    void secretFileOfTheIntakeIsReadLikeEveryOtherSecret() throws IOException {
        Path secret = dir.resolve("notification-secret");
        Files.writeString(secret, "from-a-file-0123456789\n");
        GeoregConfig config = load("replicator:\n  intake:\n    secretFile: " + secret + "\n", Map.of());
        assertThat(config.replicator().intake().resolvedSecret()).isEqualTo("from-a-file-0123456789");
    }

    @Test
    void theAccessLogIsSampledByDefaultAndItsModeAndFileAreReadFromYamlAndEnvironment() throws IOException {
        Path file = dir.resolve("access.log");
        RouterConfig.AccessLog defaults =
                new ConfigLoader(Map.of()).load(Optional.empty()).router().accessLog();
        GeoregConfig fromYaml = load(
                "router:\n  accessLog:\n    mode: all\n    file: " + file + "\n",
                Map.of("GEOREG_ROUTER_ACCESS_LOG_SAMPLE_EVERY", "7"));
        GeoregConfig off = load("", Map.of("GEOREG_ROUTER_ACCESS_LOG_MODE", "off"));

        assertThat(defaults).isEqualTo(RouterConfig.AccessLog.defaults());
        assertThat(defaults.mode()).isEqualTo(RouterConfig.AccessLog.Mode.SAMPLED);
        assertThat(fromYaml.router().accessLog())
                .isEqualTo(new RouterConfig.AccessLog(RouterConfig.AccessLog.Mode.ALL, 7, file, 16384));
        assertThat(off.router().accessLog().mode()).isEqualTo(RouterConfig.AccessLog.Mode.OFF);
        assertThatThrownBy(() -> load("router:\n  accessLog:\n    mode: verbose\n", Map.of()))
                .hasMessageContaining("router.accessLog.mode");
    }

    @Test
    void servedBlobsAreVerifiedOnceByDefaultAndEachModeAndItsBooleanAliasIsReadFromYamlAndEnvironment()
            throws IOException {
        assertThat(new ConfigLoader(Map.of())
                        .load(Optional.empty())
                        .registryRead()
                        .verifyServedBlobs())
                .isEqualTo(VerifyServedBlobs.ONCE);
        for (VerifyServedBlobs mode : VerifyServedBlobs.values()) {
            assertThat(verifyServedBlobs("registryRead:\n  verifyServedBlobs: " + mode.key() + "\n", Map.of()))
                    .isEqualTo(mode);
            assertThat(verifyServedBlobs("", Map.of("GEOREG_REGISTRY_READ_VERIFY_SERVED_BLOBS", mode.key())))
                    .isEqualTo(mode);
        }
        // YAML booleans, as earlier releases wrote the key, and their text in the environment
        assertThat(verifyServedBlobs("registryRead:\n  verifyServedBlobs: true\n", Map.of()))
                .isEqualTo(VerifyServedBlobs.ALWAYS);
        assertThat(verifyServedBlobs("registryRead:\n  verifyServedBlobs: false\n", Map.of()))
                .isEqualTo(VerifyServedBlobs.NEVER);
        assertThat(verifyServedBlobs("", Map.of("GEOREG_REGISTRY_READ_VERIFY_SERVED_BLOBS", "false")))
                .isEqualTo(VerifyServedBlobs.NEVER);
        assertThat(verifyServedBlobs(
                        "registryRead:\n  verifyServedBlobs: false\n",
                        Map.of("GEOREG_REGISTRY_READ_VERIFY_SERVED_BLOBS", "true")))
                .isEqualTo(VerifyServedBlobs.ALWAYS);
        assertThatThrownBy(() -> load("", Map.of("GEOREG_REGISTRY_READ_VERIFY_SERVED_BLOBS", "sometimes")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("registryRead.verifyServedBlobs")
                .hasMessageContaining("always, once or never");
        assertThatThrownBy(() -> load("registryRead:\n  verifyServedBlobs: 1\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("registryRead.verifyServedBlobs")
                .hasMessageContaining("always, once or never");
    }

    private VerifyServedBlobs verifyServedBlobs(String yaml, Map<String, String> env) throws IOException {
        return load(yaml, env).registryRead().verifyServedBlobs();
    }

    @Test
    void everyPublicListenersClientDeadlinesAreReadFromYamlAndEnvironmentAndValidated() throws IOException {
        GeoregConfig defaults = new ConfigLoader(Map.of()).load(Optional.empty());
        GeoregConfig config = load(
                """
                registryRead:
                  clients:
                    headers: 3s
                    idle: 1m
                    minBodyRate: 2048
                replicator:
                  clients:
                    headers: 4s
                router:
                  timeouts:
                    clientHeaders: 5s
                """,
                Map.of("GEOREG_REPLICATOR_CLIENTS_IDLE", "2m", "GEOREG_ROUTER_TIMEOUTS_CLIENT_MIN_BODY_RATE", "0"));

        assertThat(defaults.registryRead().clients()).isEqualTo(ClientDeadlines.defaults());
        assertThat(defaults.replicator().clients()).isEqualTo(ClientDeadlines.defaults());
        assertThat(defaults.router().timeouts().clientHeaders()).isEqualTo(ClientDeadlines.DEFAULT_HEADERS);
        assertThat(defaults.router().timeouts().clientMinBodyRate()).isEqualTo(ClientDeadlines.DEFAULT_MIN_BODY_RATE);
        assertThat(config.registryRead().clients())
                .isEqualTo(new ClientDeadlines(Duration.ofSeconds(3), Duration.ofMinutes(1), 2048));
        assertThat(config.replicator().clients())
                .isEqualTo(new ClientDeadlines(Duration.ofSeconds(4), Duration.ofMinutes(2)));
        assertThat(config.router().timeouts().clients())
                .isEqualTo(new ClientDeadlines(
                        Duration.ofSeconds(5), defaults.router().timeouts().idle(), 0));
        assertThatThrownBy(() -> load("replicator:\n  clients:\n    headers: 10ms\n", Map.of())
                        .validateComponents())
                .hasMessageContaining("replicator.clients.headers");
        assertThatThrownBy(() -> load("registryRead:\n  clients:\n    minBodyRate: -1\n", Map.of())
                        .validateComponents())
                .hasMessageContaining("registryRead: read.clients.minBodyRate");
    }

    @Test
    void thePrimarysCaBundleAndProxyReachTheRouterAndTheReplicator() throws IOException {
        Path bundle = io.georeg.testkit.tls.TestCa.create().writeCaBundle(dir.resolve("primary-ca.pem"));
        GeoregConfig config = load(
                "primary:\n  caBundle: " + bundle + "\n", Map.of("GEOREG_PRIMARY_PROXY", "http://proxy.corp:3128"));

        assertThat(config.primary().caBundle()).isEqualTo(bundle);
        assertThat(config.primary().proxy()).hasToString("http://proxy.corp:3128");
        assertThat(config.replicatorConfig().egress()).isEqualTo(config.primary());
        assertThat(new ConfigLoader(Map.of()).load(Optional.empty()).primary())
                .as("direct, the JDK's CAs")
                .isEqualTo(io.georeg.egress.PrimaryEgress.DIRECT);
    }

    @Test
    void aCaBundleThatCannotBeReadStopsTheStartNamingTheKey() {
        assertThatThrownBy(() -> load("primary:\n  caBundle: " + dir.resolve("absent.pem") + "\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("primary.caBundle: cannot read");
    }

    @Test
    void registryReadOnItsOwnVerifiesOutageTokensWithThePublicKeyAndRefusesTheSigningKey() throws IOException {
        Path bundle = TestTokenIssuer.create(TestTokenIssuer.KeyKind.EC, "primary-issuer", "registry")
                .writeRootBundle(dir.resolve("root.pem"));
        TestSiteKey site = TestSiteKey.ec();
        Path privateKey = Files.writeString(dir.resolve("site-key.pem"), site.privatePem());
        Path publicKey = Files.writeString(dir.resolve("site-key.pub.pem"), site.publicPem());
        String yaml = """
                components: [registry-read]
                auth:
                  token:
                    realm: https://auth.example/jwt/auth
                    service: registry
                    issuer: primary-issuer
                    rootCertBundle: %s
                  outage:
                    issuer: georeg-site-b
                """.formatted(bundle);
        String kid = LibtrustKeyId.of(site.keys().getPublic());

        GeoregConfig verifier =
                load(yaml + "    publicKeyFile: " + publicKey + "\n", Map.of()).validateComponents();
        assertThat(verifier.auth().outage().signingKey()).isNull();
        assertThat(verifier.auth().siteTrust().keys().trusted(kid))
                .isEqualTo(site.keys().getPublic());

        assertThatThrownBy(() -> load(yaml + "    signingKeyFile: " + privateKey + "\n", Map.of())
                        .validateComponents())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("auth.outage.signingKey is given to registry-read without a router")
                .hasMessageContaining("auth.outage.publicKey");

        GeoregConfig hostedByARouter = load(
                        yaml.replace("[registry-read]", "[registry-read, router]") + "    signingKeyFile: " + privateKey
                                + "\n",
                        Map.of())
                .validateComponents();
        assertThat(hostedByARouter.auth().siteTrust().keys().trusted(kid))
                .as("in a router's process registry-read trusts the signing key's public half")
                .isEqualTo(site.keys().getPublic());
    }

    @Test
    void routerAloneNeedsTheReplicaUrl() {
        assertThatThrownBy(() -> load("components: [router]\nrouter:\n  replicaUrl: not-a-url\n", Map.of())
                        .validateComponents())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("router.replicaUrl");
    }

    @Test
    void fileOverridesDefaultsKeyByKey() throws IOException {
        GeoregConfig config = load("""
                database:
                  maxPoolSize: 4
                  connectionTimeout: 750ms
                registryRead:
                  port: 0
                storage:
                  filesystem:
                    root: /srv/blobs
                """, Map.of());
        assertThat(config.database().maxPoolSize()).isEqualTo(4);
        assertThat(config.database().connectionTimeout()).isEqualTo(Duration.ofMillis(750));
        assertThat(config.database().user()).isEqualTo("georeg");
        assertThat(config.registryRead().port()).isZero();
        assertThat(config.registryRead().host()).isEqualTo("127.0.0.1");
        assertThat(config.storage().selected()).isEqualTo(new StorageConfig.Filesystem(Path.of("/srv/blobs")));
    }

    @Test
    void environmentOverridesFileByTheUpperSnakeCaseRule() throws IOException {
        GeoregConfig config = load(
                "database:\n  url: jdbc:postgresql://file:5432/x\n",
                Map.of(
                        "GEOREG_DATABASE_URL", "jdbc:postgresql://env:5432/y",
                        "GEOREG_REGISTRY_READ_MAX_PAGE_SIZE", "50",
                        "GEOREG_COMPONENTS", "registry-read",
                        "GEOREG_STORAGE_FILESYSTEM_ROOT", "/env/root",
                        "GEOREG_SHUTDOWN_TIMEOUT", "3s"));
        assertThat(config.database().url()).isEqualTo("jdbc:postgresql://env:5432/y");
        assertThat(config.registryRead().maxPageSize()).isEqualTo(50);
        assertThat(config.storage().selected()).isEqualTo(new StorageConfig.Filesystem(Path.of("/env/root")));
        assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void secretsComeFromFilesNamedInYamlOrEnvironment() throws IOException {
        Files.writeString(dir.resolve("db-password"), "s3cret\n");
        GeoregConfig fromYaml = load("database:\n  passwordFile: db-password\n", Map.of());
        assertThat(fromYaml.database().password()).isEqualTo("s3cret");

        Path other = Files.writeString(dir.resolve("other"), "from-env");
        GeoregConfig fromEnv = load("{}\n", Map.of("GEOREG_DATABASE_PASSWORD_FILE", other.toString()));
        assertThat(fromEnv.database().password()).isEqualTo("from-env");
    }

    @Test
    void bothValueAndFileInOneLayerIsRejected() {
        assertThatThrownBy(() -> load("database:\n  password: a\n  passwordFile: b\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("database.password")
                .hasMessageContaining("database.passwordFile");
    }

    @Test
    void unknownKeyIsRejectedNamingTheKeyAndTheAllowedOnes() {
        assertThatThrownBy(() -> load("database:\n  urll: x\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown configuration key 'database.urll'")
                .hasMessageContaining("maxPoolSize");
        assertThatThrownBy(() -> load("registry_read:\n  port: 1\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'registry_read'");
    }

    @Test
    void badValueNamesTheKey() {
        assertThatThrownBy(() -> load("registryRead:\n  port: lots\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("registryRead.port");
        assertThatThrownBy(() -> load("database:\n  connectionTimeout: soon\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("database.connectionTimeout");
        assertThatThrownBy(() -> load("components: [registry-write]\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("components")
                .hasMessageContaining("registry-read");
    }

    @Test
    void validationListsEveryProblemWithItsKey() {
        assertThatThrownBy(() -> load("""
                components: []
                database:
                  url: mysql://nope
                storage:
                  filesystem:
                    root: /a
                  s3:
                    bucket: b
                    region: r
                registryRead:
                  port: 70000
                """, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("components is empty")
                .hasMessageContaining("database.url")
                .hasMessageContaining("storage.filesystem, storage.s3")
                .hasMessageContaining("port");
    }

    @Test
    void tokenAuthSectionIsBoundToRegistryReadsRecordAndValidated() {
        assertThatThrownBy(() -> load("""
                auth:
                  token:
                    realm: https://auth.example.com/token
                    service: container_registry
                    issuer: issuer
                    rootCertBundle: /nonexistent/bundle.pem
                """, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("rootcertbundle");
    }

    @Test
    void environmentVariableNamesFollowTheDocumentedRule() {
        List<ConfigKey> keys = ConfigKeys.of(GeoregConfig.class);
        assertThat(keys)
                .extracting(ConfigKey::environmentVariable)
                .contains(
                        "GEOREG_DATABASE_URL",
                        "GEOREG_REGISTRY_READ_PORT",
                        "GEOREG_STORAGE_S3_SECRET_ACCESS_KEY",
                        "GEOREG_AUTH_TOKEN_ROOT_CERT_BUNDLE",
                        "GEOREG_COMPONENTS");
    }

    @Test
    void durationsAcceptOperatorUnitsAndIso() {
        assertThat(DurationText.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(DurationText.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(DurationText.parse("PT5S")).isEqualTo(Duration.ofSeconds(5));
        assertThat(DurationText.parse("7")).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void misspelledEnvironmentVariablesAreReportedButScriptVariablesAreNot() {
        List<String> unknown = EnvironmentOverrides.unknown(
                ConfigKeys.of(GeoregConfig.class),
                Map.of(
                        "GEOREG_DATABASE_URLL",
                        "x",
                        "GEOREG_DATABASE_URL",
                        "y",
                        "GEOREG_DATABASE_PASSWORD_FILE",
                        "f",
                        "GEOREG_TEST_DATABASE_URL",
                        "z",
                        "PATH",
                        "/bin"));
        assertThat(unknown).containsExactly("GEOREG_DATABASE_URLL");
    }
}
