package org.meter2mqtt.shell.internal;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * After the shell rewrote a device's .cfg, gives the configuration FileInstall made of that file the file's new values
 * at once, instead of leaving that to FileInstall alone.
 *
 * <p>FileInstall saves every updated configuration back into its .cfg (enableConfigSave) on the CM_UPDATED event,
 * which Config Admin delivers later, on its own thread, with the values the configuration has by then. When the event
 * of the previous values came after the shell wrote the file, it wrote those values over the edit, and FileInstall
 * took the file as seen (its checksum of time stamp and length): the edit was never applied. Once the configuration
 * has the new values, a late save-back writes those.
 *
 * <p>The file stays the source of truth: the configuration gets only what FileInstall would read from it, so only
 * when that is certain. The configuration must hold the previous text's values as read here (FileInstall is up to
 * date with the file and reads it as we do), and nothing in the text may be read otherwise by FileInstall than by
 * java.util.Properties: ${...} (substituted), backslashes (dropped before \, { and }), typed values ("...", [...],
 * {...}). Otherwise FileInstall applies the file on its own, as before.
 */
final class ConfigMirror {

    /** The property by which FileInstall links a configuration to its file (a file: URI). */
    static final String FILENAME = "felix.fileinstall.filename";

    private static final Set<String> NOT_FROM_THE_FILE = Set.of(Constants.SERVICE_PID,
            ConfigurationAdmin.SERVICE_FACTORYPID, FILENAME);

    /** A value FileInstall may take for a typed one, with an optional type letter: "...", [...] or {...}. */
    private static final Pattern TYPED = Pattern.compile("\\s*[A-Za-z]?\\s*[\"\\[{].*", Pattern.DOTALL);

    private final ConfigurationAdmin configAdmin;
    private final Charset fileInstallCharset;

    ConfigMirror(ConfigurationAdmin configAdmin, Charset fileInstallCharset) {
        this.configAdmin = configAdmin;
        this.fileInstallCharset = fileInstallCharset;
    }

    static ConfigMirror karaf(ConfigurationAdmin configAdmin) {
        // FileInstall decodes .cfg files with felix.fileinstall.configEncoding, ISO-8859-1 when it is not set
        Bundle bundle = FrameworkUtil.getBundle(ConfigMirror.class);
        String encoding = bundle != null && bundle.getBundleContext() != null
                ? bundle.getBundleContext().getProperty("felix.fileinstall.configEncoding") : null;
        return new ConfigMirror(configAdmin, encoding != null ? Charset.forName(encoding) : StandardCharsets.ISO_8859_1);
    }

    /**
     * The shell has replaced the text {@code before} of {@code file} by {@code after} (both written as UTF-8): gives
     * the file's configuration the values of {@code after}. False when it left that to FileInstall: no configuration
     * is linked to the file yet, or it is not certain what FileInstall reads from the file.
     */
    boolean apply(Path file, String before, String after) throws IOException {
        Configuration config = configurationOf(file);
        Dictionary<String, Object> current = config != null ? config.getProperties() : null;
        if (current == null) {
            return false;
        }
        Map<String, String> now = readAsFileInstall(after);
        if (now == null) {
            return false;
        }
        Map<String, Object> running = fromTheFile(current);
        if (!now.equals(running)) {
            if (!running.equals(readAsFileInstall(before))) {
                return false;
            }
            Hashtable<String, Object> props = new Hashtable<>(now);
            props.put(FILENAME, current.get(FILENAME));
            config.updateIfDifferent(props);
        }
        return true;
    }

    /** The configuration FileInstall links to the file, or null. */
    private Configuration configurationOf(Path file) throws IOException {
        Configuration[] all;
        try {
            all = configAdmin.listConfigurations("(" + FILENAME + "=*)");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        for (Configuration c : all == null ? new Configuration[0] : all) {
            Dictionary<String, Object> props = c.getProperties();
            Object name = props != null ? props.get(FILENAME) : null;
            if (name instanceof String && sameFile(file, (String) name)) {
                return c;
            }
        }
        return null;
    }

    private static boolean sameFile(Path file, String uri) {
        try {
            return Files.isSameFile(file, Paths.get(URI.create(uri)));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static Map<String, Object> fromTheFile(Dictionary<String, Object> props) {
        Map<String, Object> out = new HashMap<>();
        for (String key : Collections.list(props.keys())) {
            if (!NOT_FROM_THE_FILE.contains(key)) {
                out.put(key, props.get(key));
            }
        }
        return out;
    }

    /** What FileInstall reads from a .cfg text the shell wrote, or null when that is not certain. */
    Map<String, String> readAsFileInstall(String text) {
        String decoded = new String(text.getBytes(StandardCharsets.UTF_8), fileInstallCharset);
        if (decoded.indexOf('\\') >= 0 || decoded.contains("${")) {
            return null;
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(decoded));
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
        Map<String, String> out = new HashMap<>();
        for (String key : p.stringPropertyNames()) {
            String value = p.getProperty(key);
            if (TYPED.matcher(value).matches()) {
                return null;
            }
            out.put(key, value);
        }
        return out;
    }
}
