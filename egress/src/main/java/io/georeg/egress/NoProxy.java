package io.georeg.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The hosts that {@code primary.noProxy} sends directly instead of through {@code primary.proxy}:
 * a token service or object storage inside the network while the primary registry is outside it,
 * or one primary of several that needs no proxy. The entries read as the {@code NO_PROXY}
 * variable does for Go's HTTP clients (docker, containerd, podman, skopeo), the tools our users
 * configure beside georeg: {@code *} (every host), an IP address or CIDR block (matching hosts
 * given as addresses; names are not resolved), a domain name (that host and every subdomain), a
 * domain with a leading {@code .} or {@code *.} (subdomains only), each optionally with
 * {@code :port}. Unlike Go, loopback addresses are not exempt: the proxy is only taken where
 * configured, and no primary is on the router's own host in production. Used by
 * {@link PrimaryEgress} for both the JDK client (replicator) and Jetty's (router).
 */
final class NoProxy {
    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
    private static final Pattern NAME =
            Pattern.compile("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*");

    /** One parsed entry; port -1: any port. */
    private record Rule(
            boolean everything, byte[] network, int prefixBits, String domain, boolean subdomainsOnly, int port) {
        boolean matches(String host, byte[] address, int targetPort) {
            if (port >= 0 && port != targetPort) {
                return false;
            }
            if (everything) {
                return true;
            }
            if (network != null) {
                return address != null && address.length == network.length && samePrefix(address, network, prefixBits);
            }
            if (address != null) {
                return false; // a domain rule never matches an address
            }
            return host.endsWith("." + domain) || (!subdomainsOnly && host.equals(domain));
        }
    }

    private final List<Rule> rules;
    private final List<String> problems;

    private NoProxy(List<Rule> rules, List<String> problems) {
        this.rules = List.copyOf(rules);
        this.problems = List.copyOf(problems);
    }

    /** Parses the entries; an entry that cannot be read is a {@link #problems() problem}, never ignored. */
    static NoProxy parse(List<String> entries) {
        List<Rule> rules = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String raw : entries) {
            try {
                rules.add(rule(raw == null ? "" : raw.trim().toLowerCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                problems.add(PrimaryEgress.NO_PROXY_KEY + " entry '" + raw + "' " + e.getMessage()
                        + ": give a host name, .domain, an IP address or CIDR block, optionally with :port, or *");
            }
        }
        return new NoProxy(rules, problems);
    }

    List<String> problems() {
        return problems;
    }

    /** True when a connection to {@code host}:{@code port} goes directly, not through the proxy. */
    boolean bypasses(String host, int port) {
        if (host == null || rules.isEmpty()) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        byte[] address = literal(h);
        for (Rule rule : rules) {
            if (rule.matches(h, address, port)) {
                return true;
            }
        }
        return false;
    }

    private static Rule rule(String entry) {
        if (entry.isEmpty()) {
            throw new IllegalArgumentException("is empty");
        }
        String host = entry;
        int port = -1;
        if (entry.startsWith("[")) { // [v6] or [v6]:port
            int close = entry.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("has no closing ]");
            }
            host = entry.substring(1, close);
            String rest = entry.substring(close + 1);
            if (!rest.isEmpty()) {
                port = port(rest.startsWith(":") ? rest.substring(1) : rest);
            }
        } else if (entry.indexOf(':') >= 0 && entry.indexOf(':') == entry.lastIndexOf(':')) { // host:port
            int colon = entry.indexOf(':');
            host = entry.substring(0, colon);
            port = port(entry.substring(colon + 1));
        }
        if (host.equals("*")) {
            return new Rule(true, null, 0, null, false, port);
        }
        int slash = host.indexOf('/');
        if (slash >= 0) {
            byte[] network = literal(host.substring(0, slash));
            if (network == null) {
                throw new IllegalArgumentException("is a CIDR block without an IP address before the /");
            }
            int bits;
            try {
                bits = Integer.parseInt(host.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("has a prefix length that is not a number");
            }
            if (bits < 0 || bits > network.length * 8) {
                throw new IllegalArgumentException("has a prefix length outside 0–" + network.length * 8);
            }
            return new Rule(false, network, bits, null, false, port);
        }
        byte[] address = literal(host);
        if (address != null) {
            return new Rule(false, address, address.length * 8, null, false, port);
        }
        boolean subdomainsOnly = false;
        if (host.startsWith("*.")) {
            host = host.substring(2);
            subdomainsOnly = true;
        } else if (host.startsWith(".")) {
            host = host.substring(1);
            subdomainsOnly = true;
        }
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (!NAME.matcher(host).matches()) {
            throw new IllegalArgumentException("is not a host name");
        }
        return new Rule(false, null, 0, host, subdomainsOnly, port);
    }

    private static int port(String text) {
        if (!PORT.matcher(text).matches() || Integer.parseInt(text) < 1 || Integer.parseInt(text) > 65535) {
            throw new IllegalArgumentException("has a port that is not 1–65535");
        }
        return Integer.parseInt(text);
    }

    /** The bytes of an IPv4 or IPv6 literal; null for anything else (never a DNS lookup). */
    private static byte[] literal(String host) {
        if (!IPV4.matcher(host).matches() && host.indexOf(':') < 0) {
            return null;
        }
        try {
            // Four decimal octets, or text with a colon (which the JDK parses as IPv6 or refuses): a
            // literal either way, parsed without a lookup.
            return InetAddress.getByName(host).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean samePrefix(byte[] a, byte[] b, int bits) {
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >>> (i % 8);
            if ((a[i / 8] & mask) != (b[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }
}
