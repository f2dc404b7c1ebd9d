package io.georeg.app.health;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One scrape of a component's {@code /metrics} page (Prometheus text exposition 0.0.4): its samples,
 * and sums over those matching a name and labels. Read by {@link HealthGate}; only the sample lines
 * are parsed (comments, types and help are skipped), label values with escapes included.
 */
record Samples(List<Sample> samples) {

    record Sample(String name, Map<String, String> labels, double value) {}

    Samples {
        samples = List.copyOf(samples);
    }

    /** Parses a text exposition; a line it cannot read is an error that quotes it. */
    static Samples parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            out.add(sample(l));
        }
        return new Samples(out);
    }

    /** The sum of the samples named {@code name} whose labels include every pair in {@code labels}. */
    double sum(String name, Map<String, String> labels) {
        double sum = 0;
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())) {
                sum += s.value();
            }
        }
        return sum;
    }

    /** The largest value of the samples named {@code name}, 0 when there is none. */
    double max(String name) {
        return samples.stream()
                .filter(s -> s.name().equals(name))
                .mapToDouble(Sample::value)
                .max()
                .orElse(0);
    }

    /** Whether any sample is named {@code name}. */
    boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name().equals(name));
    }

    /** The values of label {@code label} among the samples named {@code name}, in order of appearance. */
    List<String> labelValues(String name, String label) {
        return samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().containsKey(label))
                .map(s -> s.labels().get(label))
                .distinct()
                .toList();
    }

    private static Sample sample(String line) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        if (space < 0) {
            throw new IllegalArgumentException("not a metrics sample line: " + line);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        String name;
        int rest;
        if (brace >= 0 && brace < space) {
            name = line.substring(0, brace);
            int i = brace + 1;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String key = line.substring(i, eq).strip();
                StringBuilder value = new StringBuilder();
                int j = eq + 2; // past ="
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(key, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            rest = i + 1;
        } else {
            name = line.substring(0, space);
            rest = space;
        }
        String[] valueAndTime = line.substring(rest).strip().split("\\s+");
        return new Sample(name, labels, Double.parseDouble(valueAndTime[0]));
    }
}
