package org.meter2mqtt.tck;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Checks what Karaf will see of a driver bundle: its manifest and DS component descriptions, read from the
 * build output (bnd writes them into {@code target/classes} before the tests run) or from the jar.
 */
public final class BundleMetadata {

    /** Reads a resource of the bundle, or returns null when it is absent. */
    @FunctionalInterface
    public interface Resources {
        InputStream open(String path) throws IOException;
    }

    static final String API = "org.meter2mqtt.api";
    private static final Pattern RANGE = Pattern.compile("\\[\\s*(\\d+)(?:\\.(\\d+))?[^,]*,\\s*(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?\\s*\\)");

    private BundleMetadata() {
    }

    /** The problems of the bundle holding {@code cls}; empty when there are none. */
    public static List<String> check(Class<?> cls, String driverId) {
        Path where;
        try {
            where = Path.of(cls.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | NullPointerException e) {
            return List.of("cannot locate the classes of " + cls.getName());
        }
        try {
            if (Files.isDirectory(where)) {
                return check(path -> {
                    Path p = where.resolve(path);
                    return Files.isRegularFile(p) ? Files.newInputStream(p) : null;
                }, driverId);
            }
            try (JarFile jar = new JarFile(where.toFile())) {
                return check(path -> jar.getEntry(path) == null ? null : jar.getInputStream(jar.getEntry(path)),
                        driverId);
            }
        } catch (IOException e) {
            return List.of("cannot read " + where + ": " + e);
        }
    }

    /** The problems of a bundle whose files {@code resources} reads. */
    public static List<String> check(Resources resources, String driverId) throws IOException {
        List<String> problems = new ArrayList<>();
        Manifest mf;
        try (InputStream in = resources.open("META-INF/MANIFEST.MF")) {
            if (in == null) {
                return List.of("no META-INF/MANIFEST.MF: build the driver with bnd (bnd-maven-plugin, goal "
                        + "bnd-process) so that Karaf can install it");
            }
            mf = new Manifest(in);
        }
        var main = mf.getMainAttributes();
        if (main.getValue("Bundle-SymbolicName") == null) {
            problems.add("no Bundle-SymbolicName: the jar is not an OSGi bundle");
        }
        String api = null;
        for (String clause : clauses(main.getValue("Import-Package"))) {
            if (clause.equals(API) || clause.startsWith(API + ";")) {
                api = clause;
            }
        }
        if (api == null) {
            problems.add("Import-Package does not import " + API);
        } else {
            checkRange(api, problems);
        }
        for (String clause : clauses(main.getValue("Export-Package"))) {
            String pkg = clause.split(";", 2)[0].trim();
            if (pkg.equals(API) || pkg.startsWith(API + ".")) {
                problems.add("exports " + pkg + ": a driver must import the API, never carry its own copy");
            } else if (pkg.matches(".*\\.(internal|impl)(\\..*)?")) {
                problems.add("exports the internal package " + pkg + " (add no @Export to it)");
            }
        }
        String components = main.getValue("Service-Component");
        if (components == null || components.isBlank()) {
            problems.add("no Service-Component header: the driver declares no DS component, so nothing registers "
                    + "its MeterDriver service (annotate the component class with @Component)");
        } else {
            checkComponents(resources, clauses(components), driverId, problems);
        }
        return problems;
    }

    private static void checkRange(String clause, List<String> problems) {
        Matcher v = Pattern.compile("version\\s*=\\s*\"([^\"]*)\"").matcher(clause);
        if (!v.find()) {
            problems.add("imports " + API + " without a version range: it would wire to any API, even 2.0");
            return;
        }
        Matcher r = RANGE.matcher(v.group(1));
        if (!r.matches()) {
            problems.add("imports " + API + " with version \"" + v.group(1) + "\": use a consumer range [1.x,2) so "
                    + "the driver survives minor gateway updates and refuses a major one");
            return;
        }
        int lowMajor = Integer.parseInt(r.group(1));
        int highMajor = Integer.parseInt(r.group(3));
        boolean highMinorZero = r.group(4) == null || Integer.parseInt(r.group(4)) == 0;
        boolean highMicroZero = r.group(5) == null || Integer.parseInt(r.group(5)) == 0;
        if (highMajor != lowMajor + 1 || !highMinorZero || !highMicroZero) {
            problems.add("imports " + API + " with " + v.group(1) + ", a provider range: a driver only consumes "
                    + "the API, so the range must be [" + lowMajor + ".x," + (lowMajor + 1) + ") (do not implement "
                    + "@ProviderType interfaces such as DeviceContext)");
        }
    }

    private static void checkComponents(Resources resources, List<String> paths, String driverId,
            List<String> problems) throws IOException {
        List<String> ids = new ArrayList<>();
        for (String path : paths) {
            try (InputStream in = resources.open(path.trim())) {
                if (in == null) {
                    problems.add("Service-Component names " + path + ", which is not in the bundle");
                    continue;
                }
                Document doc;
                try {
                    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
                    f.setNamespaceAware(true);
                    doc = f.newDocumentBuilder().parse(in);
                } catch (Exception e) {
                    problems.add(path + " is not a valid component description: " + e.getMessage());
                    continue;
                }
                boolean provides = false;
                NodeList provide = doc.getElementsByTagNameNS("*", "provide");
                for (int i = 0; i < provide.getLength(); i++) {
                    provides |= "org.meter2mqtt.api.MeterDriver"
                            .equals(((Element) provide.item(i)).getAttribute("interface"));
                }
                if (!provides) {
                    continue;
                }
                NodeList props = doc.getElementsByTagNameNS("*", "property");
                for (int i = 0; i < props.getLength(); i++) {
                    Element p = (Element) props.item(i);
                    if ("meter.driver".equals(p.getAttribute("name"))) {
                        ids.add(p.hasAttribute("value") ? p.getAttribute("value") : p.getTextContent().trim());
                    }
                }
                if (ids.isEmpty()) {
                    problems.add(path + " provides MeterDriver without the service property meter.driver=" + driverId);
                }
            }
        }
        if (ids.isEmpty() && problems.stream().noneMatch(p -> p.contains("meter.driver"))) {
            problems.add("no DS component provides org.meter2mqtt.api.MeterDriver");
        } else if (!ids.isEmpty() && !ids.contains(driverId)) {
            problems.add("the component registers meter.driver=" + ids + ", but the description's id is " + driverId);
        }
    }

    /** Splits a manifest header at commas outside quotes. */
    static List<String> clauses(String header) {
        List<String> out = new ArrayList<>();
        if (header == null) {
            return out;
        }
        StringBuilder sb = new StringBuilder();
        boolean quoted = false;
        for (char ch : header.toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
            }
            if (ch == ',' && !quoted) {
                out.add(sb.toString().trim());
                sb.setLength(0);
            } else {
                sb.append(ch);
            }
        }
        if (sb.length() > 0) {
            out.add(sb.toString().trim());
        }
        return out;
    }
}
