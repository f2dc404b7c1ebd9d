package io.georeg.replicator.primary;

import io.georeg.oci.RepositoryName;
import java.util.function.Consumer;

/**
 * The GitLab container registry's listing of the repositories below a path, for accounts without
 * the catalog (GitLab grants {@code registry:catalog:*} to administrators only): {@code GET
 * /gitlab/v1/repository-paths/<path>/repositories/list/?n=…} answers a JSON array of
 * {@code {"name", "path", …}} objects, the base repository and its sub-repositories, paginated by
 * {@code n}/{@code last} and a {@code Link} header like the catalog. It needs a token with pull on
 * the path's repositories; the scope comes from the registry's challenge, and
 * {@code repository:<path>/*:pull} is what is asked when the challenge names none.
 */
final class GitLabListing implements RepositoryListing {
    /** The largest page the GitLab registry serves. */
    private static final int PAGE_SIZE = 1000;

    private final PrimaryTransport transport;

    GitLabListing(PrimaryTransport transport) {
        this.transport = transport;
    }

    @Override
    public void forEachUnder(String path, Consumer<RepositoryName> sink) {
        JsonPages.forEach(
                transport,
                transport.uri("/gitlab/v1/repository-paths/" + path + "/repositories/list/?n=" + PAGE_SIZE),
                "repository:" + path + "/*:pull",
                JsonPages.Credentials.TOKEN_FLOW,
                page -> page,
                n -> {
                    String name = n.path("path").asText("");
                    if (RepositoryName.isValid(name) && RepositoryListing.isUnder(name, path)) {
                        sink.accept(RepositoryName.of(name));
                    }
                });
    }
}
