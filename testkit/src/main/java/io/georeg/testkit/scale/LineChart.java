package io.georeg.testkit.scale;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws the curves of {@code scripts/bench-scale} as one plain SVG file: panels stacked top to
 * bottom, each a line chart of the columns of a tab-separated table. No dependency: the benchmark
 * writes its pictures with the JDK alone.
 *
 * <pre>java -cp testkit.cp io.georeg.testkit.scale.LineChart OUT.svg PANEL...</pre>
 *
 * A PANEL is {@code title|x label|y label|log or lin|table.tsv}. The table's first line names the
 * columns ({@code x}, then one series each); every other line is the x value and one value per
 * series, {@code -} where a series has none. A log x axis suits sizes in powers of ten; the y axis
 * is linear from zero, so that a flat curve looks flat and a bend shows at its true size.
 */
public final class LineChart {
    private static final int WIDTH = 760;
    private static final int PANEL_HEIGHT = 320;
    private static final int LEFT = 80;
    private static final int RIGHT = 200;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    private static final String[] COLOURS = {
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"
    };

    /** One panel: its labels, whether x is logarithmic, and its table. */
    record Panel(String title, String xLabel, String yLabel, boolean logX, Table table) {
        static Panel parse(String spec) throws IOException {
            String[] parts = spec.split("\\|", -1);
            if (parts.length != 5 || !(parts[3].equals("log") || parts[3].equals("lin"))) {
                throw new IllegalArgumentException(
                        "a panel is 'title|x label|y label|log or lin|table.tsv', got: " + spec);
            }
            return new Panel(parts[0], parts[1], parts[2], parts[3].equals("log"), Table.read(Path.of(parts[4])));
        }
    }

    /** Columns of a table: x values and one series per further column ({@code NaN} where missing). */
    record Table(List<String> series, List<Double> xs, List<double[]> rows) {
        static Table read(Path file) throws IOException {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank())
                    .toList();
            if (lines.isEmpty()) {
                throw new IllegalArgumentException(file + " is empty: it needs a header line");
            }
            String[] header = lines.getFirst().split("\t");
            List<String> series = List.of(header).subList(1, header.length);
            List<Double> xs = new ArrayList<>();
            List<double[]> rows = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] cells = line.split("\t");
                xs.add(Double.parseDouble(cells[0]));
                double[] values = new double[series.size()];
                for (int i = 0; i < values.length; i++) {
                    String cell = i + 1 < cells.length ? cells[i + 1].trim() : "-";
                    values[i] = cell.equals("-") || cell.isEmpty() ? Double.NaN : Double.parseDouble(cell);
                }
                rows.add(values);
            }
            return new Table(series, xs, rows);
        }
    }

    private LineChart() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: LineChart OUT.svg 'title|x label|y label|log or lin|table.tsv'...");
            System.exit(2);
        }
        List<Panel> panels = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            panels.add(Panel.parse(args[i]));
        }
        Files.writeString(Path.of(args[0]), svg(panels), StandardCharsets.UTF_8);
    }

    static String svg(List<Panel> panels) {
        StringBuilder out = new StringBuilder();
        out.append(fmt(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\""
                        + " font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                WIDTH, PANEL_HEIGHT * panels.size()));
        for (int i = 0; i < panels.size(); i++) {
            panel(out, panels.get(i), i * PANEL_HEIGHT);
        }
        return out.append("</svg>\n").toString();
    }

    private static void panel(StringBuilder out, Panel p, int top) {
        int x0 = LEFT;
        int x1 = WIDTH - RIGHT;
        int y0 = top + PANEL_HEIGHT - BOTTOM;
        int y1 = top + TOP;
        Table t = p.table();
        double xmin = t.xs().stream().mapToDouble(x -> axisX(p, x)).min().orElse(0);
        double xmax = t.xs().stream().mapToDouble(x -> axisX(p, x)).max().orElse(1);
        if (xmax == xmin) {
            xmax = xmin + 1;
        }
        double ymax = t.rows().stream()
                .flatMapToDouble(java.util.Arrays::stream)
                .filter(v -> !Double.isNaN(v))
                .max()
                .orElse(1);
        ymax = niceCeiling(ymax > 0 ? ymax : 1);
        out.append(fmt(
                "<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">%s</text>\n",
                x0, top + 22, esc(p.title())));
        out.append(fmt(
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>"
                        + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
                x0, y0, x1, y0, x0, y0, x0, y1));
        for (int k = 0; k <= 4; k++) {
            double v = ymax * k / 4;
            int y = (int) Math.round(y0 - (y0 - y1) * (double) k / 4);
            out.append(fmt(
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                            + "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
                    x0, y, x1, y, x0 - 6, y + 4, number(v)));
        }
        for (double x : t.xs()) {
            int px = px(p, x, xmin, xmax, x0, x1);
            out.append(fmt(
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>"
                            + "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                    px, y0, px, y0 + 5, px, y0 + 18, number(x)));
        }
        out.append(fmt(
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", (x0 + x1) / 2, y0 + 38, esc(p.xLabel())));
        out.append(fmt(
                "<text transform=\"translate(%d,%d) rotate(-90)\" text-anchor=\"middle\">%s</text>\n",
                18, (y0 + y1) / 2, esc(p.yLabel())));
        for (int s = 0; s < t.series().size(); s++) {
            String colour = COLOURS[s % COLOURS.length];
            StringBuilder points = new StringBuilder();
            for (int r = 0; r < t.xs().size(); r++) {
                double v = t.rows().get(r)[s];
                if (Double.isNaN(v)) {
                    continue;
                }
                int px = px(p, t.xs().get(r), xmin, xmax, x0, x1);
                int py = (int) Math.round(y0 - (y0 - y1) * v / ymax);
                points.append(px).append(',').append(py).append(' ');
                out.append(fmt("<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"%s\"/>\n", px, py, colour));
            }
            out.append(fmt(
                    "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>\n",
                    colour, points.toString().trim()));
            int ly = y1 + 14 + s * 18;
            out.append(fmt(
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>"
                            + "<text x=\"%d\" y=\"%d\">%s</text>\n",
                    x1 + 12,
                    ly - 4,
                    x1 + 32,
                    ly - 4,
                    colour,
                    x1 + 38,
                    ly,
                    esc(t.series().get(s))));
        }
    }

    private static double axisX(Panel p, double x) {
        return p.logX() ? Math.log10(Math.max(x, 1e-9)) : x;
    }

    private static int px(Panel p, double x, double xmin, double xmax, int x0, int x1) {
        return (int) Math.round(x0 + (x1 - x0) * (axisX(p, x) - xmin) / (xmax - xmin));
    }

    /** The smallest of 1, 2, 2.5, 5 times a power of ten that is at least {@code v}. */
    static double niceCeiling(double v) {
        double power = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * power >= v) {
                return step * power;
            }
        }
        return 10 * power;
    }

    private static String number(double v) {
        if (v >= 1000 && v == Math.rint(v) && Math.log10(v) == Math.rint(Math.log10(v))) {
            return "10^" + (int) Math.log10(v);
        }
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
