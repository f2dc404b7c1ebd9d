package io.georeg.token;

import io.georeg.oci.RepositoryName;

/**
 * One resource action a request needs, in the token scope vocabulary of distribution's
 * {@code auth.token} ({@code type:name:action}): {@code repository:<name>:pull} for content,
 * {@code registry:catalog:*} for the catalog.
 */
public record AccessRequest(String type, String name, String action) {

    public static AccessRequest pull(RepositoryName repository) {
        return new AccessRequest("repository", repository.value(), "pull");
    }

    public static AccessRequest catalog() {
        return new AccessRequest("registry", "catalog", "*");
    }

    /** The scope string of a challenge: {@code repository:foo/bar:pull}. */
    public String scope() {
        return type + ":" + name + ":" + action;
    }
}
