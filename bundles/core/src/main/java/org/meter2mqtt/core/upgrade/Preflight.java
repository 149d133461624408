package org.meter2mqtt.core.upgrade;

import java.security.KeyStore;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checks made before anything stops: a driver jar that fails one is refused and the running version keeps
 * running. Plain Java, so each rule is tested without a framework.
 */
public final class Preflight {

    private static final Pattern RANGE = Pattern.compile(
            "\\s*([\\[(])\\s*([0-9][^,]*?)\\s*,\\s*([0-9][^\\])]*?)\\s*([\\])])\\s*");

    private final String runningApi;
    private final boolean requireSignature;
    private final KeyStore trust;

    /**
     * @param runningApi the version of {@code org.meter2mqtt.api} the gateway exports, e.g. {@code 1.1.0}
     * @param trust the truststore when signatures are required, else null
     */
    public Preflight(String runningApi, boolean requireSignature, KeyStore trust) {
        this.runningApi = runningApi;
        this.requireSignature = requireSignature;
        this.trust = trust;
        if (requireSignature && trust == null) {
            throw new IllegalArgumentException("require.signature needs a truststore");
        }
    }

    /** Why {@code jar} must not be installed, or empty when it may be. */
    public Optional<String> refusal(DriverJar jar, Set<String> quarantinedHashes, boolean force) {
        if (!force && quarantinedHashes.contains(jar.sha256())) {
            return Optional.of(jar.symbolicName() + " " + jar.version() + " is quarantined (it failed its health "
                    + "gate before); a jar with other content or driver-install --force installs it");
        }
        if (jar.apiRange() == null) {
            return Optional.of(jar.symbolicName() + " does not import " + DriverJar.API + ": not a driver");
        }
        if (!includes(jar.apiRange(), runningApi)) {
            return Optional.of(jar.symbolicName() + " " + jar.version() + " needs " + DriverJar.API + " "
                    + jar.apiRange() + ", the gateway has " + runningApi + ": it could not resolve");
        }
        if (jar.driverIds().isEmpty()) {
            return Optional.of(jar.symbolicName() + " " + jar.version()
                    + " declares no DS component providing MeterDriver with meter.driver=<id>");
        }
        if (requireSignature) {
            Optional<String> why = jar.untrusted(trust);
            if (why.isPresent()) {
                return Optional.of(jar.symbolicName() + " " + jar.version() + " refused (require.signature): "
                        + why.get());
            }
        }
        return Optional.empty();
    }

    /** OSGi version range semantics: {@code [1.1,2)}, or a bare version meaning "at least". */
    static boolean includes(String range, String version) {
        Matcher m = RANGE.matcher(range);
        if (!m.matches()) {
            return compare(version, range.trim()) >= 0;
        }
        int low = compare(version, m.group(2));
        int high = compare(version, m.group(3));
        boolean lowOk = m.group(1).equals("[") ? low >= 0 : low > 0;
        boolean highOk = m.group(4).equals("]") ? high <= 0 : high < 0;
        return lowOk && highOk;
    }

    static int compare(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < 3; i++) {
            int p = i < x.length ? Integer.parseInt(x[i].trim()) : 0;
            int q = i < y.length ? Integer.parseInt(y[i].trim()) : 0;
            if (p != q) {
                return Integer.compare(p, q);
            }
        }
        String qx = x.length > 3 ? x[3] : "";
        String qy = y.length > 3 ? y[3] : "";
        return qx.compareTo(qy);
    }
}
