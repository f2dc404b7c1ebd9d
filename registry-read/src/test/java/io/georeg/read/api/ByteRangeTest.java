package io.georeg.read.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.oci.ErrorCode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class ByteRangeTest {

    @ParameterizedTest(name = "{0} of 100 bytes -> {1}..{2}")
    @CsvSource({
        "bytes=0-9, 0, 9",
        "bytes=10-, 10, 99",
        "bytes=-10, 90, 99",
        "bytes=-500, 0, 99",
        "bytes=90-200, 90, 99",
        "bytes=99-99, 99, 99",
        "BYTES=5-6, 5, 6"
    })
    void satisfiableRangesAreClampedToTheBlob(String header, long first, long last) {
        ByteRange r = ByteRange.parse(header, 100);
        assertThat(r).isEqualTo(new ByteRange(first, last));
        assertThat(r.contentRange(100)).isEqualTo("bytes " + first + "-" + last + "/100");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"items=0-1", "bytes=0-1,5-6", "bytes=a-b", "bytes=5-3", "bytes=", "bytes=-", "bytes 0-1"})
    void absentOrUnusableRangeServesTheWholeBlob(String header) {
        assertThat(ByteRange.parse(header, 100)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=100-", "bytes=100-200", "bytes=-0"})
    void rangeOutsideTheBlobIs416WithTheSizeInContentRange(String header) {
        assertThatThrownBy(() -> ByteRange.parse(header, 100)).isInstanceOfSatisfying(OciHttpException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.RANGE_INVALID);
            assertThat(e.code().httpStatus()).isEqualTo(416);
            assertThat(e.headerName()).isEqualTo("Content-Range");
            assertThat(e.headerValue()).isEqualTo("bytes */100");
        });
    }
}
