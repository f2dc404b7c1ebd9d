package io.georeg.replicator.cli;

import io.georeg.oci.RepositoryName;
import io.georeg.replicator.reconcile.ReconcileProgress;
import java.io.PrintWriter;

/**
 * A one-line text progress bar on the error stream ({@code [#####.....] 12/61 team/app}), redrawn
 * in place with a carriage return, for {@code georeg reconcile} and {@code georeg preheat}.
 */
final class ProgressBar implements ReconcileProgress {
    private static final int WIDTH = 30;
    private final PrintWriter err;

    ProgressBar(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void started(int repositories) {
        draw(0, repositories, "");
    }

    @Override
    public void repositoryDone(RepositoryName repository, int done, int total) {
        draw(done, total, repository.value());
        if (done == total) {
            err.println();
        }
        err.flush();
    }

    private void draw(int done, int total, String label) {
        int filled = total == 0 ? WIDTH : done * WIDTH / total;
        err.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + done + "/" + total + " "
                + (label.length() > 40 ? label.substring(0, 40) : label)
                + " ".repeat(Math.max(0, 40 - label.length())));
        err.flush();
    }
}
