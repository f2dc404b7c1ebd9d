package io.georeg.ops;

/**
 * Stopping several things at once, each even when one before it fails: a component's parts on
 * shutdown, the servers a test started. What fails is not lost: the first failure is thrown once
 * all are closed, the later ones suppressed in it.
 */
public final class Closing {
    private Closing() {}

    /** Closes {@code resources} in the order given, skipping nulls (never started). */
    public static void closeAll(AutoCloseable... resources) throws Exception {
        Exception first = null;
        for (AutoCloseable resource : resources) {
            try {
                if (resource != null) {
                    resource.close();
                }
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
