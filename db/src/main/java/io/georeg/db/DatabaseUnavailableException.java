package io.georeg.db;

/**
 * The database cannot be reached (connection failure, SQLState class 08, server shutting down or
 * refusing connections, or no pooled connection within the timeout). Distinguished from other
 * failures because callers answer it differently: the replicator intake answers 503 so the
 * primary retries the notification, registry-read answers 503 too.
 */
public class DatabaseUnavailableException extends DatabaseException {
    public DatabaseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
