package io.georeg.failover.state;

import java.time.Duration;
import java.time.Instant;

/**
 * One change the primary has that the replica has not applied: the recovery point objective of
 * a failover at this moment is the list of these. {@code age} is from the primary's change
 * (the event or crawl time) to the database's clock now.
 */
public record UnreplicatedItem(
        String repository,
        String kind,
        String ref,
        String operation,
        String state,
        Instant since,
        Duration age,
        int attempts,
        String lastError) {}
