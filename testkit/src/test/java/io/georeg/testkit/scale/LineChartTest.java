package io.georeg.testkit.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChartTest {
    @TempDir
    Path temp;

    @Test
    void eachSeriesIsOnePolylineThroughItsPointsAndMissingValuesAreSkipped() throws Exception {
        Path table = temp.resolve("t.tsv");
        Files.writeString(table, "x\tfast\tslow\n1000\t1\t2\n10000\t1\t-\n100000\t1\t8\n");

        String svg = LineChart.svg(List.of(LineChart.Panel.parse("Title <a>|tags|ms|log|" + table)));

        assertThat(svg).startsWith("<svg").endsWith("</svg>\n").contains("Title &lt;a&gt;", ">fast<", ">slow<");
        List<String> polylines =
                svg.lines().filter(l -> l.startsWith("<polyline")).toList();
        assertThat(polylines).hasSize(2);
        assertThat(points(polylines.get(0))).isEqualTo(3);
        assertThat(points(polylines.get(1))).isEqualTo(2);
        // log x: 10^4 lies halfway between 10^3 and 10^5; the flat series is one horizontal line
        assertThat(polylines.get(0)).contains("points=\"80,").contains(" 320,").contains(" 560,");
        assertThat(svg).contains(">10^3<", ">10^5<");
    }

    @Test
    void theYAxisEndsAtARoundNumberAboveTheLargestValue() {
        assertThat(LineChart.niceCeiling(7.3)).isEqualTo(10);
        assertThat(LineChart.niceCeiling(180)).isEqualTo(200);
        assertThat(LineChart.niceCeiling(2100)).isEqualTo(2500);
        assertThat(LineChart.niceCeiling(0.04)).isCloseTo(0.05, within(1e-12));
    }

    private static int points(String polyline) {
        String points = polyline.substring(polyline.indexOf("points=\"") + 8, polyline.lastIndexOf('"'));
        return points.isBlank() ? 0 : points.trim().split(" ").length;
    }
}
