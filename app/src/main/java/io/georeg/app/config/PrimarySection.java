package io.georeg.app.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * One entry of {@code primaries}: a primary registry of a secondary that serves several (cells,
 * regions, a second GitLab instance) under one hostname, and the repository namespaces it owns
 * ({@link io.georeg.oci.NamespaceOwners}: longest prefix wins). {@link Primaries} validates the list
 * and derives the single primary of a configuration without {@code primaries} from the existing
 * keys, so every component sees a list either way.
 *
 * @param name           how logs, metrics ({@code primary} label) and messages name it, e.g. {@code cell-1}
 * @param namespaces     repository path prefixes it owns, e.g. {@code acme}, {@code acme/web}
 * @param registryUrl    its registry: writes, uploads and fallback reads through the router, copies
 * @param authUrl        its token endpoint (its {@code auth.token.realm}); null without token auth
 * @param service        the {@code aud} its token service puts in tokens (with {@code auth.token})
 * @param issuer         the {@code iss} of its tokens (with {@code auth.token})
 * @param rootCertBundle PEM certificates whose keys sign its tokens (with {@code auth.token})
 * @param intakePath     where it POSTs its notifications on the replicator's port, e.g. {@code /events/cell-1}
 * @param intakeSecret   the shared secret its notifications carry
 * @param intakeSecretFile a file holding {@code intakeSecret}
 * @param username       the replicator's account on it; null: anonymous
 * @param password       that account's password
 * @param passwordFile   a file holding {@code password}
 */
public record PrimarySection(
        String name,
        List<String> namespaces,
        URI registryUrl,
        URI authUrl,
        String service,
        String issuer,
        Path rootCertBundle,
        String intakePath,
        String intakeSecret,
        Path intakeSecretFile,
        String username,
        String password,
        Path passwordFile) {

    public PrimarySection {
        namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    }
}
