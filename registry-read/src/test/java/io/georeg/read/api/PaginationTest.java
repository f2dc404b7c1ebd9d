package io.georeg.read.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.oci.ErrorCode;
import io.georeg.oci.OciException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PaginationTest {

    @Test
    void absentNMeansTheMaximum() {
        assertThat(Pagination.parse(null, null, 1000)).isEqualTo(new Pagination(1000, null));
        assertThat(Pagination.parse("", "", 1000)).isEqualTo(new Pagination(1000, null));
    }

    @Test
    void nextLinkCarriesLastAndN() {
        assertThat(Pagination.parse("2", "a", 1000).nextLink("/v2/x/tags/list", "c"))
                .isEqualTo("</v2/x/tags/list?last=c&n=2>; rel=\"next\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1001", "-1", "ten", "99999999999"})
    void nOutsideZeroToMaxIsPaginationNumberInvalid(String n) {
        assertThatThrownBy(() -> Pagination.parse(n, null, 1000))
                .isInstanceOfSatisfying(
                        OciException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PAGINATION_NUMBER_INVALID));
    }
}
