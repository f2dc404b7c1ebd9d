package io.georeg.router.admin;

/**
 * A switch was not made because the admin state is no longer what its {@link AdminExpectation}
 * said: another operator, drill or promotion switched it meanwhile. Carries the state as it is
 * now; {@link AdminEndpoint} answers it 409 with that state.
 */
public final class AdminStateChanged extends RuntimeException {
    private final transient AdminState now;

    AdminStateChanged(AdminExpectation expected, AdminState now) {
        super("the admin state changed meanwhile: it is mode " + now.mode().label()
                + (now.reason().isBlank() ? "" : " (" + now.reason() + ")") + " and primary "
                + now.primaryUrl().orElse(expected.configuredPrimary()) + " since " + now.updatedAt()
                + ", not " + expected.describe() + " as expected; nothing was changed");
        this.now = now;
    }

    public AdminState now() {
        return now;
    }
}
