package org.meter2mqtt.tck;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The protocol package of a driver (framing, codecs, parsers) is plain Java, so it can be tested with recorded
 * data and reused outside the gateway: no OSGi, Karaf, MQTT client or gateway API type. Checked on the compiled
 * classes, nested and generated ones included: a class file names every type it uses in its constant pool, in
 * the form {@code org/osgi/framework/Bundle}, whether it came from an import, a full name or a lambda.
 */
public final class ProtocolBoundary {

    /** What a protocol class must not use, by package prefix (internal form), and why. */
    static final Map<String, String> FORBIDDEN = forbidden();

    private ProtocolBoundary() {
    }

    private static Map<String, String> forbidden() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("org/osgi/", "OSGi");
        m.put("org/apache/karaf/", "Karaf");
        m.put("org/apache/felix/", "Felix");
        m.put("org/eclipse/paho/", "the Paho MQTT client");
        m.put("org/meter2mqtt/api/", "the gateway API (keep it in internal/)");
        return m;
    }

    /**
     * The problems of package {@code protocolPackage} in the bundle that holds {@code bundleClass}: each class
     * that uses a forbidden type, and an empty or missing package (a wrong name would pass silently).
     */
    public static List<String> check(Class<?> bundleClass, String protocolPackage) {
        Path where;
        try {
            where = Path.of(bundleClass.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | NullPointerException e) {
            return List.of("cannot locate the classes of " + bundleClass.getName());
        }
        String folder = protocolPackage.replace('.', '/') + "/";
        Map<String, byte[]> classes = new LinkedHashMap<>();
        try {
            if (Files.isDirectory(where)) {
                Path dir = where.resolve(folder);
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> s = Files.list(dir)) {
                        for (Path p : s.filter(p -> p.toString().endsWith(".class")).sorted()
                                .collect(Collectors.toList())) {
                            classes.put(folder + p.getFileName(), Files.readAllBytes(p));
                        }
                    }
                }
            } else {
                try (JarFile jar = new JarFile(where.toFile())) {
                    for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements();) {
                        JarEntry entry = e.nextElement();
                        String name = entry.getName();
                        if (name.startsWith(folder) && name.endsWith(".class")
                                && name.indexOf('/', folder.length()) < 0) {
                            classes.put(name, jar.getInputStream(entry).readAllBytes());
                        }
                    }
                }
            }
        } catch (IOException e) {
            return List.of("cannot read " + where + ": " + e);
        }
        if (classes.isEmpty()) {
            return List.of("the protocol package " + protocolPackage + " has no classes in " + where);
        }
        List<String> problems = new ArrayList<>();
        classes.forEach((name, bytes) -> problems.addAll(check(name, bytes)));
        return problems;
    }

    /** The problems of one class file's bytes. */
    static List<String> check(String className, byte[] classFile) {
        // names in the constant pool are (modified) UTF-8; Latin-1 keeps every byte as one char, so ASCII
        // prefixes are found wherever they sit
        String text = new String(classFile, StandardCharsets.ISO_8859_1);
        List<String> problems = new ArrayList<>();
        FORBIDDEN.forEach((prefix, what) -> {
            int at = text.indexOf(prefix);
            if (at >= 0) {
                problems.add(className.replace('/', '.').replaceAll("\\.class$", "") + " uses " + what + " ("
                        + typeAt(text, at) + "): a protocol package must be plain Java");
            }
        });
        return problems;
    }

    private static String typeAt(String text, int at) {
        int end = at;
        while (end < text.length() && (Character.isJavaIdentifierPart(text.charAt(end)) || text.charAt(end) == '/')
                && text.charAt(end) != 0) {
            end++;
        }
        return text.substring(at, end).replace('/', '.');
    }
}
