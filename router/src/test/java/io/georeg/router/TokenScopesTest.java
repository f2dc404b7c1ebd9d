package io.georeg.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.NamespaceOwners;
import io.georeg.router.outage.TokenRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenScopesTest {
    private static final NamespaceOwners OWNERS =
            new NamespaceOwners(Map.of("acme", "cell-1", "globex", "cell-2", "acme/web", "cell-3"), null);
    private static final Map<String, String> SERVICES =
            Map.of("cell-1", "registry-1", "cell-2", "registry-2", "cell-3", "registry-3");

    private static TokenScopes.Choice choose(String query) {
        return TokenScopes.choose(query, OWNERS::ownerOf, "cell-1", SERVICES::get)
                .orElseThrow();
    }

    @Test
    void aScopeThatCannotBeDecodedGoesToNoPrimary() {
        assertThat(TokenScopes.choose(
                        "service=registry-1&scope=repository%3Aglobex%2Fapp%3Apull%zz",
                        OWNERS::ownerOf, "cell-1", SERVICES::get))
                .isEmpty();
        assertThat(choose("service=registry-1&account=%zz").owner())
                .as("only scopes choose: another parameter goes on as sent")
                .isEqualTo("cell-1");
    }

    @Test
    void aPullGoesToTheOwnerOfItsRepositoryWithThatOwnersService() {
        TokenScopes.Choice c = choose("service=registry-1&" + TokenScopes.scope("globex/app", "pull"));
        assertThat(c.owner()).isEqualTo("cell-2");
        assertThat(c.query()).isEqualTo("service=registry-2&scope=repository%3Aglobex%2Fapp%3Apull");
    }

    @Test
    void aMountRequestGoesToThePushTargetsOwnerWithoutTheOtherCellsSourceScope() {
        // docker, containerd and skopeo: push,pull on the target, pull on the mount's source.
        TokenScopes.Choice c = choose("account=carol&service=registry-1&" + TokenScopes.scope("acme/app", "pull") + "&"
                + TokenScopes.scope("globex/copy", "pull,push"));
        assertThat(c.owner()).isEqualTo("cell-2");
        assertThat(c.query())
                .isEqualTo("account=carol&service=registry-2&scope=repository%3Aglobex%2Fcopy%3Apull%2Cpush");
    }

    @Test
    void scopesOfTheSameOwnerAreKept() {
        TokenScopes.Choice c =
                choose(TokenScopes.scope("acme/a", "pull,push") + "&" + TokenScopes.scope("acme/b", "pull"));
        assertThat(c.owner()).isEqualTo("cell-1");
        assertThat(c.query()).contains("acme%2Fa").contains("acme%2Fb");
    }

    @Test
    void theLongestNamespaceDecides() {
        assertThat(choose(TokenScopes.scope("acme/web/site", "pull")).owner()).isEqualTo("cell-3");
    }

    @Test
    void aLoginOrACatalogRequestGoesToTheDefault() {
        assertThat(choose("service=registry-1&offline_token=true").owner()).isEqualTo("cell-1");
        assertThat(choose("scope=registry%3Acatalog%3A*").query()).isEqualTo("scope=registry%3Acatalog%3A*");
        assertThat(choose(null).query()).isNull();
    }

    @Test
    void unownedRepositoriesAreDroppedAndDoNotChooseTheOwner() {
        TokenScopes.Choice c =
                choose(TokenScopes.scope("umbrella/x", "push") + "&" + TokenScopes.scope("globex/y", "pull"));
        assertThat(c.owner()).isEqualTo("cell-2");
        assertThat(c.query()).isEqualTo("scope=repository%3Aglobex%2Fy%3Apull");
    }

    @Test
    void aTokenRequestAsksToWriteWhenAnyOfItsScopesPushesOrDeletes() {
        assertThat(asksToWrite(null)).as("a login").isFalse();
        assertThat(asksToWrite("account=carol&service=registry-1")).isFalse();
        assertThat(asksToWrite("service=r&" + TokenScopes.scope("acme/app", "pull")))
                .isFalse();
        assertThat(asksToWrite("scope=registry%3Acatalog%3A*")).isFalse();
        assertThat(asksToWrite(
                        TokenScopes.scope("acme/app", "pull") + "&" + TokenScopes.scope("acme/copy", "pull,push")))
                .as("a mount: pull on the source, push on the target")
                .isTrue();
        assertThat(asksToWrite("scope=repository%3Aacme%2Fa%3Apull+repository%3Aacme%2Fb%3Adelete"))
                .as("the second of two space-separated scopes")
                .isTrue();
        assertThat(asksToWrite(TokenScopes.scope("acme/app", "*"))).isTrue();
        assertThat(asksToWrite("scope=repository:acme/app:push")).isTrue();
        assertThat(asksToWrite("scope=%zz")).as("cannot be told").isTrue();
    }

    /** A {@code GET}'s query read as the token route reads it. */
    private static boolean asksToWrite(String query) {
        return TokenRequest.ofQuery(null, query).mayAskToWrite(TokenScopes::scopesAskToWrite);
    }
}
