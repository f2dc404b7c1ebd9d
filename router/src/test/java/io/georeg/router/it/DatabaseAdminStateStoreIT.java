package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.db.Transactions;
import io.georeg.router.admin.AdminExpectation;
import io.georeg.router.admin.AdminStateChanged;
import io.georeg.router.admin.DatabaseAdminStateStore;
import io.georeg.router.admin.RouterMode;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.TcpRelay;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The admin state store on a real PostgreSQL: what a poll sends (every router reads once per
 * {@code router.admin.pollInterval}), and that the store's bounds are kept by the server where
 * only the server can keep them. Tried: a read in one statement that set its own
 * {@code statement_timeout}, which PostgreSQL does not apply to the statement that sets it (a
 * read blocked by a table lock waited until the client gave the connection up), and the same read
 * as two statements in pgjdbc's simple query mode, where each is a transaction of its own; a write
 * whose connection went silent before its {@code COMMIT},
 * whose transaction kept the admin row locked against every other router until TCP gave up.
 */
class DatabaseAdminStateStoreIT {
    private static final Duration TIMEOUT = Duration.ofMillis(500);
    /** The client's network timeout is {@link #TIMEOUT} plus half a second; some slack for a loaded machine. */
    private static final Duration CLIENT_GIVES_UP = TIMEOUT.plusMillis(500).plusSeconds(2);

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    static Database direct;
    final List<String> sent = new CopyOnWriteArrayList<>();
    TcpRelay relay;
    /** A pool of the test's own (through the relay, or in a query mode), closed after it. */
    Database pool;

