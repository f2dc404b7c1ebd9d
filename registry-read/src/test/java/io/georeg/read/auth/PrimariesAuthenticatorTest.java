package io.georeg.read.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.oci.ErrorCode;
import io.georeg.oci.NamespaceOwners;
import io.georeg.oci.RepositoryName;
import io.georeg.read.api.OciHttpException;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.auth.TestTokenIssuer.KeyKind;
import io.georeg.token.AccessRequest;
import io.georeg.token.TokenAuthConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three primaries, each with its own issuer, signing key and service: a repository takes only its
 * owner's tokens, whatever another primary's token grants, and its challenge names the owner's
 * service; the catalog takes the default primary's; the base endpoint any primary's.
 */
class PrimariesAuthenticatorTest {
    private static final String REALM = "https://registry.example.com/jwt/auth";
    private static final NamespaceOwners OWNERS =
            new NamespaceOwners(Map.of("acme", "cell-1", "globex", "cell-2", "acme/web", "cell-3"), null);

    @TempDir
    Path dir;

    private final Map<String, TestTokenIssuer> issuers = new LinkedHashMap<>();
    private PrimariesAuthenticator auth;

    @BeforeEach
    void threePrimaries() {
        Map<String, TokenAuthenticator> byPrimary = new LinkedHashMap<>();
        for (String cell : new String[] {"cell-1", "cell-2", "cell-3"}) {
            TestTokenIssuer issuer = TestTokenIssuer.create(KeyKind.EC, cell + "-issuer", cell + "-registry");
            issuers.put(cell, issuer);
            byPrimary.put(
                    cell,
                    TokenAuthenticator.create(
                            new TokenAuthConfig(
                                    REALM,
                                    issuer.service(),
                                    issuer.issuer(),
                                    issuer.writeRootBundle(dir.resolve(cell + ".pem"))),
                            Clock.systemUTC()));
        }
        auth = new PrimariesAuthenticator(byPrimary, OWNERS, "cell-1");
    }

    private String pullToken(String cell, String repository) {
        return "Bearer " + issuers.get(cell).token().pull(repository).sign();
    }

    private static AccessRequest pull(String repository) {
        return AccessRequest.pull(RepositoryName.of(repository));
    }

    @Test
    void aRepositoryTakesItsOwnersTokens() {
        assertThatCode(() -> auth.authorize(pullToken("cell-2", "globex/app"), pull("globex/app")))
                .doesNotThrowAnyException();
        assertThatCode(() -> auth.authorize(pullToken("cell-3", "acme/web/site"), pull("acme/web/site")))
                .as("the longest namespace decides")
                .doesNotThrowAnyException();
    }

    @Test
    void anotherPrimarysTokenIsRefusedWithTheOwnersChallengeWhateverItGrants() {
        assertThatThrownBy(() -> auth.authorize(pullToken("cell-1", "globex/app"), pull("globex/app")))
                .isInstanceOfSatisfying(OciHttpException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
                    assertThat(e.headerValue())
                            .startsWith("Bearer realm=\"" + REALM + "\",service=\"cell-2-registry\"")
                            .contains("error=\"invalid_token\"");
                });
        assertThatThrownBy(() -> auth.authorize(pullToken("cell-1", "acme/web/site"), pull("acme/web/site")))
                .as("acme/web is cell-3's although cell-1 owns acme")
                .isInstanceOfSatisfying(
                        OciHttpException.class,
                        e -> assertThat(e.headerValue()).contains("service=\"cell-3-registry\""));
    }

    @Test
    void withoutATokenTheChallengeNamesTheOwnersService() {
        assertThatThrownBy(() -> auth.authorize(null, pull("globex/app")))
                .isInstanceOfSatisfying(
                        OciHttpException.class,
                        e -> assertThat(e.headerValue())
                                .isEqualTo("Bearer realm=\"" + REALM
                                        + "\",service=\"cell-2-registry\",scope=\"repository:globex/app:pull\""));
    }

    @Test
    void theCatalogTakesTheDefaultPrimarysTokensAndTheBaseEndpointAnyPrimarys() {
        String catalog2 = "Bearer " + issuers.get("cell-2").token().catalog().sign();
        String catalog1 = "Bearer " + issuers.get("cell-1").token().catalog().sign();
        assertThatCode(() -> auth.authorize(catalog1, AccessRequest.catalog())).doesNotThrowAnyException();
        assertThatThrownBy(() -> auth.authorize(catalog2, AccessRequest.catalog()))
                .isInstanceOf(OciHttpException.class);
        for (String cell : issuers.keySet()) {
            assertThatCode(() -> auth.authorize(pullToken(cell, "any/repository"), null))
                    .as(cell + "'s token at /v2/")
                    .doesNotThrowAnyException();
        }
        assertThatThrownBy(() -> auth.authorize(null, null))
                .isInstanceOfSatisfying(
                        OciHttpException.class,
                        e -> assertThat(e.headerValue()).contains("service=\"cell-1-registry\""));
    }
}
