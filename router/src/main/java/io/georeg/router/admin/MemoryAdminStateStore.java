package io.georeg.router.admin;

import java.net.URI;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The admin state of one router process that has no tracking database: switching it switches
 * this router only, and a restart returns to {@code normal} and the configured primary.
 */
public final class MemoryAdminStateStore implements AdminStateStore {
    private final AtomicReference<AdminState> state = new AtomicReference<>(AdminState.initial());

    @Override
    public AdminState read() {
        return state.get();
    }

    @Override
    public AdminState setMode(RouterMode mode, String reason) {
        return state.updateAndGet(s -> new AdminState(mode, reason, s.primaryUrl(), Instant.now()));
    }

    @Override
    public AdminState setPrimary(Optional<URI> url) {
        return state.updateAndGet(s -> new AdminState(s.mode(), s.reason(), url, Instant.now()));
    }
}
