package io.georeg.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClosingTest {

    @Test
    void closesEveryResourceInOrderSkippingNulls() throws Exception {
        List<String> closed = new ArrayList<>();

        Closing.closeAll(() -> closed.add("first"), null, () -> closed.add("second"));

        assertThat(closed).containsExactly("first", "second");
    }

    @Test
    void aFailureDoesNotStopTheRestAndTheFirstIsThrownWithTheLaterOnesSuppressed() {
        List<String> closed = new ArrayList<>();
        IOException first = new IOException("first failed");
        IllegalStateException second = new IllegalStateException("second failed");

        assertThatThrownBy(() -> Closing.closeAll(
                        () -> {
                            throw first;
                        },
                        () -> {
                            throw second;
                        },
                        () -> closed.add("third")))
                .isSameAs(first)
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(second));
        assertThat(closed).containsExactly("third");
    }
}
