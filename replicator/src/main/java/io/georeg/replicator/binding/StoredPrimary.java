package io.georeg.replicator.binding;

import java.time.Instant;

/**
 * A row of {@code replica_primaries}: a primary the tracking database replicates, read by
 * {@link PrimaryBindingStore}.
 *
 * @param url its normalized registry URL ({@link PrimaryBinding#normalize})
 * @param boundBy host/pid of the process that bound it and what it ran
 */
public record StoredPrimary(String name, String url, Instant boundAt, String boundBy) {}
