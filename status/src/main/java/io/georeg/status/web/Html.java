package io.georeg.status.web;

/**
 * Escapes text for HTML element content and quoted attribute values (the five characters
 * OWASP's XSS prevention rules name). Every string the status page takes from the database
 * (repository names, references, failure reasons) goes through {@link #text}.
 */
final class Html {
    private Html() {}

    static String text(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * JSON placed inside a {@code <script type="application/json">} element: {@code <}, {@code >}
     * and {@code &} become {@code \\u003c} etc. (valid in JSON strings, the only place they can
     * occur), so no {@code </script>} or comment opener can end the element early.
     */
    static String scriptJson(String json) {
        return json.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
    }
}
