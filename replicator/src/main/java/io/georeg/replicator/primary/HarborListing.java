package io.georeg.replicator.primary;

import io.georeg.oci.RepositoryName;
import java.util.function.Consumer;

/**
 * Harbor's listing of a project's repositories, for robot accounts (project-scoped, never granted
 * the catalog): {@code GET /api/v2.0/projects/<project>/repositories?page=1&page_size=100} with
 * the robot account's credentials as HTTP basic auth (Harbor's API does not take registry tokens)
 * answers a JSON array of {@code {"name": "<project>/<repository>", …}}, the next page named by a
 * {@code Link} header. A path below a project lists the project and keeps what is below the path.
 */
final class HarborListing implements RepositoryListing {
    /** The largest page Harbor's API serves. */
    private static final int PAGE_SIZE = 100;

    private final PrimaryTransport transport;

    HarborListing(PrimaryTransport transport) {
        this.transport = transport;
    }

    @Override
    public void forEachUnder(String path, Consumer<RepositoryName> sink) {
        int slash = path.indexOf('/');
        String project = slash < 0 ? path : path.substring(0, slash);
        JsonPages.forEach(
                transport,
                transport.uri("/api/v2.0/projects/" + project + "/repositories?page=1&page_size=" + PAGE_SIZE),
                null,
                JsonPages.Credentials.BASIC,
                page -> page,
                n -> {
                    String name = n.path("name").asText("");
                    if (RepositoryName.isValid(name) && RepositoryListing.isUnder(name, path)) {
                        sink.accept(RepositoryName.of(name));
                    }
                });
    }
}
