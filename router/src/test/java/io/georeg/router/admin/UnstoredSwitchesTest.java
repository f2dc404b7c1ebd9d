package io.georeg.router.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.db.DatabaseUnavailableException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * What is kept, stored and dropped of the switches a router applied while its store did not take
 * them, without a {@link SiteControl} around it: the applied state is what each test says it is.
 * SiteControlTest tries the same through polls and switches on a router.
 */
class UnstoredSwitchesTest {
    private static final URI CONFIGURED = URI.create("http://primary.invalid:5000");
    private static final URI PROMOTED = URI.create("http://promoted.invalid:5000");
    private static final UnaryOperator<AdminState> DRILL =
            s -> s.withMode(RouterMode.PRIMARY_DOWN, "drill", Instant.now());

    private final MemoryAdminStateStore store = new MemoryAdminStateStore();
    private final UnstoredSwitches unstored = new UnstoredSwitches(store, CONFIGURED, new Object(), Clock.systemUTC());
    private final List<AdminState> settled = new ArrayList<>();

    @Test
    void withNothingUnstoredAPollAppliesWhatItReadAndASwitchIsAPlainWrite() {
        AdminState read = store.read();
        assertThat(unstored.afterRead(read)).isEqualTo(UnstoredSwitches.AfterRead.APPLY);
        assertThat(unstored.basisToStoreOver()).as("nothing to store").isEmpty();

        AdminState written =
                unstored.store(Optional.empty(), DRILL, () -> store.setMode(RouterMode.FROZEN, "written"), () -> read);

        assertThat(written.mode()).as("the write, not the edit").isEqualTo(RouterMode.FROZEN);
        assertThat(unstored.why()).isEmpty();
    }

    @Test
    void aPollStoresUnstoredSwitchesOverTheStateTheyWereMadeOnWhileTheStoreStillHoldsIt() {
        AdminState basis = store.read();
        unstored.afterRead(basis);
        unstored.kept(unstored.refused(new DatabaseUnavailableException("the database does not answer", null)));
        AdminState applied = DRILL.apply(basis);

        assertThat(unstored.why())
                .hasValueSatisfying(
                        why -> assertThat(why).contains("not stored").contains("the database does not answer"));
        assertThat(unstored.afterRead(store.read())).isEqualTo(UnstoredSwitches.AfterRead.STORE);
        unstored.storeOver(applied, unstored.basisToStoreOver().orElseThrow(), settled::add);

        assertThat(store.read().mode()).isEqualTo(RouterMode.PRIMARY_DOWN);
        assertThat(settled).containsExactly(store.read());
    }

    @Test
    void unstoredSwitchesGiveWayToASwitchTheStoreTookSince() {
        AdminState basis = store.read();
        unstored.afterRead(basis);
        unstored.kept("unstored");
        AdminState applied = DRILL.apply(basis).withPrimary(Optional.of(PROMOTED), Instant.now());
        store.setMode(RouterMode.FROZEN, "set through another router");

        assertThat(unstored.afterRead(store.read())).isEqualTo(UnstoredSwitches.AfterRead.DROP);
        unstored.storeOver(applied, basis, settled::add);

        assertThat(store.read().primaryUrl())
                .as("nothing of the unstored ones went in")
                .isEmpty();
        assertThat(settled).containsExactly(store.read());
    }

    @Test
    void switchesMadeBeforeTheStoreEverAnsweredAreDroppedAndHaveNoBasis() {
        unstored.kept("unstored");

        assertThat(unstored.basisToStoreOver()).isEmpty();
        assertThat(unstored.afterRead(store.read())).isEqualTo(UnstoredSwitches.AfterRead.DROP);
    }

    @Test
    void theNextSwitchTheStoreTakesCarriesTheUnstoredOnesOrDropsThemWhenTheBasisMoved() {
        AdminState basis = store.read();
        unstored.afterRead(basis);
        unstored.kept("unstored");
        AdminState applied = basis.withPrimary(Optional.of(PROMOTED), Instant.now());

        AdminState carried = unstored.store(
                Optional.empty(), DRILL, () -> store.setMode(RouterMode.PRIMARY_DOWN, "drill"), () -> applied);
        assertThat(carried.primaryUrl()).contains(PROMOTED);
        assertThat(carried.mode()).isEqualTo(RouterMode.PRIMARY_DOWN);

        store.setMode(RouterMode.FROZEN, "set through another router");
        AdminState plain =
                unstored.store(Optional.empty(), DRILL, () -> store.setMode(RouterMode.NORMAL, "plain"), () -> applied);
        assertThat(plain.reason())
                .as("the store moved since the basis: the switch alone")
                .isEqualTo("plain");
    }

    @Test
    void aStoreThatFailsAgainKeepsThemForTheNextPoll() {
        AdminState basis = store.read();
        UnstoredSwitches failing =
                new UnstoredSwitches(new FailingStore(), CONFIGURED, new Object(), Clock.systemUTC());
        failing.afterRead(basis);
        failing.kept("unstored");

        failing.storeOver(DRILL.apply(basis), basis, settled::add);

        assertThat(settled).isEmpty();
        assertThat(failing.why()).isPresent();
        assertThatThrownBy(() ->
                        failing.store(Optional.empty(), DRILL, () -> store.setMode(RouterMode.NORMAL, ""), () -> basis))
                .isInstanceOf(DatabaseUnavailableException.class);
    }

    @Test
    void aSettledStateIsTheNewBasisAndNothingIsUnstored() {
        unstored.kept("unstored");
        AdminState fromStore = store.setMode(RouterMode.FROZEN, "");

        unstored.settled(fromStore);

        assertThat(unstored.why()).isEmpty();
        assertThat(unstored.afterRead(store.read())).isEqualTo(UnstoredSwitches.AfterRead.APPLY);
    }

    private static final class FailingStore implements AdminStateStore {
        @Override
        public AdminState read() {
            throw down();
        }

        @Override
        public AdminState setMode(RouterMode mode, String reason, Optional<AdminExpectation> expect) {
            throw down();
        }

        @Override
        public AdminState setPrimary(Optional<URI> url, Optional<AdminExpectation> expect) {
            throw down();
        }

        @Override
        public Optional<AdminState> storeIfUnchanged(AdminState wanted, Instant basis) {
            throw down();
        }

        private static DatabaseUnavailableException down() {
            return new DatabaseUnavailableException("the database does not answer", null);
        }
    }
}
