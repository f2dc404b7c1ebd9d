package io.georeg.router.fence;

import java.time.Instant;

/** One read-your-writes fence: a manifest pushed through the router (tag null for a push by digest). */
public record Fence(String repository, String tag, String digest, Instant createdAt, Instant expiresAt) {
}