    @BeforeAll
    static void migrate() {
        direct = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())
                        .withMigrateOnStart(true))
                .start();
    }

    @AfterEach
    void closeRelay() {
        for (AutoCloseable c : new AutoCloseable[] {pool, relay}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        DB.execute("UPDATE router_admin_state SET mode = 'normal', reason = '', primary_url = NULL");
    }

    @AfterAll
    static void stop() {
        direct.close();
    }

    @Test
    void aSwitchWithAPreconditionIsMadeOnlyOverTheStateItExpectsAndOtherwiseNamesTheStateStored() {
        DatabaseAdminStateStore store = new DatabaseAdminStateStore(direct.transactions(), TIMEOUT);
        URI configured = URI.create("http://primary.invalid:5000");
        URI promoted = URI.create("http://registry-b.invalid:5000");
        store.setMode(RouterMode.PRIMARY_DOWN, "drill");
        // A promotion switches meanwhile, through another router.
        store.setMode(RouterMode.FROZEN, "promotion");

        AdminExpectation drillsOwn = new AdminExpectation(RouterMode.PRIMARY_DOWN, Optional.of(configured), configured);
        assertThatThrownBy(() -> store.setMode(RouterMode.NORMAL, "drill finished", Optional.of(drillsOwn)))
                .isInstanceOfSatisfying(
                        AdminStateChanged.class, e -> assertThat(e.now().mode()).isEqualTo(RouterMode.FROZEN))
                .hasMessageContaining("it is mode frozen (promotion) and primary " + configured);
        assertThat(store.read().mode())
                .as("the drill's restore did not unfreeze")
                .isEqualTo(RouterMode.FROZEN);

        // The promotion's own switch and unfreeze, each over the state it left.
        AdminExpectation frozenOnOld = new AdminExpectation(RouterMode.FROZEN, Optional.of(configured), configured);
        assertThat(store.setPrimary(Optional.of(promoted), Optional.of(frozenOnOld))
                        .primaryUrl())
                .hasValue(promoted);
        assertThatThrownBy(() -> store.setPrimary(Optional.of(promoted), Optional.of(frozenOnOld)))
                .as("the primary is compared too")
                .isInstanceOf(AdminStateChanged.class);
        AdminExpectation frozenOnNew = new AdminExpectation(RouterMode.FROZEN, Optional.of(promoted), configured);
        assertThat(store.setMode(RouterMode.NORMAL, "promotion finished", Optional.of(frozenOnNew))
                        .mode())
                .isEqualTo(RouterMode.NORMAL);
        AdminExpectation anyPrimary = new AdminExpectation(RouterMode.NORMAL, Optional.empty(), configured);
        assertThat(store.setMode(RouterMode.FROZEN, "mode only", Optional.of(anyPrimary))
                        .mode())
                .isEqualTo(RouterMode.FROZEN);
    }

    @Test
    void aPollsReadIsOneQueryStringWithoutTransactionControl() {
        DatabaseAdminStateStore store = new DatabaseAdminStateStore(recorded(direct.dataSource()), TIMEOUT);

        DB.execute("UPDATE router_admin_state SET mode = 'frozen', reason = 'promotion'");
        sent.clear();
        assertThat(store.read().mode()).isEqualTo(RouterMode.FROZEN);

        assertThat(sent)
                .as("one query string, sent in one round trip, where BEGIN, SET LOCAL, SELECT and COMMIT were")
                .singleElement()
                .satisfies(sql -> assertThat(sql)
                        .startsWith("SELECT set_config('statement_timeout', ?, true);")
                        .contains("FROM router_admin_state"));

        sent.clear();
        store.setMode(RouterMode.NORMAL, "");
        assertThat(sent).as("a write keeps its transaction").startsWith("BEGIN").endsWith("COMMIT");
    }

    /**
     * In both of pgjdbc's query modes: in the simple one ({@code preferQueryMode=simple}) each
     * statement of the read's query string went as a transaction of its own, so the setting had
     * ended before the read began and the read waited until the client gave the connection up,
     * leaving its backend waiting on the lock.
     */
    @ParameterizedTest(name = "preferQueryMode={0}")
    @ValueSource(strings = {"extended", "simple"})
    void aReadBlockedByALockIsEndedByTheServerWithinTheStoreTimeout(String queryMode) throws Exception {
        String url = DB.jdbcUrlInQueryMode(queryMode);
        pool = new Database(DatabaseConfig.of(url, DB.user(), DB.password()).withMaxPoolSize(2)).start();
        DatabaseAdminStateStore store = new DatabaseAdminStateStore(pool.transactions(), TIMEOUT);
        try (Connection locker = DB.connect()) {
            locker.setAutoCommit(false);
            try (Statement lock = locker.createStatement()) {
                lock.execute("LOCK TABLE router_admin_state IN ACCESS EXCLUSIVE MODE");
            }

            long started = System.nanoTime();
            assertThatThrownBy(store::read)
                    .as("PostgreSQL ended the read: the connection stays usable")
                    .hasMessageContaining("statement timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(CLIENT_GIVES_UP);
            assertThat(DB.queryLong("SELECT count(*) FROM pg_stat_activity"
                            + " WHERE datname = current_database() AND wait_event_type = 'Lock'"))
                    .as("no backend is left waiting on the lock")
                    .isZero();
            locker.rollback();
        }
        assertThat(store.read().mode()).isEqualTo(RouterMode.NORMAL);
    }

    @Test
    void aWriteWhoseConnectionGoesSilentBeforeItsCommitDoesNotKeepTheAdminRowLocked() {
        relay = TcpRelay.to(DB.host(), DB.port());
        pool = new Database(DatabaseConfig.of(DB.jdbcUrlThrough(relay.port()), DB.user(), DB.password())
                        .withMaxPoolSize(2))
                .start();
        DatabaseAdminStateStore store = new DatabaseAdminStateStore(pool.transactions(), TIMEOUT);
        relay.stallWhenClientSends("COMMIT");

        assertThatThrownBy(() -> store.setMode(RouterMode.PRIMARY_DOWN, "drill"))
                .as("the commit's answer never came");

        await().atMost(Duration.ofSeconds(10))
                .alias("another router can write the admin row again")
                .until(DatabaseAdminStateStoreIT::adminRowWritable);
        assertThat(DB.queryText("SELECT mode FROM router_admin_state"))
                .as("the silent transaction was rolled back")
                .isEqualTo("normal");
    }

    /** Whether a write of the admin row through a connection of its own gets its lock within 100 ms. */
    private static boolean adminRowWritable() throws SQLException {
        try (Connection c = DB.connect();
                Statement s = c.createStatement()) {
            s.execute("SET lock_timeout = '100ms'");
            s.executeUpdate("UPDATE router_admin_state SET reason = reason WHERE id = 1");
            return true;
        } catch (SQLException e) {
            if ("55P03".equals(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Transactions on {@code dataSource} whose connections record in {@link #sent} the SQL they
     * are given, with the start and end of a transaction as {@code BEGIN} and {@code COMMIT} (pgjdbc
     * sends BEGIN with the transaction's first statement).
     */
    private Transactions recorded(DataSource dataSource) {
        DataSource recording = proxy(
                DataSource.class,
                dataSource,
                (name, args, result) ->
                        name.equals("getConnection") ? recordingConnection((Connection) result) : result);
        return new Transactions(recording, 1);
    }

    private Connection recordingConnection(Connection connection) {
        return proxy(Connection.class, connection, (name, args, result) -> {
            switch (name) {
                case "setAutoCommit" -> {
                    if (!(Boolean) args[0]) {
                        sent.add("BEGIN");
                    }
                }
                case "commit" -> sent.add("COMMIT");
                case "rollback" -> sent.add("ROLLBACK");
                case "prepareStatement" -> sent.add((String) args[0]);
                case "createStatement" -> {
                    return proxy(Statement.class, (Statement) result, (statementMethod, sql, r) -> {
                        if (statementMethod.startsWith("execute") && sql != null && sql.length > 0) {
                            sent.add((String) sql[0]);
                        }
                        return r;
                    });
                }
                default -> {}
            }
            return result;
        });
    }

    /** What a proxy does with a call's result, knowing the method's name and arguments. */
    private interface AfterCall {
        Object apply(String method, Object[] args, Object result) throws Exception;
    }

    private static <T> T proxy(Class<T> type, T target, AfterCall after) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, method, args) -> {
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            return after.apply(method.getName(), args, result);
        }));
    }
}
