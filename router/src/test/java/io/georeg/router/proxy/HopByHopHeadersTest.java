package io.georeg.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;

class HopByHopHeadersTest {

    @Test
    void fixedFieldsAreHopByHopWithOrWithoutConnection() {
        HopByHopHeaders none = HopByHopHeaders.of(HttpFields.build().add("Accept", "*/*"));
        HopByHopHeaders some = HopByHopHeaders.of(HttpFields.build().add(HttpHeader.CONNECTION, "close"));
        for (HopByHopHeaders hop : new HopByHopHeaders[] {none, some}) {
            assertThat(hop.isHopByHop(new HttpField(HttpHeader.TRANSFER_ENCODING, "chunked")))
                    .isTrue();
            assertThat(hop.isHopByHop(new HttpField("Keep-Alive", "timeout=5"))).isTrue();
            assertThat(hop.isHopByHop(new HttpField(HttpHeader.EXPECT, "100-continue")))
                    .isTrue();
            assertThat(hop.isHopByHop(new HttpField(HttpHeader.AUTHORIZATION, "Bearer x")))
                    .isFalse();
            assertThat(hop.isHopByHop(new HttpField("X-Custom", "1"))).isFalse();
        }
    }

    @Test
    void namesListedInConnectionAreHopByHopWhateverTheirCase() {
        HopByHopHeaders hop = HopByHopHeaders.of(HttpFields.build()
                .add(HttpHeader.CONNECTION, "keep-alive, X-Hop")
                .add(HttpHeader.CONNECTION, " x-other ,"));
        assertThat(hop.isHopByHop(new HttpField("x-hop", "1"))).isTrue();
        assertThat(hop.isHopByHop(new HttpField("X-HOP", "1"))).isTrue();
        assertThat(hop.isHopByHop(new HttpField("X-Other", "1"))).isTrue();
        assertThat(hop.isHopByHop(new HttpField("X-Custom", "1"))).isFalse();
        assertThat(hop.isHopByHop(new HttpField(HttpHeader.ACCEPT, "*/*"))).isFalse();
    }
}
