package io.georeg.read.server;

import io.georeg.read.ReadOptions;
import io.georeg.read.api.OciExceptionMapper;
import io.georeg.read.api.RegistryResource;
import io.georeg.read.api.UnexpectedExceptionMapper;
import io.georeg.read.auth.Authenticator;
import io.georeg.replica.ReplicaReader;
import org.glassfish.jersey.internal.inject.AbstractBinder;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;

/**
 * The Jersey application of registry-read: one singleton resource, the two exception mappers,
 * and nothing discovered by classpath scanning or {@code META-INF/services} (each discovered
 * feature is per-request work or start-up time the hot path does not need).
 */
public final class ReadResourceConfig {

    private ReadResourceConfig() {}

    public static ResourceConfig create(ReplicaReader replica, Authenticator auth, ReadOptions options) {
        ResourceConfig rc = new ResourceConfig();
        // The resource is registered as a class and its one instance bound for injection:
        // registering the instance itself works too but makes Jersey warn that it is "not a
        // provider" at every start.
        RegistryResource resource = new RegistryResource(replica, auth, options);
        rc.register(RegistryResource.class);
        rc.register(new AbstractBinder() {
            @Override
            protected void configure() {
                bind(resource).to(RegistryResource.class);
            }
        });
        rc.register(new OciExceptionMapper());
        rc.register(UnexpectedExceptionMapper.class);
        rc.property(ServerProperties.FEATURE_AUTO_DISCOVERY_DISABLE, true);
        rc.property(ServerProperties.METAINF_SERVICES_LOOKUP_DISABLE, true);
        rc.property(ServerProperties.WADL_FEATURE_DISABLE, true);
        rc.property(ServerProperties.BV_FEATURE_DISABLE, true);
        rc.property(ServerProperties.JSON_PROCESSING_FEATURE_DISABLE, true);
        rc.property(ServerProperties.MOXY_JSON_FEATURE_DISABLE, true);
        // Error statuses are written as normal responses (our OCI bodies), never via sendError.
        rc.property(ServerProperties.RESPONSE_SET_STATUS_OVER_SEND_ERROR, true);
        // Pre-signed storage URLs are absolute and must reach the client untouched.
        rc.property(ServerProperties.LOCATION_HEADER_RELATIVE_URI_RESOLUTION_DISABLED, true);
        return rc;
    }
}
