package io.georeg.app.wiring;

import io.georeg.app.config.GeoregConfig;
import io.georeg.read.RegistryReadServer;
import io.georeg.read.auth.Authenticator;
import io.georeg.read.auth.TokenAuthenticator;
import java.net.URI;
import java.time.Clock;

/**
 * registry-read as a {@code georeg serve} component: its server over the shared replica reader,
 * with token auth when {@code auth.token} is configured, anonymous otherwise.
 */
public final class RegistryReadComponent implements Component {
    private final RegistryReadServer server;

    RegistryReadComponent(GeoregConfig config, Resources resources) {
        Authenticator auth = config.auth().token() == null
                ? Authenticator.anonymous()
                : TokenAuthenticator.create(config.auth().token(), Clock.systemUTC());
        this.server = new RegistryReadServer(resources.replicaReader(), auth, config.registryRead());
    }

    @Override
    public String name() {
        return "registry-read";
    }

    @Override
    public void start() throws Exception {
        server.start();
    }

    /** Where the API answers, e.g. {@code http://127.0.0.1:5001}. */
    public URI uri() {
        return server.uri();
    }

    @Override
    public String describe() {
        return "registry-read serving the OCI pull API at " + server.uri() + "/v2/";
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
