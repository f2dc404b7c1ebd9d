package io.georeg.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.TcpRelay;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TransactionsIT {

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    private static Database database;

    @BeforeAll
    static void start() {
        database = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())).start();
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @BeforeEach
    void table() {
        database.transactions().inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("drop table if exists counter");
                s.execute("create table counter (id int primary key, n int not null)");
                s.execute("insert into counter values (1, 0)");
            }
            return null;
        });
    }

    @Test
    void serializationFailureIsRetriedAndTheWorkCommitsOnce() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        CountDownLatch firstAttemptRead = new CountDownLatch(1);
        CountDownLatch concurrentUpdateDone = new CountDownLatch(1);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            Future<?> concurrent = other.submit(() -> {
                await(firstAttemptRead);
                database.transactions().inTransaction(c -> update(c, "update counter set n = n + 100 where id = 1"));
                concurrentUpdateDone.countDown();
                return null;
            });
            int result = database.transactions().inTransaction(Transactions.Isolation.SERIALIZABLE, c -> {
                int n = readCounter(c);
                if (attempts.incrementAndGet() == 1) {
                    // Another transaction changes the row this one has read: its update must fail with 40001.
                    firstAttemptRead.countDown();
                    await(concurrentUpdateDone);
                }
                update(c, "update counter set n = " + (n + 1) + " where id = 1");
                return n + 1;
            });
            concurrent.get(10, TimeUnit.SECONDS);
            assertThat(attempts.get()).isEqualTo(2);
            assertThat(result).isEqualTo(101);
            assertThat(database.transactions().read(TransactionsIT::readCounter))
                    .isEqualTo(101);
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void retriesAreBoundedAndTheConflictIsRethrown() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> database.transactions().inTransaction(c -> {
                    attempts.incrementAndGet();
                    throw new SQLException("could not serialize access", "40001");
                }))
                .isInstanceOf(DatabaseException.class)
                .extracting(e -> ((DatabaseException) e).sqlState())
                .isEqualTo("40001");
        assertThat(attempts.get()).isEqualTo(DatabaseConfig.DEFAULT_MAX_TRANSACTION_ATTEMPTS);
    }

    @Test
    void otherErrorsAreRethrownAtOnceAndRolledBack() {
        AtomicInteger attempts = new AtomicInteger();
        IllegalStateException boom = new IllegalStateException("boom");
        assertThatThrownBy(() -> database.transactions().inTransaction(c -> {
                    attempts.incrementAndGet();
                    update(c, "update counter set n = 42 where id = 1");
                    throw boom;
                }))
                .isSameAs(boom);
        assertThat(attempts.get()).isEqualTo(1);
        assertThat(database.transactions().read(TransactionsIT::readCounter)).isZero();

        assertThatThrownBy(() -> database.transactions().inTransaction(c -> update(c, "update nope set x = 1")))
                .isInstanceOf(DatabaseException.class)
                .isNotInstanceOf(DatabaseUnavailableException.class)
                .hasMessageContaining("nope");
    }

    /**
     * {@link Transactions#atomically}: a multi-statement's statements stand or fall together in
     * both of pgjdbc's query modes. In the simple one pgjdbc sends each statement as a query of its
     * own, so on an auto-commit connection a failing second statement neither undoes the first nor
     * stops the third: the case the fallback to a transaction is for.
     */
    @Test
    void aMultiStatementStandsOrFallsTogetherInEveryQueryMode() {
        String failsInTheMiddle = "update counter set n = n + 1 where id = 1;"
                + " select 1 / (n - n) from counter;"
                + " update counter set n = n + 10 where id = 1";
        String succeeds = "update counter set n = n + 1 where id = 1; update counter set n = n + 10 where id = 1";
        for (String mode : List.of("extended", "simple")) {
            try (Database inMode = inQueryMode(mode)) {
                int before = database.transactions().read(TransactionsIT::readCounter);
                assertThatThrownBy(() -> inMode.transactions().atomically(c -> execute(c, failsInTheMiddle)))
                        .as(mode)
                        .isInstanceOf(DatabaseException.class)
                        .hasMessageContaining("division by zero");
                assertThat(database.transactions().read(TransactionsIT::readCounter))
                        .as("%s: the first statement undone", mode)
                        .isEqualTo(before);

                inMode.transactions().atomically(c -> execute(c, succeeds));
                assertThat(database.transactions().read(TransactionsIT::readCounter))
                        .as("%s: both statements committed", mode)
                        .isEqualTo(before + 11);
            }
        }
        try (Database simple = inQueryMode("simple")) {
            int before = database.transactions().read(TransactionsIT::readCounter);
            assertThatThrownBy(() -> simple.transactions().autoCommit(c -> execute(c, failsInTheMiddle)))
                    .isInstanceOf(DatabaseException.class);
            assertThat(database.transactions().read(TransactionsIT::readCounter))
                    .as("simple mode, auto-commit: the statements around the failing one stay")
                    .isEqualTo(before + 11);
        }
    }

    /**
     * A database (or role, or server) whose {@code default_transaction_isolation} is repeatable
     * read: georeg's connections still run at read committed, in transactions and in auto-commit
     * statements alike (see {@link Database#start} for why), and so do the connections it keeps
     * outside the pool ({@link DedicatedConnection}).
     */
    @Test
    void connectionsRunAtReadCommittedWhateverTheDatabasesDefault() throws SQLException {
        try (TestDatabase own = TestDatabase.create()) {
            own.repeatableReadByDefault();
            try (Connection c = own.connect()) {
                assertThat(TestDatabase.isolationOf(c))
                        .as("a new session's default")
                        .isEqualTo("repeatable read");
            }
            for (String mode : List.of("extended", "simple")) {
                try (Database repeatableReadByDefault = inQueryMode(own, mode)) {
                    Transactions tx = repeatableReadByDefault.transactions();
                    assertThat(tx.read(TestDatabase::isolationOf)).as(mode).isEqualTo("read committed");
                    assertThat(tx.inTransaction(TestDatabase::isolationOf))
                            .as(mode)
                            .isEqualTo("read committed");
                    assertThat(tx.atomically(TestDatabase::isolationOf))
                            .as(mode)
                            .isEqualTo("read committed");
                    assertThat(tx.inTransaction(Transactions.Isolation.REPEATABLE_READ, TestDatabase::isolationOf))
                            .as("%s: a level asked for", mode)
                            .isEqualTo("repeatable read");
                }
                try (Connection dedicated = DedicatedConnection.open(
                        DatabaseConfig.of(own.jdbcUrlInQueryMode(mode), own.user(), own.password()), "test")) {
                    assertThat(TestDatabase.isolationOf(dedicated))
                            .as("%s: a dedicated connection", mode)
                            .isEqualTo("read committed");
                }
            }
        }
    }

    @Test
    void unreachableDatabaseIsUnavailable() {
        DatabaseConfig config = DatabaseConfig.of("jdbc:postgresql://127.0.0.1:1/none", "x", "y")
                .withConnectionTimeout(Duration.ofMillis(500));
        assertThatThrownBy(() -> new Database(config).start())
                .isInstanceOf(DatabaseUnavailableException.class)
                .hasMessageContaining("database.url");
    }

    /**
     * Tried: a wrong password, and a database name that does not exist, with a generous
     * connectionTimeout. The pool retried both for the whole timeout (5 s by default: every georeg
     * command and every pod start with such a typo waited that long to be told); retrying cannot
     * mend either, so start() now refuses at once, naming PostgreSQL's reason. Bounded at half the
     * timeout here: the refusal takes a connection attempt, the retries took all of it.
     */
    @Test
    void aLoginRefusedForGoodIsReportedAtOnceNotRetriedForTheConnectionTimeout() {
        Duration generous = Duration.ofSeconds(20);
        String noSuchDatabase = DB.jdbcUrl().replace(DB.databaseName(), "georeg_no_such_database");
        for (DatabaseConfig refused : List.of(
                DatabaseConfig.of(DB.jdbcUrl(), DB.user(), "not-" + DB.password())
                        .withConnectionTimeout(generous),
                DatabaseConfig.of(noSuchDatabase, DB.user(), DB.password()).withConnectionTimeout(generous))) {
            long started = System.nanoTime();

            assertThatThrownBy(() -> new Database(refused).start())
                    .isInstanceOf(DatabaseUnavailableException.class)
                    .hasMessageContaining("cannot connect to the tracking database")
                    .satisfiesAnyOf(
                            e -> assertThat(e).hasMessageContaining("password authentication failed"),
                            e -> assertThat(e).hasMessageContaining("does not exist"));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(generous.dividedBy(2));
        }
    }

    @Test
    void lostConnectionDuringWorkIsUnavailable() throws Exception {
        assertThatThrownBy(() -> database.transactions().inTransaction(c -> {
                    try (Statement s = c.createStatement()) {
                        s.execute("select pg_terminate_backend(pg_backend_pid())");
                    }
                    return null;
                }))
                .isInstanceOf(DatabaseUnavailableException.class);
    }

    /**
     * A pooled connection whose server went silent (packets dropped, no reset: a network cut, a
     * managed PostgreSQL failing over) is given up within {@code connectionTimeout}, as a wait for a
     * connection is. HikariCP checks a connection that sat idle before it hands it out, and that
     * check used to wait HikariCP's own 5 s whatever {@code connectionTimeout} said: a router's admin
     * switch, bounded by {@code database.connectionTimeout} plus {@code router.admin.storeTimeout},
     * took 5 s with a 1 s connection timeout.
     */
    @Test
    void aPooledConnectionWhoseServerWentSilentIsGivenUpWithinTheConnectionTimeout() throws Exception {
        Duration connectionTimeout = Duration.ofSeconds(1);
        try (TcpRelay relay = TcpRelay.to(DB.host(), DB.port());
                Database relayed = new Database(
                                DatabaseConfig.of(DB.jdbcUrlThrough(relay.port()), DB.user(), DB.password())
                                        .withMaxPoolSize(1)
                                        .withConnectionTimeout(connectionTimeout))
                        .start()) {
            relayed.transactions().read(TransactionsIT::readCounter);
            // HikariCP hands out a connection used within the last 500 ms unchecked (its
            // aliveBypassWindowMs); the one connection has sat idle for longer once this passes.
            org.awaitility.Awaitility.await().pollDelay(Duration.ofMillis(600)).until(() -> true);
            relay.stall();
            try {
                long started = System.nanoTime();

                assertThatThrownBy(() -> relayed.transactions().read(TransactionsIT::readCounter))
                        .isInstanceOf(DatabaseUnavailableException.class);
                // The check of the idle connection, within connectionTimeout, and a second for a loaded machine.
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(connectionTimeout.plusSeconds(1));
            } finally {
                relay.release();
            }
        }
    }

    private static Database inQueryMode(String mode) {
        return inQueryMode(DB, mode);
    }

    /** A pool over {@code db} in pgjdbc's query mode {@code mode}. */
    private static Database inQueryMode(TestDatabase db, String mode) {
        return new Database(DatabaseConfig.of(db.jdbcUrlInQueryMode(mode), db.user(), db.password())).start();
    }

    private static boolean execute(Connection c, String multiStatement) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(multiStatement)) {
            return ps.execute();
        }
    }

    private static int readCounter(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select n from counter where id = 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int update(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            return s.executeUpdate(sql);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("timed out waiting for the other transaction");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
