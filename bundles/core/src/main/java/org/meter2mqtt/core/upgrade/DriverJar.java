package org.meter2mqtt.core.upgrade;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.CodeSigner;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What the gateway can learn about a driver jar before installing it: identity, the API range it imports,
 * the driver id its DS component registers, a content hash, and whether its signature checks out. Plain Java.
 */
public final class DriverJar {

    static final String API = "org.meter2mqtt.api";
    private static final Pattern VERSION_ATTR = Pattern.compile("version\\s*=\\s*\"([^\"]*)\"");

    private final Path file;
    private final String symbolicName;
    private final String version;
    private final String apiRange;
    private final List<String> driverIds;
    private final String sha256;
    private final java.util.Map<String, String> implementations;

    private DriverJar(Path file, String symbolicName, String version, String apiRange, List<String> driverIds,
            String sha256, java.util.Map<String, String> implementations) {
        this.implementations = java.util.Map.copyOf(implementations);
        this.file = file;
        this.symbolicName = symbolicName;
        this.version = version;
        this.apiRange = apiRange;
        this.driverIds = List.copyOf(driverIds);
        this.sha256 = sha256;
    }

    /**
     * Whether the file starts as a zip archive does (a jar's first entry header). FileInstall asks about every file in
     * {@code deploy/} on every scan, a README included: this spares hashing and opening those as jars each second.
     */
    public static boolean mayBeJar(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4);
            return head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Reads a jar; an unreadable file or one that is no bundle is an {@link IOException} with the reason. */
    public static DriverJar read(Path file) throws IOException {
        String hash = sha256(file);
        try (JarFile jar = new JarFile(file.toFile(), false)) {
            Manifest mf = jar.getManifest();
            if (mf == null) {
                throw new IOException(file.getFileName() + " has no manifest: not an OSGi bundle");
            }
            var main = mf.getMainAttributes();
            String bsn = main.getValue("Bundle-SymbolicName");
            if (bsn == null) {
                throw new IOException(file.getFileName() + " has no Bundle-SymbolicName: not an OSGi bundle");
            }
            bsn = bsn.split(";", 2)[0].trim();
            String version = Optional.ofNullable(main.getValue("Bundle-Version")).orElse("0.0.0").trim();
            String range = null;
            for (String clause : clauses(main.getValue("Import-Package"))) {
                if (clause.equals(API) || clause.startsWith(API + ";")) {
                    Matcher m = VERSION_ATTR.matcher(clause);
                    range = m.find() ? m.group(1) : "0.0.0";
                }
            }
            List<String> ids = new ArrayList<>();
            java.util.Map<String, String> impls = new java.util.HashMap<>();
            for (String path : clauses(main.getValue("Service-Component"))) {
                JarEntry e = jar.getJarEntry(path.trim());
                if (e != null) {
                    try (InputStream in = jar.getInputStream(e)) {
                        ids.addAll(driverIds(in, impls));
                    }
                }
            }
            return new DriverJar(file, bsn, version, range, ids, hash, impls);
        }
    }

    /** The {@code meter.driver} ids of the DS components in the jar that provide {@code MeterDriver}. */
    private static List<String> driverIds(InputStream xml, java.util.Map<String, String> impls) throws IOException {
        Document doc;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            doc = f.newDocumentBuilder().parse(xml);
        } catch (Exception e) {
            throw new IOException("invalid component description: " + e.getMessage(), e);
        }
        boolean provides = false;
        NodeList provide = doc.getElementsByTagNameNS("*", "provide");
        for (int i = 0; i < provide.getLength(); i++) {
            provides |= "org.meter2mqtt.api.MeterDriver".equals(((Element) provide.item(i)).getAttribute("interface"));
        }
        List<String> ids = new ArrayList<>();
        if (provides) {
            NodeList props = doc.getElementsByTagNameNS("*", "property");
            for (int i = 0; i < props.getLength(); i++) {
                Element p = (Element) props.item(i);
                if ("meter.driver".equals(p.getAttribute("name"))) {
                    ids.add(p.hasAttribute("value") ? p.getAttribute("value") : p.getTextContent().trim());
                }
            }
            NodeList impl = doc.getElementsByTagNameNS("*", "implementation");
            if (impl.getLength() > 0) {
                for (String id : ids) {
                    impls.put(id, ((Element) impl.item(0)).getAttribute("class"));
                }
            }
        }
        return ids;
    }

    /**
     * Checks the jar's signature: every entry (apart from the signature files) signed, unchanged since signing,
     * by a certificate in {@code trust}.
     *
     * @return empty when trusted, else why not
     */
    public Optional<String> untrusted(KeyStore trust) {
        try (JarFile jar = new JarFile(file.toFile(), true)) {
            boolean any = false;
            byte[] buf = new byte[8192];
            for (Enumeration<JarEntry> en = jar.entries(); en.hasMoreElements();) {
                JarEntry e = en.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                try (InputStream in = jar.getInputStream(e)) {
                    while (in.read(buf) >= 0) {
                        // reading to the end is what makes JarFile check the digest
                    }
                }
                String name = e.getName().toUpperCase(java.util.Locale.ROOT);
                if (name.startsWith("META-INF/") && (name.endsWith(".SF") || name.endsWith(".RSA")
                        || name.endsWith(".EC") || name.endsWith(".DSA") || name.equals("META-INF/MANIFEST.MF"))) {
                    continue;
                }
                CodeSigner[] signers = e.getCodeSigners();
                if (signers == null || signers.length == 0) {
                    return Optional.of(e.getName() + " is not signed");
                }
                if (!trusted(signers, trust)) {
                    return Optional.of(e.getName() + " is signed by a certificate not in the truststore");
                }
                any = true;
            }
            return any ? Optional.empty() : Optional.of("the jar is not signed");
        } catch (SecurityException e) {
            return Optional.of("the signature does not match the content (tampered?): " + e.getMessage());
        } catch (IOException e) {
            return Optional.of("cannot read the jar: " + e.getMessage());
        }
    }

    private static boolean trusted(CodeSigner[] signers, KeyStore trust) {
        try {
            for (CodeSigner s : signers) {
                for (Certificate c : s.getSignerCertPath().getCertificates()) {
                    for (String alias : Collections.list(trust.aliases())) {
                        if (c.equals(trust.getCertificate(alias))) {
                            return true;
                        }
                    }
                }
            }
        } catch (KeyStoreException e) {
            return false;
        }
        return false;
    }

    public Path file() {
        return file;
    }

    public String symbolicName() {
        return symbolicName;
    }

    public String version() {
        return version;
    }

    /** The version range of the API import, "0.0.0" for an import without one, null when not imported. */
    public String apiRange() {
        return apiRange;
    }

    public List<String> driverIds() {
        return driverIds;
    }

    public String sha256() {
        return sha256;
    }

    /** The implementation class of the component registering driver {@code id}, or null. */
    public String implementation(String id) {
        return implementations.get(id);
    }

    static String sha256(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[65536];
                for (int n; (n = in.read(buf)) > 0;) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

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
