package org.meter2mqtt.driver.kpm33b.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.meter2mqtt.api.MeterDriver;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;

/**
 * OSGi glue only: reads the driver-wide PID {@code org.meter2mqtt.driver.kpm33b} (internal broker, its account,
 * topics, proxy.*) and hands it to this bundle's {@link Kpm33bComponent}. It provides no service, so the
 * configuration, secrets included, never becomes service properties.
 */
@Component(immediate = true, configurationPid = Kpm33bDriver.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = Config.class)
public class Kpm33bSettingsComponent {

    private final List<Kpm33bComponent> drivers = new CopyOnWriteArrayList<>();
    private volatile HubSettings settings;

    @Activate
    public Kpm33bSettingsComponent(Config config) {
        settings = HubSettings.of(config);
    }

    @Modified
    void modified(Config config) {
        settings = HubSettings.of(config);
        drivers.forEach(d -> d.settings(settings));
    }

    /**
     * This bundle's driver. Another bundle's kpm33b driver (an upgrade installed beside this one) is a different
     * class and takes its settings from its own bundle.
     */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + MeterDriver.PROPERTY_ID + "=" + Kpm33bDriver.ID + ")")
    void addDriver(MeterDriver driver) {
        if (driver instanceof Kpm33bComponent) {
            Kpm33bComponent d = (Kpm33bComponent) driver;
            drivers.add(d);
            d.settings(settings);
        }
    }

    void removeDriver(MeterDriver driver) {
        drivers.remove(driver);
    }
}
