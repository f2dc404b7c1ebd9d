package io.georeg.router.proxy;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Which header fields belong to one connection and must not cross the proxy (RFC 9110 section
 * 7.6.1: the fixed set, plus every name listed in {@code Connection}). Same set as Jetty's
 * {@code ProxyHandler}, plus {@code Expect}: the router's own server answers {@code 100
 * Continue} to the client when it starts reading, so the upstream must not see it again.
 */
public final class HopByHopHeaders {
    private static final Set<HttpHeader> FIXED = EnumSet.of(
            HttpHeader.CONNECTION,
            HttpHeader.KEEP_ALIVE,
            HttpHeader.PROXY_AUTHORIZATION,
            HttpHeader.PROXY_AUTHENTICATE,
            HttpHeader.PROXY_CONNECTION,
            HttpHeader.TRANSFER_ENCODING,
            HttpHeader.TE,
            HttpHeader.TRAILER,
            HttpHeader.UPGRADE,
            HttpHeader.EXPECT);

    /**
     * A message without {@code Connection}, as most are: nothing to collect, and no field's
     * lower-case name to work out (every proxied request and answer is looked at field by field).
     */
    private static final HopByHopHeaders FIXED_ONLY = new HopByHopHeaders(Set.of());

    private final Set<String> listedInConnection;

    private HopByHopHeaders(Set<String> listedInConnection) {
        this.listedInConnection = listedInConnection;
    }

    /** The hop-by-hop set of one message, given its header fields. */
    public static HopByHopHeaders of(HttpFields fields) {
        if (!fields.contains(HttpHeader.CONNECTION)) {
            return FIXED_ONLY;
        }
        Set<String> listed = new HashSet<>();
        for (String value : fields.getValuesList(HttpHeader.CONNECTION)) {
            for (String name : value.split(",")) {
                if (!name.isBlank()) {
                    listed.add(name.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return new HopByHopHeaders(listed);
    }

    public boolean isHopByHop(HttpField field) {
        HttpHeader header = field.getHeader();
        return (header != null && FIXED.contains(header))
                || (!listedInConnection.isEmpty() && listedInConnection.contains(field.getLowerCaseName()));
    }
}
