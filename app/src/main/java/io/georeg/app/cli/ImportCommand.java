package io.georeg.app.cli;

import io.georeg.app.config.GeoregConfig;
import io.georeg.app.layout.OciLayoutImporter;
import io.georeg.app.wiring.Resources;
import io.georeg.oci.RepositoryName;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code georeg import}: loads OCI image layout directories into the replica through its write
 * side, e.g. to seed a site or load the demo corpus. With {@code --repository}, DIR is one
 * layout; without, every layout below DIR is imported as the repository named by its path.
 */
@Command(name = "import", description = "Load OCI image layout directories (index.json + blobs/) into the replica.")
final class ImportCommand implements Callable<Integer> {
    @ParentCommand
    GeoregCommand georeg;

    @Spec
    CommandSpec spec;

    @Option(
            names = {"-r", "--repository"},
            paramLabel = "NAME",
            description = "Repository to import DIR into (DIR is then one layout).")
    String repository;

    @Parameters(paramLabel = "DIR", description = "An OCI layout, or a tree of layouts at <DIR>/<repository name>/.")
    Path dir;

    @Override
    public Integer call() {
        GeoregConfig config = georeg.config();
        PrintWriter out = spec.commandLine().getOut();
        try (Resources resources = new Resources(config)) {
            OciLayoutImporter importer = new OciLayoutImporter(resources.replicaWriter());
            if (repository != null) {
                print(out, importer.importLayout(dir, RepositoryName.of(repository)));
                return 0;
            }
            List<Path> layouts = OciLayoutImporter.findLayouts(dir);
            if (layouts.isEmpty()) {
                spec.commandLine()
                        .getErr()
                        .println("georeg import: no OCI layout (oci-layout + index.json) at or below " + dir);
                return 1;
            }
            for (Path layout : layouts) {
                String name = dir.relativize(layout).toString().replace('\\', '/');
                if (name.isEmpty()) {
                    spec.commandLine()
                            .getErr()
                            .println("georeg import: " + dir
                                    + " is a single layout: name its repository with --repository");
                    return 2;
                }
                print(out, importer.importLayout(layout, RepositoryName.of(name)));
            }
        }
        return 0;
    }

    private static void print(PrintWriter out, OciLayoutImporter.Result r) {
        out.printf(
                "%s: %d manifests, %d blobs written, %d already stored, tags %s%n",
                r.repository(), r.manifests(), r.blobsWritten(), r.blobsLinked(), r.tags());
        out.flush();
    }
}
