package io.georeg.replicator.reconcile;

import io.georeg.oci.RepositoryName;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Selective sync: which repositories this site replicates. A repository is replicated when it is
 * preheated, or when it matches an include pattern (or there are none) and no exclude pattern.
 * Patterns are globs over the repository name: {@code *} matches within one path component,
 * {@code **} across components ({@code team/**}, {@code *}/{@code base}). Used by the intake (events
 * of other repositories are recorded but queue nothing) and by reconcile (it crawls only these).
 */
public final class RepositoryFilter {
    public static final RepositoryFilter ALL = new RepositoryFilter(List.of(), List.of(), List.of());

    private final List<Pattern> include;
    private final List<Pattern> exclude;
    private final Set<String> preheated;
    /** What else a repository must be: owned by the primary this filter is for (several primaries). */
    private final java.util.function.Predicate<RepositoryName> also;

    public RepositoryFilter(List<String> include, List<String> exclude, List<RepositoryName> preheated) {
        this.include = include.stream().map(RepositoryFilter::compile).toList();
        this.exclude = exclude.stream().map(RepositoryFilter::compile).toList();
        this.preheated = preheated.stream().map(RepositoryName::value).collect(Collectors.toUnmodifiableSet());
        this.also = r -> true;
    }

    private RepositoryFilter(RepositoryFilter base, java.util.function.Predicate<RepositoryName> also) {
        this.include = base.include;
        this.exclude = base.exclude;
        this.preheated = base.preheated;
        this.also = base.also.and(also);
    }

    /**
     * This filter limited to the repositories {@code owned} accepts: those of one primary, when the
     * secondary serves several (a repository is replicated from its owner only).
     */
    public RepositoryFilter and(java.util.function.Predicate<RepositoryName> owned) {
        return new RepositoryFilter(this, owned);
    }

    public boolean replicates(RepositoryName repository) {
        if (!also.test(repository)) {
            return false;
        }
        String name = repository.value();
        if (preheated.contains(name)) {
            return true;
        }
        boolean included = include.isEmpty()
                || include.stream().anyMatch(p -> p.matcher(name).matches());
        return included && exclude.stream().noneMatch(p -> p.matcher(name).matches());
    }

    static Pattern compile(String glob) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    regex.append(".*");
                    i++;
                } else {
                    regex.append("[^/]*");
                }
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }

    static void checkPattern(String key, String pattern, List<String> problems) {
        if (pattern == null || pattern.isBlank() || !pattern.matches("[a-z0-9._/*-]+")) {
            problems.add(
                    key + " pattern '" + pattern + "' may only use repository name characters, '/' and '*' / '**'");
        }
    }
}
