package io.georeg.testkit.primary;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.georeg.testkit.auth.TestTokenEndpoint;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * A fake of Harbor's API ({@code /api/v2.0/}), the one route georeg uses, over a real
 * distribution's content: {@code GET /api/v2.0/projects/<project>/repositories?page=&page_size=}
 * answers {@code [{"id", "name": "<project>/<repository>", "project_id", "artifact_count"}]},
 * sorted by name, {@code page_size} (1–100, default 10) per page, a {@code Link} to the next page
 * and {@code X-Total-Count}. Credentials are HTTP basic (a robot account such as
 * {@code robot$mirror}) checked against the token service's users: none or wrong, 401; a user
 * without pull on the project, 403.
 */
public final class HarborApi implements HttpHandler {
    private static final String PROJECTS = "/api/v2.0/projects/";
    private static final String REPOSITORIES = "/repositories";

    private final URI registry;
    private final TestTokenEndpoint tokens;

    HarborApi(URI registry, TestTokenEndpoint tokens) {
        this.registry = registry;
        this.tokens = tokens;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            if (!"GET".equals(ex.getRequestMethod())
                    || !path.startsWith(PROJECTS)
                    || !path.endsWith(REPOSITORIES)
                    || path.substring(PROJECTS.length(), path.length() - REPOSITORIES.length())
                            .contains("/")) {
                RegistryApiFront.sendJson(ex, 404, GitLabRegistryApi.error("NOT_FOUND", "no such route in this fake"));
                return;
            }
            String project = path.substring(PROJECTS.length(), path.length() - REPOSITORIES.length());
            String authorization = ex.getRequestHeaders().getFirst("Authorization");
            if (!tokens.authenticates(authorization)) {
                RegistryApiFront.sendJson(ex, 401, GitLabRegistryApi.error("UNAUTHORIZED", "unauthorized"));
                return;
            }
            if (!tokens.authorizes(authorization, project + "/*", "pull")) {
                RegistryApiFront.sendJson(ex, 403, GitLabRegistryApi.error("FORBIDDEN", "forbidden"));
                return;
            }
            Map<String, String> query =
                    GitLabRegistryApi.query(ex.getRequestURI().getRawQuery());
            int page = Integer.parseInt(query.getOrDefault("page", "1"));
            int size = Integer.parseInt(query.getOrDefault("page_size", "10"));
            if (page < 1 || size < 1 || size > 100) {
                RegistryApiFront.sendJson(ex, 400, GitLabRegistryApi.error("BAD_REQUEST", "page, page_size"));
                return;
            }
            List<String> all = RegistryApiFront.repositories(registry, tokens.issuer()).stream()
                    .filter(r -> r.startsWith(project + "/"))
                    .toList();
            List<String> slice =
                    all.stream().skip((long) (page - 1) * size).limit(size).toList();
            ArrayNode body = RegistryApiFront.json().createArrayNode();
            int id = (page - 1) * size;
            for (String r : slice) {
                ObjectNode o = body.addObject();
                o.put("id", ++id);
                o.put("name", r);
                o.put("project_id", 1);
                o.put("artifact_count", 1);
            }
            ex.getResponseHeaders().set("X-Total-Count", Integer.toString(all.size()));
            if ((long) page * size < all.size()) {
                ex.getResponseHeaders()
                        .set(
                                "Link",
                                "<" + PROJECTS + project + REPOSITORIES + "?page=" + (page + 1) + "&page_size=" + size
                                        + ">; rel=\"next\"");
            }
            RegistryApiFront.sendJson(ex, 200, body);
        }
    }
}
