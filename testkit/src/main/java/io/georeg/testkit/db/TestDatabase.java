package io.georeg.testkit.db;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh, empty PostgreSQL database {@code georeg_t_<random>} owned by one test class, dropped
 * at the end (leftover connections are terminated first).
 *
 * <p>The server comes from env {@code GEOREG_TEST_DATABASE_URL} (default
 * {@value #DEFAULT_SERVER_URL}); credentials may be given as {@code user}/{@code password} query
 * parameters and are exposed separately from {@link #jdbcUrl()}.
 *
 * <p>Two ways to use it:
 * <pre>{@code
 * @RegisterExtension static final TestDatabase DB = new TestDatabase();   // JUnit 5, per class
 * try (TestDatabase db = TestDatabase.create()) { ... }                    // by hand
 * }</pre>
 * An unreachable server fails the test (never skips) with a message that says how to start one.
 */
public final class TestDatabase implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    public static final String ENV = "GEOREG_TEST_DATABASE_URL";
    public static final String DEFAULT_SERVER_URL =
            "jdbc:postgresql://127.0.0.1:5432/postgres?user=georeg&password=georeg";

    private final ServerUrl server;
    private String databaseName;

    /** Uses the server named by {@value #ENV}; nothing is created until {@link #start()}. */
    public TestDatabase() {
        this(serverUrlFromEnvironment());
    }

    /** Uses the given server URL (a JDBC URL of any existing database on that server). */
    public TestDatabase(String serverJdbcUrl) {
        this.server = ServerUrl.parse(serverJdbcUrl);
    }

    /** Creates and starts a database for manual use; close it to drop it. */
    public static TestDatabase create() {
        TestDatabase db = new TestDatabase();
        db.start();
        return db;
    }

    public static String serverUrlFromEnvironment() {
        String fromEnv = System.getenv(ENV);
        return fromEnv == null || fromEnv.isBlank() ? DEFAULT_SERVER_URL : fromEnv.trim();
    }

    /** Creates the database. Idempotent for one instance. */
    public synchronized void start() {
        if (databaseName != null) {
            return;
        }
        String name =
                "georeg_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = connectToServer();
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "could not create test database " + name + " on " + server.redacted() + ": " + e.getMessage(), e);
        }
        databaseName = name;
    }

    /** JDBC URL of the test database, without credentials. */
    public String jdbcUrl() {
        return server.withDatabase(requireStarted());
    }

    /**
     * JDBC URL of the test database with pgjdbc's {@code preferQueryMode} set to {@code mode}
     * ({@code simple}, {@code extended}, ...): what a test uses to run the product's SQL in the
     * simple query mode a user's {@code database.url} may ask for, where a multi-statement is sent
     * as one query per statement.
     */
    public String jdbcUrlInQueryMode(String mode) {
        String url = jdbcUrl();
        return url + (url.contains("?") ? "&" : "?") + "preferQueryMode=" + mode;
    }

    /**
     * JDBC URL of the test database reached through a relay on {@code 127.0.0.1:relayPort}
     * (aimed at {@link #host()}:{@link #port()}), without credentials: what a test's component
     * connects to when the test cuts or stalls its path to the database.
     */
    public String jdbcUrlThrough(int relayPort) {
        return new ServerUrl("jdbc:postgresql://127.0.0.1:" + relayPort, null, server.otherParams(), null, null)
                .withDatabase(requireStarted());
    }

    /** The server's host, as the server URL names it. */
    public String host() {
        return server.hostPort().substring(0, server.hostPort().lastIndexOf(':'));
    }

    /** The server's port, as the server URL names it. */
    public int port() {
        return Integer.parseInt(server.hostPort().substring(server.hostPort().lastIndexOf(':') + 1));
    }

    public String user() {
        return server.user();
    }

    public String password() {
        return server.password();
    }

    public String databaseName() {
        return requireStarted();
    }

    /** Opens a new connection to the test database (caller closes it). */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user(), password());
    }

    /** Runs one SQL statement on the test database, e.g. to put rows into a state a test needs. */
    public void execute(String sql) {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /**
     * Makes repeatable read the default isolation of every new session of the test database, as
     * an operator may set it for a database, a role or the whole server ({@code ALTER DATABASE};
     * sessions open before keep theirs): what tests use to show that georeg's connections run at
     * read committed whatever the default.
     */
    public void repeatableReadByDefault() {
        execute("ALTER DATABASE " + databaseName() + " SET default_transaction_isolation = 'repeatable read'");
    }

    /** The isolation level of {@code c}'s current or next transaction ({@code SHOW transaction_isolation}). */
    public static String isolationOf(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW transaction_isolation")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The number the query's first row holds in its first column, e.g. a {@code count(*)}. */
    public long queryLong(String sql) {
        return query(sql, rs -> {
            if (!rs.next()) {
                throw new IllegalStateException("no row: " + sql);
            }
            return rs.getLong(1);
        });
    }

    /** The text of the query's first row's first column; null when there is no row or it is NULL. */
    public String queryText(String sql) {
        return query(sql, rs -> rs.next() ? rs.getString(1) : null);
    }

    /** What {@code read} makes of the query's result, run on a connection of its own. */
    private <T> T query(String sql, ResultRead<T> read) {
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            return read.from(rs);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Reads a result set, positioned before its first row. */
    @FunctionalInterface
    private interface ResultRead<T> {
        T from(ResultSet rs) throws SQLException;
    }

    /** Drops the database, terminating any connection still open to it. Idempotent. */
    @Override
    public synchronized void close() {
        if (databaseName == null) {
            return;
        }
        String name = databaseName;
        databaseName = null;
        try (Connection c = connectToServer();
                Statement s = c.createStatement()) {
            // WITH (FORCE) (PostgreSQL 13+) terminates leftover sessions, e.g. a pool a test forgot to close.
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop test database " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private String requireStarted() {
        String name = databaseName;
        if (name == null) {
            throw new IllegalStateException("TestDatabase not started: register it as a static "
                    + "@RegisterExtension field or use TestDatabase.create()");
        }
        return name;
    }

    private Connection connectToServer() {
        try {
            return DriverManager.getConnection(server.url(), server.user(), server.password());
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "PostgreSQL test server unreachable at " + server.redacted()
                            + " (" + e.getMessage() + "). Run scripts/test (which installs and starts PostgreSQL), or "
                            + "`apt-get install postgresql && pg_ctlcluster 15 main start` and create the role: "
                            + "`su postgres -c \"psql -c \\\"CREATE ROLE georeg LOGIN SUPERUSER PASSWORD 'georeg'\\\"\"`. "
                            + "Another server can be named with env " + ENV + ".",
                    e);
        }
    }

    /** A server JDBC URL split into base ({@code jdbc:postgresql://host:port}), params and credentials. */
    record ServerUrl(String base, String database, List<String> otherParams, String user, String password) {

        static ServerUrl parse(String jdbcUrl) {
            Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            String prefix = "jdbc:postgresql://";
            if (!jdbcUrl.startsWith(prefix)) {
                throw new IllegalArgumentException(ENV + " must be a jdbc:postgresql:// URL, got: " + jdbcUrl);
            }
            String rest = jdbcUrl.substring(prefix.length());
            String query = "";
            int q = rest.indexOf('?');
            if (q >= 0) {
                query = rest.substring(q + 1);
                rest = rest.substring(0, q);
            }
            int slash = rest.indexOf('/');
            String hostPort = slash >= 0 ? rest.substring(0, slash) : rest;
            String database = slash >= 0 && slash + 1 < rest.length() ? rest.substring(slash + 1) : "postgres";
            String user = null;
            String password = null;
            List<String> others = new ArrayList<>();
            for (String param : query.split("&")) {
                if (param.isEmpty()) {
                    continue;
                }
                int eq = param.indexOf('=');
                String key = (eq >= 0 ? param.substring(0, eq) : param).toLowerCase(Locale.ROOT);
                String value = eq >= 0 ? URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8) : "";
                switch (key) {
                    case "user" -> user = value;
                    case "password" -> password = value;
                    default -> others.add(param);
                }
            }
            return new ServerUrl(prefix + hostPort, database, List.copyOf(others), user, password);
        }

        String url() {
            return withDatabase(database);
        }

        String withDatabase(String name) {
            String url = base + "/" + URLEncoder.encode(name, StandardCharsets.UTF_8);
            return otherParams.isEmpty() ? url : url + "?" + String.join("&", otherParams);
        }

        /** {@code host:port} of the base, with PostgreSQL's port when the URL names none. */
        String hostPort() {
            String hostPort = base.substring("jdbc:postgresql://".length());
            return hostPort.contains(":") ? hostPort : hostPort + ":5432";
        }

        String redacted() {
            return url() + (user == null ? "" : " as user " + user);
        }
    }
}
