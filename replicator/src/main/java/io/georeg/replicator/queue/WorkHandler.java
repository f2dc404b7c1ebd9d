package io.georeg.replicator.queue;

/**
 * Carries out one claimed work item (the copy package's implementation talks to the primary and
 * writes the replica). Returning normally means done; {@link WorkFailedException} says whether a
 * retry can help; any other exception counts as transient.
 */
@FunctionalInterface
public interface WorkHandler {
    void handle(WorkItem item) throws Exception;
}
