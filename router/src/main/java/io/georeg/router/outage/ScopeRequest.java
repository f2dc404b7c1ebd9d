package io.georeg.router.outage;

import io.georeg.oci.RepositoryName;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The scopes of a token request ({@code scope=repository:team/app:pull,push}, repeated or
 * space-separated, distribution's token protocol) read for the outage shield: only repository
 * scopes asking for {@code pull} (or {@code *}) on a valid repository name count; anything else —
 * push and delete alone, {@code registry:catalog:*}, malformed or traversing names — can never be
 * granted by the router and is left out. At most {@value #MAX_SCOPES} scope values are read.
 */
record ScopeRequest(Set<String> pullRepositories, int scopes) {
    static final int MAX_SCOPES = 64;

    /** {@code values}: every {@code scope} query parameter value. */
    static ScopeRequest of(List<String> values) {
        List<String> scopes = new ArrayList<>();
        for (String value : values) {
            for (String one : value.split(" ")) {
                if (!one.isEmpty()) {
                    scopes.add(one);
                }
            }
        }
        Set<String> pull = new LinkedHashSet<>();
        if (scopes.size() > MAX_SCOPES) {
            return new ScopeRequest(Set.of(), scopes.size());
        }
        for (String scope : scopes) {
            int first = scope.indexOf(':');
            int last = scope.lastIndexOf(':');
            if (first < 0 || last <= first || !"repository".equals(scope.substring(0, first))) {
                continue;
            }
            String name = scope.substring(first + 1, last);
            List<String> actions = List.of(scope.substring(last + 1).split(","));
            if (RepositoryName.isValid(name) && (actions.contains("pull") || actions.contains("*"))) {
                pull.add(name);
            }
        }
        return new ScopeRequest(Set.copyOf(pull), scopes.size());
    }

    boolean tooMany() {
        return scopes > MAX_SCOPES;
    }
}
