package io.georeg.replicator.primary;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code next} target of RFC 8288 {@code Link} headers, as distribution paginates the catalog
 * and tags list ({@code Link: </v2/_catalog?last=b&n=100>; rel="next"}).
 */
final class LinkHeader {
    private static final Pattern LINK = Pattern.compile("<([^>]*)>\\s*((?:;\\s*[^;,]+)*)");
    private static final Pattern REL_NEXT = Pattern.compile(";\\s*rel\\s*=\\s*\"?([^\";,]*)\"?");

    private LinkHeader() {}

    static Optional<String> next(List<String> headerValues) {
        for (String value : headerValues) {
            Matcher m = LINK.matcher(value);
            while (m.find()) {
                Matcher rel = REL_NEXT.matcher(m.group(2));
                while (rel.find()) {
                    for (String r : rel.group(1).trim().split("\\s+")) {
                        if ("next".equalsIgnoreCase(r)) {
                            return Optional.of(m.group(1));
                        }
                    }
                }
            }
        }
        return Optional.empty();
    }
}
