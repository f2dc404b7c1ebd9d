package io.georeg.router.admin;

import java.net.URI;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

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
    public AdminState setMode(RouterMode mode, String reason, Optional<AdminExpectation> expect) {
        return update(expect, s -> s.withMode(mode, reason, Instant.now()));
    }

    @Override
    public AdminState setPrimary(Optional<URI> url, Optional<AdminExpectation> expect) {
        return update(expect, s -> s.withPrimary(url, Instant.now()));
    }

    /** The comparison and the switch in one step: this state is the one applied on this router. */
    private AdminState update(Optional<AdminExpectation> expect, UnaryOperator<AdminState> edit) {
        while (true) {
            AdminState current = state.get();
            expect.ifPresent(e -> e.check(current));
            AdminState next = edit.apply(current);
            if (state.compareAndSet(current, next)) {
                return next;
            }
        }
    }

    @Override
    public Optional<AdminState> storeIfUnchanged(AdminState wanted, Instant basis) {
        AdminState current = state.get();
        AdminState next = new AdminState(wanted.mode(), wanted.reason(), wanted.primaryUrl(), Instant.now());
        return current.updatedAt().equals(basis) && state.compareAndSet(current, next)
                ? Optional.of(next)
                : Optional.empty();
    }
}
