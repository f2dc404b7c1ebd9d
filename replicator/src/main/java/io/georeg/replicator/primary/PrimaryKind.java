package io.georeg.replicator.primary;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Which registry product the primary is ({@code replicator.primary.kind}): it decides how the
 * reconcile crawl finds repositories ({@link RepositoryListing}). Everything else (the {@code /v2/}
 * API, the token flow, notifications) is distribution's for all three.
 */
public enum PrimaryKind {
    /** CNCF distribution and registries that serve its catalog ({@code /v2/_catalog}) to the replicator's account. */
    DISTRIBUTION,
    /**
     * The GitLab container registry: the catalog is for administrators only, so namespaces are
     * listed with its {@code /gitlab/v1/repository-paths/<path>/repositories/list/} API.
     */
    GITLAB,
    /**
     * Harbor: robot accounts are project-scoped and never get the catalog, so namespaces (projects)
     * are listed with Harbor's {@code /api/v2.0/projects/<project>/repositories} API.
     */
    HARBOR;

    /** The configuration's spelling: {@code distribution}, {@code gitlab}, {@code harbor}. */
    @JsonValue
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
