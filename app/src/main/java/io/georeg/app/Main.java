package io.georeg.app;

import io.georeg.app.cli.GeoregCommand;

/** Entry point of {@code georeg.jar} (and {@code bin/georeg}). */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(GeoregCommand.commandLine(System.getenv()).execute(args));
    }
}
