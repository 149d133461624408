package org.meter2mqtt.core.internal;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.LinkFactory;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.MeterOutput;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.core.ConfigValidator;
import org.meter2mqtt.core.DeviceManager;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ManagedServiceFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * OSGi glue for the {@link DeviceManager}: one device per factory configuration of
 * {@code org.meter2mqtt.device} (Config Admin hands us {@code etc/org.meter2mqtt.device-<id>.cfg} through
 * FileInstall), drivers, transports and outputs as dynamic services.
 */
@Component(immediate = true, service = { DeviceRegistry.class, ManagedServiceFactory.class },
        property = Constants.SERVICE_PID + "=" + DeviceManagerComponent.FACTORY_PID)
public class DeviceManagerComponent implements ManagedServiceFactory, DeviceRegistry {

    static final String FACTORY_PID = "org.meter2mqtt.device";

    private final DeviceManager manager;
    private final BundleContext context;
    private final Map<String, String> deviceIdByPid = new ConcurrentHashMap<>();

    @Activate
    public DeviceManagerComponent(BundleContext context) {
        this.manager = new DeviceManager(stateDir(context), Clock.systemUTC());
        this.context = context;
        new DeployFolderJanitor(context).start();
    }

    private static Path stateDir(BundleContext context) {
        String data = context.getProperty("karaf.data");
        // Karaf's data folder survives bundle reinstalls; a bundle's own data area does not
        return data != null ? Paths.get(data, "meter2mqtt", "devices")
                : context.getDataFile("devices").toPath();
    }

    @Deactivate
    void deactivate() {
        manager.close();
    }

    // ---- services ----

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + MeterDriver.PROPERTY_ID + "=*)")
    void addDriver(MeterDriver driver, ServiceReference<MeterDriver> ref) {
        manager.addDriver(driver, ref.getBundle().getVersion().toString());
    }

    void removeDriver(MeterDriver driver) {
        // at a normal shutdown the drivers stop before the core: their devices are closing, not waiting
        if (context.getBundle(0).getState() == org.osgi.framework.Bundle.STOPPING) {
            manager.gatewayStopping();
        }
        manager.removeDriver(driver);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addLinkFactory(LinkFactory factory, Map<String, Object> props) {
        manager.addLinkFactory(factory, schemes(props.get(LinkFactory.PROPERTY_SCHEMES)));
    }

    void removeLinkFactory(LinkFactory factory) {
        manager.removeLinkFactory(factory);
    }

    private static Set<String> schemes(Object value) {
        if (value instanceof String[]) {
            return new HashSet<>(Arrays.asList((String[]) value));
        }
        if (value instanceof String) {
            Set<String> out = new HashSet<>();
            for (String s : ((String) value).split(",")) {
                out.add(s.trim());
            }
            return out;
        }
        return Collections.emptySet();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addOutput(MeterOutput output) {
        manager.addOutput(output);
    }

    void removeOutput(MeterOutput output) {
        manager.removeOutput(output);
    }

    // ---- Config Admin ----

    @Override
    public String getName() {
        return "meter2mqtt devices";
    }

    @Override
    public void updated(String pid, Dictionary<String, ?> properties) {
        Map<String, Object> props = new HashMap<>();
        for (String key : Collections.list(properties.keys())) {
            props.put(key, properties.get(key));
        }
        String id = deviceId(pid, props);
        String previous = deviceIdByPid.put(pid, id);
        if (previous != null && !previous.equals(id)) {
            manager.delete(previous);
        }
        manager.configure(id, ConfigValidator.userKeys(props));
    }

    @Override
    public void deleted(String pid) {
        String id = deviceIdByPid.remove(pid);
        if (id != null) {
            manager.delete(id);
        }
    }

    /** {@code org.meter2mqtt.device~kitchen} (from {@code org.meter2mqtt.device-kitchen.cfg}) is device {@code kitchen}. */
    static String deviceId(String pid, Map<String, Object> props) {
        int tilde = pid.indexOf('~');
        if (tilde >= 0) {
            return pid.substring(tilde + 1);
        }
        Object explicit = props.get("id");
        if (explicit != null) {
            return explicit.toString();
        }
        // old-style generated factory pid: org.meter2mqtt.device.<uuid>
        return pid.startsWith(FACTORY_PID + ".") ? pid.substring(FACTORY_PID.length() + 1) : pid;
    }

    // ---- DeviceRegistry ----

    @Override
    public List<DeviceInfo> devices() {
        return manager.devices();
    }

    @Override
    public Optional<DeviceInfo> device(String id) {
        return manager.device(id);
    }

    @Override
    public List<DriverDescription> drivers() {
        return manager.drivers();
    }

    @Override
    public List<String> validate(String deviceId, Map<String, String> config) {
        return manager.validate(deviceId, config);
    }

    @Override
    public List<Reading> readNow(String deviceId, Duration timeout) throws DriverException {
        return manager.readNow(deviceId, timeout);
    }

    @Override
    public void startTransient(String deviceId, Map<String, String> config) {
        manager.startTransient(deviceId, config);
    }

}
