package io.georeg.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RouterConfigTest {

    private static RouterConfig valid() {
        return RouterConfig.of(
                URI.create("https://registry.example.com"),
                0,
                URI.create("http://127.0.0.1:5000"),
                URI.create("https://gitlab.example.com/jwt/auth"),
                new RouterConfig.ReplicaEndpoint.Remote(URI.create("http://127.0.0.1:5001")));
    }

    @Test
    void defaultsAreValid() {
        assertThat(valid().problems()).isEmpty();
        assertThat(valid().validate()).isEqualTo(valid());
    }

    @Test
    void eachWithChangesItsOwnPartAndKeepsEveryOther() throws Exception {
        RouterConfig base = valid();
        Map<String, Function<RouterConfig, RouterConfig>> changes = new LinkedHashMap<>();
        changes.put("publicUrl", c -> c.withPublicUrl(URI.create("https://other.example.com")));
        changes.put(
                "timeouts",
                c -> c.withTimeouts(new RouterConfig.Timeouts(
                        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(4))));
        changes.put("limits", c -> c.withLimits(new RouterConfig.Limits(1, 2048)));
        changes.put("authPath", c -> c.withAuthPath("/token"));
        changes.put("admin", c -> c.withAdmin(new RouterConfig.Admin("y".repeat(32), Duration.ofSeconds(7))));
        changes.put(
                "accessLog",
                c -> c.withAccessLog(new RouterConfig.AccessLog(RouterConfig.AccessLog.Mode.ALL, 1, null, 10)));
        changes.put("operator", c -> c.withOperator(new RouterConfig.Operator("0.0.0.0", 9999)));
        changes.put(
                "egress",
                c -> c.withEgress(
                        new io.georeg.egress.PrimaryEgress(null, URI.create("http://proxy.example.com:3128"))));
        changes.put("fenceLease", c -> c.withFenceLease(Duration.ZERO));
        // outageTokens is the one part not listed: enabling it needs keys and a token configuration.
        for (var change : changes.entrySet()) {
            RouterConfig changed = change.getValue().apply(base);
            for (RecordComponent part : RouterConfig.class.getRecordComponents()) {
                Object before = part.getAccessor().invoke(base);
                Object after = part.getAccessor().invoke(changed);
                if (part.getName().equals(change.getKey())) {
                    assertThat(after).as(change.getKey()).isNotEqualTo(before);
                } else {
                    assertThat(after)
                            .as("%s kept by with %s", part.getName(), change.getKey())
                            .isEqualTo(before);
                }
            }
        }
    }

    @Test
    void everyProblemNamesItsKey() {
        RouterConfig bad = new RouterConfig(
                URI.create("registry.example.com"),
                "",
                70000,
                URI.create("http://p:5000/prefix"),
                URI.create("ftp://x/jwt/auth"),
                "/v2/token",
                null,
                new RouterConfig.Timeouts(
                        Duration.ofSeconds(5), Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1)),
                new RouterConfig.Limits(-1, 10),
                new RouterConfig.Circuit(0),
                Duration.ofHours(1),
                Duration.ofMillis(5),
                null,
                null,
                null,
                null,
                null);
        assertThat(String.join("\n", bad.problems()))
                .contains(
                        "router.publicUrl",
                        "router.primaryUrl",
                        "router.authUrl",
                        "router.authPath",
                        "router.bindHost",
                        "router.port",
                        "router.replicaUrl",
                        "router.timeouts.connect: at most 1.9s",
                        "router.timeouts.idle",
                        "router.limits.maxRequestBodyBytes",
                        "router.limits.maxHeldBodyBytes",
                        "router.circuit.failureThreshold",
                        "router.fenceLease");
        assertThatThrownBy(bad::validate)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("router.publicUrl");
    }

    @Test
    void authUrlIsOptional() {
        RouterConfig noAuth = RouterConfig.of(
                URI.create("http://127.0.0.1:8080"),
                0,
                URI.create("http://127.0.0.1:5000"),
                null,
                new RouterConfig.ReplicaEndpoint.Remote(URI.create("http://127.0.0.1:5001")));
        assertThat(noAuth.problems()).isEmpty();
    }

    @Test
    void aWeakAdminTokenIsRefusedAtStartUp() {
        RouterConfig weak = valid().withAdmin(new RouterConfig.Admin("secret", Duration.ofSeconds(1)));
        assertThat(weak.problems())
                .singleElement()
                .asString()
                .startsWith("router.admin.token: at least 32 characters")
                .contains("openssl rand -hex 32")
                .endsWith("got 6");
        assertThat(valid().withAdmin(new RouterConfig.Admin("x".repeat(32), Duration.ofSeconds(1)))
                        .problems())
                .isEmpty();
    }

    @Test
    void anAdminStoreTimeoutTooShortForAHealthyDatabaseIsRefusedAndAMissingOneTakesTheDefault() {
        RouterConfig tooShort =
                valid().withAdmin(new RouterConfig.Admin(null, Duration.ofSeconds(1), Duration.ofMillis(10)));
        assertThat(tooShort.problems())
                .singleElement()
                .asString()
                .startsWith("router.admin.storeTimeout: at least 100ms")
                .endsWith("got PT0.01S");
        assertThat(new RouterConfig.Admin(null, null, null).storeTimeout())
                .isEqualTo(RouterConfig.Admin.DEFAULT_STORE_TIMEOUT);
    }

    @Test
    void theOperatorListenerNeverSharesThePublicPort() {
        RouterConfig shared = RouterConfig.of(
                        URI.create("https://registry.example.com"),
                        8080,
                        URI.create("http://127.0.0.1:5000"),
                        null,
                        new RouterConfig.ReplicaEndpoint.Remote(URI.create("http://127.0.0.1:5001")))
                .withOperator(new RouterConfig.Operator("0.0.0.0", 8080));
        assertThat(shared.problems())
                .singleElement()
                .asString()
                .startsWith("router.operator.port: must differ from router.port");
    }
}
