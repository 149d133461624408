package org.meter2mqtt.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.core.upgrade.DescriptionProbe;
import org.meter2mqtt.core.upgrade.DriverFramework;
import org.meter2mqtt.core.upgrade.DriverHistory;
import org.meter2mqtt.core.upgrade.DriverJar;
import org.meter2mqtt.core.upgrade.DriverManagement;
import org.meter2mqtt.core.upgrade.DriverUpgrades;
import org.meter2mqtt.core.upgrade.Preflight;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.BundleException;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OSGi glue for {@link DriverUpgrades}: the framework operations on real bundles, the device states from the
 * {@link DeviceRegistry}, the settings of {@code etc/org.meter2mqtt.drivers.cfg}. The service is registered by
 * hand, without properties: DS would publish the configuration (the truststore password too) as service properties.
 */
@Component(immediate = true, service = {}, configurationPid = "org.meter2mqtt.drivers",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class DriverUpgradeComponent implements DriverManagement, DriverFramework {

    private static final Logger LOG = LoggerFactory.getLogger(DriverUpgradeComponent.class);
    /** Location of bundles installed through the shell; their content lives in the vault. */
    static final String LOCATION_PREFIX = "meter2mqtt-driver:";

    private final BundleContext context;
    private final DeviceRegistry registry;
    private final DriverUpgrades upgrades;
    /** Set while this component itself installs or updates a bundle: those events are not deploy/ changes. */
    private static final ThreadLocal<Boolean> OWN_STEP = ThreadLocal.withInitial(() -> false);
    /** What ran just before FileInstall stopped a deploy/ bundle to update it: version and when it stopped. */
    private final Map<Long, Map.Entry<String, Instant>> beforeStop = new ConcurrentHashMap<>();
    /**
     * Driver bundles someone else uninstalled, by symbolic name: version and when. Karaf's FeaturesService replaces
     * a bundle outside its update range by uninstalling the old one and installing the new one.
     */
    private final Map<String, Map.Entry<String, Instant>> replacedDrivers = new ConcurrentHashMap<>();
    private final ExecutorService deployChecks = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "meter-driver-deploy-check");
        t.setDaemon(true);
        return t;
    });
    private final SynchronousBundleListener listener = this::bundleChanged;
    /** Every bundle that registers a MeterDriver goes into the vault, so a later feature upgrade can be undone. */
    private final org.osgi.framework.ServiceListener driverListener = this::driverRegistered;
    private final org.osgi.framework.ServiceRegistration<DriverManagement> registration;
    private final org.osgi.framework.ServiceRegistration<org.apache.felix.fileinstall.ArtifactInstaller> deployInstaller;

    @Activate
    public DriverUpgradeComponent(BundleContext context, @Reference DeviceRegistry registry,
            Map<String, Object> config) throws IOException {
        this.context = context;
        this.registry = registry;
        String data = context.getProperty("karaf.data");
        Path dir = data != null ? Paths.get(data, "meter2mqtt", "drivers") : context.getDataFile("drivers").toPath();
        this.upgrades = new DriverUpgrades(this, registry::devices, dir,
                location -> URI.create(location).toURL().openStream(),
                new DescriptionProbe(DriverUpgradeComponent.class.getClassLoader())::describe, Clock.systemUTC(),
                d -> Thread.sleep(d.toMillis()), settings(config));
        Thread t = new Thread(this::keepInstalledDrivers, "meter-driver-vault");
        t.setDaemon(true);
        t.start();
        context.addBundleListener(listener);
        try {
            context.addServiceListener(driverListener, "(objectClass=" + MeterDriver.class.getName() + ")");
        } catch (InvalidSyntaxException impossible) {
            throw new IllegalStateException(impossible);
        }
        registration = context.registerService(DriverManagement.class, this, null);
        // above Karaf's own deployers (ranking 0); FileInstall's bundle handling is always asked last
        deployInstaller = context.registerService(org.apache.felix.fileinstall.ArtifactInstaller.class,
                new DeployFolderInstaller(upgrades),
                new java.util.Hashtable<>(Map.of(org.osgi.framework.Constants.SERVICE_RANKING, 1000)));
    }

    @Deactivate
    void deactivate() {
        deployInstaller.unregister();
        registration.unregister();
        context.removeBundleListener(listener);
        context.removeServiceListener(driverListener);
        deployChecks.shutdownNow();
    }

    // ---- deploy/: FileInstall installs and updates jars itself; each change is checked after the fact

    private void bundleChanged(BundleEvent event) {
        if (OWN_STEP.get()) {
            return;
        }
        Bundle b = event.getBundle();
        try {
            switch (event.getType()) {
                case BundleEvent.STOPPING:
                    // the version that runs until now; SCR may already have taken its services down
                    if (deployFile(b) != null || upgrades.knows(b.getSymbolicName())) {
                        beforeStop.put(b.getBundleId(), Map.entry(b.getVersion().toString(), Instant.now()));
                    }
                    break;
                case BundleEvent.UPDATED: {
                    Path file = deployFile(b);
                    var before = beforeStop.remove(b.getBundleId());
                    if (file == null && before != null) {
                        // a feature upgrade (Karaf updates the bundle itself) or bundle:update: gated after the fact
                        Installed now = installed(b);
                        Instant since = Instant.now();
                        List<String> online = readingSince(driverIdsOf(b), before.getValue().minus(upgrades.timeout()));
                        String from = before.getKey();
                        deployChecks.execute(() -> upgrades.updatedElsewhere(now, from, online, since));
                    }
                    if (file != null) {
                        Instant since = Instant.now();
                        String from = before == null ? "" : before.getKey();
                        // devices that read within one gate timeout before the stop were working: they must again
                        List<String> online = before == null ? List.of()
                                : readingSince(DriverJar.read(file).driverIds(),
                                        before.getValue().minus(upgrades.timeout()));
                        deployChecks.execute(() -> upgrades.deployed(from, online, file, since, true));
                    }
                    break;
                }
                case BundleEvent.INSTALLED: {
                    Path file = deployFile(b);
                    var replaced = replacedDrivers.remove(String.valueOf(b.getSymbolicName()));
                    if (file == null && replaced != null
                            && replaced.getValue().isAfter(Instant.now().minus(Duration.ofMinutes(2)))) {
                        // a feature upgrade that swapped the bundle: gated after the fact like an update
                        Installed now = installed(b);
                        Instant since = Instant.now();
                        List<String> online = readingSince(driverIdsOf(b),
                                replaced.getValue().minus(upgrades.timeout()));
                        String from = replaced.getKey();
                        deployChecks.execute(() -> upgrades.updatedElsewhere(now, from, online, since));
                    }
                    if (file == null) {
                        break;
                    }
                    Instant since = Instant.now();
                    Optional<Installed> older = bundles(b.getSymbolicName()).stream()
                            .filter(o -> o.bundleId != b.getBundleId()).findFirst();
                    // beside an older copy (another file name): the higher version takes the devices over
                    boolean takesOver = older.isPresent()
                            && org.osgi.framework.Version.parseVersion(older.get().version).compareTo(b.getVersion()) < 0;
                    List<String> online = takesOver ? onlineOf(DriverJar.read(file).driverIds()) : List.of();
                    String from = takesOver ? older.get().version : "";
                    deployChecks.execute(() -> upgrades.deployed(from, online, file, since, !takesOver));
                    break;
                }
                case BundleEvent.STARTED: {
                    beforeStop.remove(b.getBundleId()); // stopped and started again without an update
                    if (deployFile(b) != null || upgrades.knows(b.getSymbolicName())) {
                        // kept while deploy/ still holds it: the file may be overwritten by the next version
                        Installed running = installed(b);
                        deployChecks.execute(() -> upgrades.keepRunning(running));
                    }
                    break;
                }
                case BundleEvent.UNINSTALLED:
                    beforeStop.remove(b.getBundleId());
                    if (b.getSymbolicName() != null && upgrades.knows(b.getSymbolicName())) {
                        replacedDrivers.put(b.getSymbolicName(), Map.entry(b.getVersion().toString(), Instant.now()));
                    }
                    break;
                default:
                    break;
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("deploy/ check of {} skipped: {}", b.getSymbolicName(), e.toString());
        }
    }

    /** The driver ids of a bundle: those of its kept versions (SCR may have unregistered its services already). */
    private List<String> driverIdsOf(Bundle b) {
        return new ArrayList<>(upgrades.driverIdsOf(b.getSymbolicName()));
    }

    private void driverRegistered(org.osgi.framework.ServiceEvent event) {
        Bundle b = event.getServiceReference().getBundle();
        if (event.getType() == org.osgi.framework.ServiceEvent.REGISTERED && b != null) {
            Installed running = installed(b);
            try {
                deployChecks.execute(() -> upgrades.keepRunning(running)); // once per bundle content (its index)
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("vault copy of {} skipped: the component is stopping", running);
            }
        }
    }

    private List<String> readingSince(List<String> driverIds, Instant since) {
        return registry.devices().stream()
                .filter(d -> driverIds.contains(d.driverId()) && d.lastReading() != null
                        && d.lastReading().isAfter(since))
                .map(DeviceInfo::id).sorted().collect(Collectors.toList());
    }

    private List<String> onlineOf(List<String> driverIds) {
        return registry.devices().stream()
                .filter(d -> driverIds.contains(d.driverId()) && d.state() == DeviceState.ONLINE)
                .map(DeviceInfo::id).sorted().collect(Collectors.toList());
    }

    /** The bundle's jar when FileInstall installed it from deploy/, else null. */
    private Path deployFile(Bundle b) {
        String base = context.getProperty("karaf.base");
        String loc = b.getLocation();
        if (base == null || loc == null || !loc.startsWith("file:")) {
            return null;
        }
        try {
            Path file = Paths.get(URI.create(loc.replace(" ", "%20"))).toAbsolutePath().normalize();
            Path deploy = Paths.get(base, "deploy").toAbsolutePath().normalize();
            return file.startsWith(deploy) && Files.isRegularFile(file) ? file : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Modified
    void modified(Map<String, Object> config) {
        upgrades.settings(settings(config));
    }

    /** Puts a copy of every driver running now into the vault, so the first upgrade can be undone. */
    private void keepInstalledDrivers() {
        try {
            for (ServiceReference<MeterDriver> ref : context.getServiceReferences(MeterDriver.class, null)) {
                Bundle b = ref.getBundle();
                if (b != null) {
                    upgrades.keepRunning(installed(b));
                }
            }
        } catch (InvalidSyntaxException | RuntimeException e) {
            LOG.debug("vault sweep: {}", e.toString());
        }
    }

    private DriverUpgrades.Settings settings(Map<String, Object> config) {
        long timeout = number(config, "upgrade.timeout.s", 60);
        long keep = number(config, "vault.keep", 3);
        boolean require = Boolean.parseBoolean(String.valueOf(config.getOrDefault("require.signature", "false")).trim());
        KeyStore trust = null;
        if (require) {
            trust = truststore(String.valueOf(config.getOrDefault("truststore", "etc/drivers-truststore.p12")),
                    String.valueOf(config.getOrDefault("truststore.password", "changeit")));
        }
        String api = runningApi();
        LOG.info("org.meter2mqtt.drivers: upgrade.timeout.s={} require.signature={} vault.keep={} (API {})", timeout,
                require, keep, api);
        return new DriverUpgrades.Settings(Duration.ofSeconds(Math.max(1, timeout)), new Preflight(api, require, trust),
                (int) Math.min(Math.max(keep, 2), 100));
    }

    private static long number(Map<String, Object> config, String key, long dflt) {
        Object v = config.get(key);
        try {
            return v == null ? dflt : Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            LOG.error("org.meter2mqtt.drivers: {} must be a whole number, got '{}'; using {}", key, v, dflt);
            return dflt;
        }
    }

    /** The truststore, or an empty one (every jar then refused) when it cannot be read. */
    private KeyStore truststore(String path, String password) {
        Path p = Paths.get(path);
        if (!p.isAbsolute() && context.getProperty("karaf.base") != null) {
            p = Paths.get(context.getProperty("karaf.base")).resolve(p);
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(p)) {
                ks.load(in, password.toCharArray());
            }
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            LOG.error("require.signature = true but the truststore {} cannot be read ({}): every driver jar is refused",
                    p, e.toString());
            try {
                KeyStore empty = KeyStore.getInstance("PKCS12");
                empty.load(null, null);
                return empty;
            } catch (IOException | GeneralSecurityException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }

    /** The version of org.meter2mqtt.api the gateway exports. */
    private static String runningApi() {
        Bundle api = org.osgi.framework.FrameworkUtil.getBundle(MeterDriver.class);
        BundleWiring wiring = api == null ? null : api.adapt(BundleWiring.class);
        if (wiring != null) {
            for (BundleCapability c : wiring.getCapabilities("osgi.wiring.package")) {
                if ("org.meter2mqtt.api".equals(c.getAttributes().get("osgi.wiring.package"))) {
                    return c.getAttributes().get("version").toString();
                }
            }
        }
        return "1.0.0";
    }

    // ---- DriverManagement: the flow

    @Override
    public Outcome install(String location, boolean force) {
        return upgrades.install(location, force);
    }

    @Override
    public Outcome upgrade(String driver, String location) {
        return upgrades.upgrade(driver, location);
    }

    @Override
    public Outcome rollback(String driver) {
        return upgrades.rollback(driver);
    }

    @Override
    public Outcome remove(String driver) {
        return upgrades.remove(driver);
    }

    @Override
    public List<DriverHistory.Entry> history(String driver) {
        return upgrades.history(driver);
    }

    // ---- DriverFramework: real bundles

    private static Installed installed(Bundle b) {
        return new Installed(b.getBundleId(), b.getSymbolicName(), b.getVersion().toString(), b.getLocation(),
                b.getLastModified());
    }

    @Override
    public List<Installed> bundles(String symbolicName) {
        List<Installed> out = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED) {
                out.add(installed(b));
            }
        }
        return out;
    }

    @Override
    public Optional<Installed> providing(String driverId) {
        try {
            for (ServiceReference<MeterDriver> ref : context.getServiceReferences(MeterDriver.class,
                    "(" + MeterDriver.PROPERTY_ID + "=" + driverId.replaceAll("[()*\\\\]", "") + ")")) {
                if (ref.getBundle() != null) {
                    return Optional.of(installed(ref.getBundle()));
                }
            }
        } catch (InvalidSyntaxException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    @Override
    public Optional<Installed> located(String location) {
        Path wanted = pathOf(location);
        for (Bundle b : context.getBundles()) {
            if (location.equals(b.getLocation()) || wanted != null && wanted.equals(pathOf(b.getLocation()))) {
                return Optional.of(installed(b));
            }
        }
        return Optional.empty();
    }

    private static Path pathOf(String location) {
        try {
            return location != null && location.startsWith("file:")
                    ? Paths.get(URI.create(location.replace(" ", "%20"))).toAbsolutePath().normalize() : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public Installed install(Path jar) throws Exception {
        return install(jar, LOCATION_PREFIX + DriverJar.read(jar).symbolicName());
    }

    @Override
    public Installed install(Path jar, String location) throws Exception {
        Bundle b;
        OWN_STEP.set(true);
        try (InputStream in = Files.newInputStream(jar)) {
            b = context.installBundle(location, in);
            b.start();
        } finally {
            OWN_STEP.set(false);
        }
        return installed(b);
    }

    @Override
    public void update(Installed bundle, Path jar) throws Exception {
        Bundle b = context.getBundle(bundle.bundleId);
        if (b == null) {
            throw new BundleException(bundle + " is no longer installed");
        }
        OWN_STEP.set(true);
        try (InputStream in = Files.newInputStream(jar)) {
            b.update(in);
            if (b.getState() != Bundle.ACTIVE) {
                try {
                    b.start();
                } catch (BundleException e) {
                    // a version that does not start fails its health gate; the rollback follows
                    LOG.warn("{} {} did not start: {}", b.getSymbolicName(), b.getVersion(), e.getMessage());
                }
            }
        } finally {
            OWN_STEP.set(false);
        }
    }

    @Override
    public void uninstall(Installed bundle) throws Exception {
        Bundle b = context.getBundle(bundle.bundleId);
        if (b != null) {
            OWN_STEP.set(true);
            try {
                b.uninstall();
            } finally {
                OWN_STEP.set(false);
            }
        }
    }
}
