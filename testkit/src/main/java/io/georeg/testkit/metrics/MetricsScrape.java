package io.georeg.testkit.metrics;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Prometheus text page: the sum of one metric's samples whose labels contain all those
 * given. For the app's and the router's integration tests.
 */
public final class MetricsScrape {
    private MetricsScrape() {}

    public static double sum(HttpClient http, URI metricsPage, String name, String... labels) throws Exception {
        String body = http.send(HttpRequest.newBuilder(metricsPage).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        double sum = 0;
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{([^}]*)})? (\\S+)$")
                .matcher(body);
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
}
