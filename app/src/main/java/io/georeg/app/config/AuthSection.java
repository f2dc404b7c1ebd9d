package io.georeg.app.config;

import io.georeg.read.auth.TokenAuthConfig;
import java.util.List;

/**
 * The {@code auth} section. {@code auth.token} (registry-read's {@link TokenAuthConfig},
 * distribution's {@code auth.token} model) turns bearer-token checks on; without it every pull is
 * anonymous.
 */
public record AuthSection(TokenAuthConfig token) {

    List<String> problems() {
        if (token == null) {
            return List.of();
        }
        try {
            token.validate();
            return List.of();
        } catch (IllegalArgumentException e) {
            return List.of(e.getMessage());
        }
    }
}
