package io.georeg.testkit.metrics;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Prometheus text page: the sum of one metric's samples whose labels contain all those
 * given, or each sample by its labels (which tells a series at 0 from one not exported at all).
 * For the app's and the router's integration tests.
 */
public final class MetricsScrape {
    private static final Pattern LABEL = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private MetricsScrape() {}

    public static double sum(HttpClient http, URI metricsPage, String name, String... labels) throws Exception {
        String body = http.send(HttpRequest.newBuilder(metricsPage).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        double sum = 0;
        Matcher m = sample(name).matcher(body);
        while (m.find()) {
            String found = m.group(1) == null ? "" : m.group(1);
            boolean all = true;
            for (String label : labels) {
                all &= found.contains(label);
            }
            if (all) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    /** The samples of {@code name} on {@code page}, by their labels (sorted by name). */
    public static Map<Map<String, String>, Double> samples(String page, String name) {
        Map<Map<String, String>, Double> out = new LinkedHashMap<>();
        Matcher m = sample(name).matcher(page);
        while (m.find()) {
            Map<String, String> labels = new TreeMap<>();
            Matcher l = LABEL.matcher(m.group(1) == null ? "" : m.group(1));
            while (l.find()) {
                labels.put(l.group(1), l.group(2));
            }
            out.put(labels, Double.parseDouble(m.group(2)));
        }
        return out;
    }

    /** The value of the sample of {@code name} whose labels are exactly {@code labels} (name, value, …), if exported. */
    public static Optional<Double> value(String page, String name, String... labels) {
        Map<String, String> wanted = new TreeMap<>();
        for (int i = 0; i + 1 < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        return Optional.ofNullable(samples(page, name).get(wanted));
    }

    private static Pattern sample(String name) {
        return Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{([^}]*)})? (\\S+)$");
    }
}
