package io.georeg.app.wiring;

import io.georeg.app.config.GeoregConfig;

/** Builds one kind of {@link Component} from the configuration and the shared resources, without starting it. */
@FunctionalInterface
public interface ComponentFactory {
    Component create(GeoregConfig config, Resources resources);
}
