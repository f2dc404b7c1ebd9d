package io.georeg.app.config;

import io.georeg.oci.NamespaceOwners;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The primaries of this secondary as every component sees them, in one place: the entries of
 * {@code primaries} with {@code defaultPrimary}, or, when the list is empty, the one primary the
 * single-primary keys describe ({@code router.primaryUrl}, {@code router.authUrl},
 * {@code auth.token.*}), named
 * {@value #SINGLE} and owning every repository. {@link #problems} checks the list at start-up, each
 * problem naming its key ({@code primaries[1].namespaces}) and the fix.
 */
public final class Primaries {
    /** The name of the one primary of a configuration without {@code primaries}. */
    public static final String SINGLE = "primary";

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private final List<PrimarySection> primaries;
    private final NamespaceOwners owners;

    private Primaries(List<PrimarySection> primaries, NamespaceOwners owners) {
        this.primaries = List.copyOf(primaries);
        this.owners = owners;
    }

    /** The primaries of {@code config}; call {@link #problems} first (a valid configuration resolves). */
    public static Primaries of(GeoregConfig config) {
        if (config.primaries().isEmpty()) {
            return new Primaries(List.of(single(config)), NamespaceOwners.single(SINGLE));
        }
        Map<String, String> namespaces = new LinkedHashMap<>();
        for (PrimarySection p : config.primaries()) {
            p.namespaces().forEach(n -> namespaces.put(n, p.name()));
        }
        return new Primaries(config.primaries(), new NamespaceOwners(namespaces, config.defaultPrimary()));
    }

    /** Whether the configuration lists several primaries (or one under {@code primaries}). */
    public static boolean listed(GeoregConfig config) {
        return !config.primaries().isEmpty();
    }

    public List<PrimarySection> all() {
        return primaries;
    }

    public NamespaceOwners owners() {
        return owners;
    }

    public PrimarySection named(String name) {
        return primaries.stream()
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no primary named " + name));
    }

    private static PrimarySection single(GeoregConfig config) {
        RouterSection router = config.router();
        var token = config.auth().token();
        return new PrimarySection(
                SINGLE,
                List.of(),
                router == null ? null : router.primaryUrl(),
                router == null ? null : router.authUrl(),
                token == null ? null : token.service(),
                token == null ? null : token.issuer(),
                token == null ? null : token.rootCertBundle(),
                null,
                null,
                null,
                null,
                null,
                null);
    }

    /**
     * Every problem of {@code primaries} and {@code defaultPrimary}: names, namespaces (valid,
     * owned by one primary only), URLs, the token keys every primary needs with {@code auth.token}.
     * Empty for a configuration without the list.
     */
    static List<String> problems(GeoregConfig config) {
        List<String> problems = new ArrayList<>();
        List<PrimarySection> list = config.primaries();
        if (list.isEmpty()) {
            if (config.defaultPrimary() != null) {
                problems.add(
                        "defaultPrimary is set but primaries is empty: list the primaries, or remove defaultPrimary");
            }
            return problems;
        }
        Set<String> names = new HashSet<>();
        Map<String, String> namespaceKey = new HashMap<>();
        boolean tokens = config.auth().token() != null;
        if (config.auth().outage().trustsSiteTokens()) {
            problems.add("auth.outage: the outage shield is not available with primaries. It records the"
                    + " credentials and pull grants it learns without the primary that granted them, so a user of one"
                    + " primary could be given what another primary granted a user of the same name, and one primary's"
                    + " 401 would revoke the other's; it also checks learned tokens against auth.token's one issuer and"
                    + " bundle, stands in on one token service's circuit and signs for auth.token.service only."
                    + " Remove auth.outage.signingKey and publicKey (docs/cells.md, 'Not available with primaries')");
        }
        for (int i = 0; i < list.size(); i++) {
            PrimarySection p = list.get(i);
            String key = "primaries[" + i + "]";
            if (p == null) {
                problems.add(key + " is empty: give each primary a name, registryUrl and namespaces");
                continue;
            }
            if (p.name() == null || !NAME.matcher(p.name()).matches()) {
                problems.add(key + ".name: lower-case letters, digits and '-', e.g. cell-1; got " + p.name());
            } else if (!names.add(p.name())) {
                problems.add(key + ".name: '" + p.name() + "' names two primaries; give each its own name");
            }
            for (String namespace : p.namespaces()) {
                if (!io.georeg.oci.RepositoryName.isValid(namespace)) {
                    problems.add(
                            key + ".namespaces: '" + namespace
                                    + "' is not a repository path prefix (lower-case components separated by '/', no leading or trailing '/')");
                } else if (namespaceKey.containsKey(namespace)) {
                    problems.add(
                            key + ".namespaces: '" + namespace + "' is also owned by " + namespaceKey.get(namespace)
                                    + "; a namespace has one owner (a longer prefix may go to another primary)");
                } else {
                    namespaceKey.put(namespace, key + " (" + p.name() + ")");
                }
            }
            if (p.namespaces().isEmpty() && !java.util.Objects.equals(p.name(), config.defaultPrimary())) {
                problems.add(key + ".namespaces: list the repository namespaces " + p.name()
                        + " owns, or make it the defaultPrimary");
            }
            originOnly(key + ".registryUrl", p.registryUrl(), true, problems);
            if (p.registryUrl() != null
                    && p.registryUrl().getRawPath() != null
                    && !p.registryUrl().getRawPath().isEmpty()
                    && !p.registryUrl().getRawPath().equals("/")) {
                problems.add(key + ".registryUrl: scheme, host and port only, no path; got " + p.registryUrl());
            }
            originOnly(key + ".authUrl", p.authUrl(), false, problems);
            if (tokens) {
                if (p.authUrl() == null) {
                    problems.add(
                            key
                                    + ".authUrl: with auth.token every primary needs its token endpoint, e.g. https://gitlab-1.example.com/jwt/auth");
                }
                if (blank(p.service())) {
                    problems.add(
                            key
                                    + ".service: with auth.token, the aud its token service puts in tokens, e.g. container_registry");
                }
                if (blank(p.issuer())) {
                    problems.add(key + ".issuer: with auth.token, the iss of its tokens, e.g. gitlab-1-issuer");
                }
                if (p.rootCertBundle() == null || !java.nio.file.Files.isReadable(p.rootCertBundle())) {
                    problems.add(key
                            + ".rootCertBundle: with auth.token, a readable PEM file of the certificates that sign its tokens; got "
                            + p.rootCertBundle());
                }
            }
        }
        if (config.defaultPrimary() != null && !names.contains(config.defaultPrimary())) {
            problems.add("defaultPrimary: '" + config.defaultPrimary() + "' names no primary (primaries are "
                    + list.stream()
                            .filter(p -> p != null)
                            .map(PrimarySection::name)
                            .toList()
                    + "); name one, or remove it so that repositories no primary owns get NAME_UNKNOWN");
        }
        return problems;
    }

    /**
     * The replicator's problems of {@code primaries}: each primary's own intake path (distinct)
     * and secret, and its account. Checked where the replicator runs, as
     * {@code replicator.intake.secret} is.
     */
    static List<String> replicatorProblems(GeoregConfig config) {
        List<String> problems = new ArrayList<>();
        Map<String, String> intakeKey = new HashMap<>();
        Map<String, String> secretKey = new HashMap<>();
        List<PrimarySection> list = config.primaries();
        for (int i = 0; i < list.size(); i++) {
            PrimarySection p = list.get(i);
            String key = "primaries[" + i + "]";
            if (p == null) {
                continue;
            }
            if (blank(p.intakePath()) || !p.intakePath().startsWith("/")) {
                problems.add(
                        key + ".intakePath: the path it POSTs notifications to on the replicator's port, e.g. /events/"
                                + p.name());
            } else if (intakeKey.containsKey(p.intakePath())) {
                problems.add(key + ".intakePath: '" + p.intakePath() + "' is also " + intakeKey.get(p.intakePath())
                        + "; give each primary its own path");
            } else {
                intakeKey.put(p.intakePath(), key + ".intakePath");
            }
            try {
                String secret = source(config, p).intake().validate().resolvedSecret();
                // The secret is what tells one primary's notifications from another's: with one secret for
                // two, a primary whose notifications go to the other's intakePath is not refused, and what it
                // sends is recorded under a primary that does not own it, replicating nothing, silently.
                String sameAs = secretKey.putIfAbsent(secret, key + " (" + p.name() + ")");
                if (sameAs != null) {
                    problems.add(key + ".intakeSecret (or intakeSecretFile): the same secret as " + sameAs
                            + "; give each primary its own (openssl rand -hex 32), so that notifications sent to"
                            + " another primary's intakePath are refused (401) rather than recorded under it");
                }
            } catch (IllegalArgumentException e) {
                problems.add(key + ".intakeSecret (or intakeSecretFile): " + e.getMessage());
            }
            if (blank(p.username()) != (blank(p.password()) && p.passwordFile() == null)) {
                problems.add(key + ".password: set username with password (or passwordFile), or neither (anonymous)");
            }
        }
        return problems;
    }

    /**
     * What the replicator needs of each primary: its intake (path, secret; the header and body limit
     * of {@code replicator.intake}) and its registry (URL, account; the timeouts and kind of
     * {@code replicator.primary}).
     */
    public List<io.georeg.replicator.PrimarySource> sources(GeoregConfig config) {
        if (!listed(config)) {
            ReplicatorSection r = config.replicator();
            return List.of(new io.georeg.replicator.PrimarySource(SINGLE, r.intake(), r.primary()));
        }
        return primaries.stream().map(p -> source(config, p)).toList();
    }

    private static io.georeg.replicator.PrimarySource source(GeoregConfig config, PrimarySection p) {
        var intake = config.replicator().intake();
        var primary = config.replicator().primary();
        return new io.georeg.replicator.PrimarySource(
                p.name(),
                new io.georeg.replicator.intake.IntakeConfig(
                        p.intakePath(),
                        intake.secretHeader(),
                        p.intakeSecret(),
                        p.intakeSecretFile(),
                        intake.maxBodyBytes()),
                new io.georeg.replicator.primary.PrimaryConfig(
                        p.registryUrl(),
                        p.username(),
                        p.password(),
                        p.passwordFile(),
                        primary.connectTimeout(),
                        primary.requestTimeout(),
                        primary.kind()));
    }

    private static void originOnly(String key, URI url, boolean required, List<String> problems) {
        if (url == null) {
            if (required) {
                problems.add(key + ": required, e.g. https://registry-1.example.com");
            }
            return;
        }
        if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
            problems.add(key + ": an http(s) URL; got " + url);
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
