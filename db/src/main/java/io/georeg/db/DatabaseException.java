package io.georeg.db;

import java.sql.SQLException;

/** A database operation failed; carries the SQLState of the underlying error when there is one. */
public class DatabaseException extends RuntimeException {
    private final String sqlState;

    public DatabaseException(String message, Throwable cause) {
        super(message, cause);
        this.sqlState = cause instanceof SQLException sql ? sql.getSQLState() : null;
    }

    /** The SQLState of the failure, or null. */
    public String sqlState() {
        return sqlState;
    }
}
