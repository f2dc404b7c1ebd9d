package io.georeg.app.wiring;

import io.georeg.app.config.ComponentName;
import io.georeg.app.config.GeoregConfig;
import java.util.EnumMap;
import java.util.Map;

/**
 * The one place that says which class builds each {@link ComponentName}. Adding a component to
 * {@code georeg serve}: an enum constant, its configuration section in {@link GeoregConfig}, a
 * {@link Component} with its factory, and one line here.
 */
public final class ComponentFactories {
    private static final Map<ComponentName, ComponentFactory> FACTORIES = new EnumMap<>(Map.of(
            ComponentName.REGISTRY_READ, RegistryReadComponent::new,
            ComponentName.REPLICATOR, ReplicatorComponent::new,
            ComponentName.ROUTER, RouterComponent::new));

    private ComponentFactories() {}

    public static Component create(ComponentName name, GeoregConfig config, Resources resources) {
        ComponentFactory factory = FACTORIES.get(name);
        if (factory == null) {
            throw new IllegalStateException("component " + name.key() + " has no factory in ComponentFactories");
        }
        return factory.create(config, resources);
    }
}
