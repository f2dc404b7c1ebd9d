package io.georeg.replicator.verify;

import io.georeg.oci.Digest;

/**
 * What the verifier reports, for metrics ({@link VerifyCounters} keeps the counts; a Prometheus
 * binding reads them or implements this itself). Called on the verifier's thread: keep it cheap.
 */
public interface VerifyObserver {
    VerifyObserver NONE = new VerifyObserver() {};

    /** One object verified, with what was found. */
    default void verified(VerifyTarget target, Digest digest, VerifyOutcome outcome) {}

    /** Bytes hashed (counted as they are read, so a long blob shows progress). */
    default void bytesVerified(long bytes) {}

    /** A re-copy of a bad object was queued ({@code queued}), or could not be because nothing links it. */
    default void repairRequested(VerifyTarget target, Digest digest, boolean queued) {}
}
