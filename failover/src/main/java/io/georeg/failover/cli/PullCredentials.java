package io.georeg.failover.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The registry credentials {@code georeg drill} pulls its sample with: from
 * {@code --credentials-file} (one line {@code USER:PASSWORD}), or from {@code --credentials},
 * which still works but warns, since every user of the machine sees it in {@code ps}. A picocli
 * mixin.
 */
public final class PullCredentials {
    static final String VISIBLE_WARNING = "warning: --credentials is visible to every user of this machine (ps, "
            + "/proc); use --credentials-file FILE instead";

    /** A user and password, or none for anonymous pulls. */
    public record Credentials(String user, String password) {}

    @Option(
            names = "--credentials-file",
            paramLabel = "FILE",
            description = "File holding USER:PASSWORD, the registry credentials for the pulls.")
    Path file;

    @Option(
            names = "--credentials",
            paramLabel = "USER:PASSWORD",
            description =
                    "Registry credentials for the pulls on the command line (visible in ps: prefer --credentials-file).")
    String inline;

    /** The credentials given, or null for anonymous pulls. */
    Credentials resolve(CommandSpec spec) {
        if (file != null && inline != null) {
            throw new ParameterException(
                    spec.commandLine(), "use either --credentials-file or --credentials, not both");
        }
        String text;
        String source;
        if (file != null) {
            try {
                text = Files.readString(file).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read --credentials-file " + file, e);
            }
            source = "--credentials-file " + file;
        } else if (inline != null) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(VISIBLE_WARNING);
            err.flush();
            text = inline;
            source = "--credentials";
        } else {
            return null;
        }
        int colon = text.indexOf(':');
        if (colon < 1) {
            throw new ParameterException(spec.commandLine(), source + " must hold USER:PASSWORD");
        }
        return new Credentials(text.substring(0, colon), text.substring(colon + 1));
    }
}
