package io.georeg.replicator.copy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import org.junit.jupiter.api.Test;

class ThrottleTest {

    @Test
    void transfersAreNeverFasterThanTheLimitBeyondTheBurst() throws Exception {
        Throttle throttle = Throttle.of(4L * 1024 * 1024);
        long start = System.nanoTime();
        try (InputStream in = throttle.wrap(new ByteArrayInputStream(new byte[2 * 1024 * 1024]))) {
            assertThat(in.transferTo(OutputStream.nullOutputStream())).isEqualTo(2L * 1024 * 1024);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        // 2 MiB at 4 MiB/s is 0.5 s, less the 0.1 s burst allowance.
        assertThat(seconds).isGreaterThanOrEqualTo(0.39);
    }

    @Test
    void zeroMeansUnlimitedAndTheStreamIsNotWrapped() {
        InputStream raw = new ByteArrayInputStream(new byte[1]);
        assertThat(Throttle.of(0).wrap(raw)).isSameAs(raw);
    }
}
