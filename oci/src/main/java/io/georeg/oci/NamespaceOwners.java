package io.georeg.oci;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which primary registry owns a repository when one secondary serves several (cells, regions):
 * each primary owns repository namespaces, path prefixes such as {@code acme} or
 * {@code acme/web}; a repository belongs to the primary of the longest namespace that is the
 * repository itself or a whole-component prefix of it ({@code acme} owns {@code acme/app}, not
 * {@code acme-labs/app}); a repository no namespace covers belongs to the default primary, or to
 * none ({@link ErrorCode#NAME_UNKNOWN}) when there is no default. With a single primary that
 * primary is the default and owns every repository. Immutable; built from the configuration by the
 * app and asked by the router (which primary a write, fallback or token request goes to),
 * registry-read (whose tokens a repository takes) and the replicator (which primary a repository is
 * copied from).
 */
public final class NamespaceOwners {
    /** By namespace; iterated longest first so that the first match is the longest. */
    private final TreeMap<String, String> owners;

    private final String defaultOwner;

    /**
     * @param owners       namespace → owner name; every namespace a valid repository name
     * @param defaultOwner owner of the repositories no namespace covers, or null for none
     * @throws IllegalArgumentException when a namespace is not a repository name
     */
    public NamespaceOwners(Map<String, String> owners, String defaultOwner) {
        this.owners = new TreeMap<>((a, b) -> a.length() != b.length() ? b.length() - a.length() : a.compareTo(b));
        for (Map.Entry<String, String> e : owners.entrySet()) {
            if (!RepositoryName.isValid(e.getKey())) {
                throw new IllegalArgumentException(
                        "'" + e.getKey()
                                + "' is not a repository namespace: lower-case path components separated by '/', no leading or trailing '/'");
            }
            this.owners.put(e.getKey(), e.getValue());
        }
        this.defaultOwner = defaultOwner;
    }

    /** One primary, the default, owning every repository. */
    public static NamespaceOwners single(String owner) {
        return new NamespaceOwners(Map.of(), owner);
    }

    /** The owner of {@code repository}, or empty when no namespace covers it and there is no default. */
    public Optional<String> ownerOf(String repository) {
        if (repository != null) {
            for (Map.Entry<String, String> e : owners.entrySet()) {
                String namespace = e.getKey();
                if (repository.equals(namespace)
                        || (repository.startsWith(namespace) && repository.charAt(namespace.length()) == '/')) {
                    return Optional.of(e.getValue());
                }
            }
        }
        return Optional.ofNullable(defaultOwner);
    }

    /** Whether {@code owner} owns {@code repository}. */
    public boolean owns(String owner, String repository) {
        return ownerOf(repository).map(owner::equals).orElse(false);
    }

    /** The namespaces {@code owner} was given, in name order (empty for a default that owns no namespace of its own). */
    public List<String> namespacesOf(String owner) {
        List<String> namespaces = new ArrayList<>();
        owners.forEach((namespace, o) -> {
            if (o.equals(owner)) {
                namespaces.add(namespace);
            }
        });
        namespaces.sort(String::compareTo);
        return namespaces;
    }

    /** Every owner: those of a namespace and the default, in name order. */
    public List<String> owners() {
        java.util.TreeSet<String> all = new TreeSet<>(owners.values());
        if (defaultOwner != null) {
            all.add(defaultOwner);
        }
        return List.copyOf(all);
    }

    /** The owner of repositories no namespace covers, if any. */
    public Optional<String> defaultOwner() {
        return Optional.ofNullable(defaultOwner);
    }
}
