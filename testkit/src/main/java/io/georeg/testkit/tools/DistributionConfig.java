package io.georeg.testkit.tools;

import io.georeg.testkit.tls.TestCa;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * The parts of a distribution 2.8 {@code config.yml} the tests vary: filesystem storage root,
 * deletes, token auth ({@code auth.token}) and notification endpoints. {@link #yaml(int, String)} renders
 * the file {@link Distribution} starts the registry with; the keys are distribution's own
 * (docs/configuration.md of distribution 2.8).
 *
 * @param storageRoot {@code storage.filesystem.rootdirectory}
 * @param deleteEnabled {@code storage.delete.enabled}
 * @param logLevel {@code log.level} (error, warn, info, debug)
 * @param tokenAuth {@code auth.token}, or anonymous
 * @param notifications {@code notifications.endpoints}, events sent with {@code includereferences: true}
 * @param tls {@code http.tls}: HTTPS with a certificate of a private CA, or plain HTTP
 */
public record DistributionConfig(
        Path storageRoot,
        boolean deleteEnabled,
        String logLevel,
        Optional<TokenAuth> tokenAuth,
        List<NotificationEndpoint> notifications,
        Optional<Tls> tls) {

    /**
     * A response header ({@code http.headers}) naming the process: whoever waits for a registry to
     * answer can tell it from another process that took its port meanwhile.
     */
    public static final String INSTANCE_HEADER = "X-Georeg-Test-Registry";

    public DistributionConfig {
        notifications = List.copyOf(notifications);
    }

    /** Anonymous, deletes enabled, warnings only, no notifications. */
    public static DistributionConfig filesystem(Path storageRoot) {
        return new DistributionConfig(storageRoot, true, "warn", Optional.empty(), List.of(), Optional.empty());
    }

    public DistributionConfig withTokenAuth(TokenAuth auth) {
        return new DistributionConfig(storageRoot, deleteEnabled, logLevel, Optional.of(auth), notifications, tls);
    }

    public DistributionConfig withNotification(NotificationEndpoint endpoint) {
        List<NotificationEndpoint> all = new ArrayList<>(notifications);
        all.add(endpoint);
        return new DistributionConfig(storageRoot, deleteEnabled, logLevel, tokenAuth, all, tls);
    }

    public DistributionConfig withDeleteEnabled(boolean enabled) {
        return new DistributionConfig(storageRoot, enabled, logLevel, tokenAuth, notifications, tls);
    }

    public DistributionConfig withLogLevel(String level) {
        return new DistributionConfig(storageRoot, deleteEnabled, level, tokenAuth, notifications, tls);
    }

    /** Serves HTTPS with {@code tls}'s certificate instead of plain HTTP. */
    public DistributionConfig withTls(Tls t) {
        return new DistributionConfig(storageRoot, deleteEnabled, logLevel, tokenAuth, notifications, Optional.of(t));
    }

    /**
     * distribution's {@code http.tls}: the certificate chain and key it serves, and a TLS context
     * trusting its CA for the test's own readiness probe ({@link io.georeg.testkit.tls.TestCa}).
     */
    public record Tls(Path certificate, Path key, SSLContext trust) {
        public static Tls of(TestCa ca, Path dir) {
            return new Tls(
                    ca.writeServerCertificate(dir.resolve("server.crt")),
                    ca.writeServerKey(dir.resolve("server.key")),
                    ca.clientContext());
        }
    }

    /** distribution's {@code auth.token} section: clients get a 401 challenge naming {@code realm} and {@code service}. */
    public record TokenAuth(URI realm, String service, String issuer, Path rootCertBundle) {}

    /**
     * One {@code notifications.endpoints} entry. distribution retries a failed delivery after
     * {@code backoff} once {@code threshold} failures are reached, forever, in order.
     *
     * @param ignoredActions {@code ignore.actions}: events of these actions are not sent
     */
    public record NotificationEndpoint(
            String name,
            URI url,
            Map<String, String> headers,
            Duration timeout,
            int threshold,
            Duration backoff,
            List<String> ignoredActions) {
        public NotificationEndpoint {
            headers = Map.copyOf(headers);
            ignoredActions = List.copyOf(ignoredActions);
        }

        /** Sends {@code Authorization: Bearer <secret>}, retried quickly so tests see redelivery without waiting long. */
        public static NotificationEndpoint bearer(String name, URI url, String secret) {
            return new NotificationEndpoint(
                    name,
                    url,
                    Map.of("Authorization", "Bearer " + secret),
                    Duration.ofSeconds(5),
                    3,
                    Duration.ofMillis(200),
                    List.of());
        }

        /**
         * Without pull events, as docs/primary-registry.md configures a production primary: the
         * replicator has no use for them, and distribution sends its events one at a time, so
         * under heavy reads (the replicator's own copies are reads too) they delay the pushes
         * and deletes behind them.
         */
        public NotificationEndpoint ignoringPulls() {
            return new NotificationEndpoint(name, url, headers, timeout, threshold, backoff, List.of("pull"));
        }
    }

    /**
     * The {@code config.yml} for a registry listening on {@code 127.0.0.1:<port>}, answering every
     * request with {@link #INSTANCE_HEADER}{@code : <instance>}.
     */
    public String yaml(int port, String instance) {
        StringBuilder yml =
                new StringBuilder("""
                version: 0.1
                log:
                  level: %s
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: %s
                  maintenance:
                    uploadpurging:
                      enabled: false
                http:
                  addr: 127.0.0.1:%d
                  secret: georeg-test-secret
                  headers:
                    %s: [%s]
                """.formatted(logLevel, storageRoot, deleteEnabled, port, INSTANCE_HEADER, instance));
        tls.ifPresent(t -> yml.append("""
                  tls:
                    certificate: %s
                    key: %s
                """.formatted(t.certificate(), t.key())));
        tokenAuth.ifPresent(
                auth -> yml.append("""
                auth:
                  token:
                    realm: %s
                    service: %s
                    issuer: %s
                    rootcertbundle: %s
                """.formatted(auth.realm(), auth.service(), auth.issuer(), auth.rootCertBundle())));
        if (!notifications.isEmpty()) {
            yml.append("""
                    notifications:
                      events:
                        includereferences: true
                      endpoints:
                    """);
            for (NotificationEndpoint e : notifications) {
                yml.append("    - name: ").append(e.name()).append('\n');
                yml.append("      url: ").append(e.url()).append('\n');
                if (!e.headers().isEmpty()) {
                    yml.append("      headers:\n");
                    e.headers()
                            .forEach((k, v) -> yml.append("        ")
                                    .append(k)
                                    .append(": [")
                                    .append(v)
                                    .append("]\n"));
                }
                yml.append("      timeout: ").append(e.timeout().toMillis()).append("ms\n");
                yml.append("      threshold: ").append(e.threshold()).append('\n');
                yml.append("      backoff: ").append(e.backoff().toMillis()).append("ms\n");
                if (!e.ignoredActions().isEmpty()) {
                    yml.append("      ignore:\n        actions: [")
                            .append(String.join(", ", e.ignoredActions()))
                            .append("]\n");
                }
            }
        }
        return yml.toString();
    }
}
