package io.georeg.replicator.primary;

/**
 * The primary answered 200 but the content is wrong: bytes that do not match their digest, or a
 * body that is not what the API promises. Counted as transient so the worker tries again (a
 * proxy or storage hiccup can corrupt one answer); after the configured attempts the work item
 * fails with this message as its reason.
 */
public class PrimaryContentException extends PrimaryException {
    public PrimaryContentException(String message) {
        super(message, 200, true, null);
    }
}
