package io.georeg.status.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HtmlTest {
    @Test
    void textEscapesEveryCharacterThatCanOpenMarkupOrCloseAnAttribute() {
        assertThat(Html.text("<a href=\"x\" title='y'>&</a>"))
                .isEqualTo("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
    }

    @Test
    void scriptJsonCannotCloseItsScriptElement() {
        assertThat(Html.scriptJson("{\"r\":\"</script><!--&\"}"))
                .isEqualTo("{\"r\":\"\\u003c/script\\u003e\\u003c!--\\u0026\"}");
    }
}
