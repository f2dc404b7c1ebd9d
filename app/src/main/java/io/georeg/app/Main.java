package io.georeg.app;

import io.georeg.app.cli.GeoregCommand;
import io.georeg.egress.JdkClientProperties;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** Entry point of {@code georeg.jar} (and {@code bin/georeg}). */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // Before any HTTP client exists: the JDK reads these once (proxy accounts over CONNECT, read buffers).
        JdkClientProperties.applyDefaults();
        // Jersey logs through java.util.logging; send it to logback so every line has one format.
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(GeoregCommand.commandLine(System.getenv()).execute(args));
    }
}
