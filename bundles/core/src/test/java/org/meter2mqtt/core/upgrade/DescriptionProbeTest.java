package org.meter2mqtt.core.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.ConfigKey;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.ModelDescription;

/** The description of a candidate jar's driver, learned from the jar before it is installed. */
class DescriptionProbeTest {

    @TempDir
    Path tmp;

    /** A driver as a vendor writes it: no-argument constructor, describe() without services. */
    public static class Probed implements MeterDriver {
        @Override
        public DriverDescription describe() {
            return DriverDescription.builder("probed").model(new ModelDescription("m", "M", "V",
                    List.of(Channel.builder("x").build())))
                    .configKey(ConfigKey.builder("tariff", ConfigKey.Type.INTEGER).build()).build();
        }

        @Override
        public DriverSession open(DeviceContext context) {
            throw new UnsupportedOperationException();
        }
    }

    /** Constructor injection: cannot be built outside the framework. */
    public static class Injected extends Probed {
        public Injected(Object service) {
        }
    }

    private DriverJar jar(Class<?> impl) throws Exception {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-SymbolicName", "com.acme.probed");
        a.putValue("Bundle-Version", "1.0.0");
        a.putValue("Import-Package", "org.meter2mqtt.api;version=\"[1.1,2)\"");
        a.putValue("Service-Component", "OSGI-INF/probed.xml");
        Path jar = tmp.resolve(impl.getSimpleName() + ".jar");
        String classFile = impl.getName().replace('.', '/') + ".class";
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf);
                InputStream cls = impl.getClassLoader().getResourceAsStream(classFile)) {
            out.putNextEntry(new JarEntry("OSGI-INF/probed.xml"));
            out.write(("<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.3.0\" name=\"p\">"
                    + "<implementation class=\"" + impl.getName() + "\"/><property name=\"meter.driver\" "
                    + "value=\"probed\"/><service><provide interface=\"org.meter2mqtt.api.MeterDriver\"/></service>"
                    + "</scr:component>").getBytes(StandardCharsets.UTF_8));
            out.putNextEntry(new JarEntry(classFile));
            out.write(cls.readAllBytes());
        }
        return DriverJar.read(jar);
    }

    @Test
    void aPlainDriverDescribesItselfAndAnInjectedOneIsSkipped() throws Exception {
        DescriptionProbe probe = new DescriptionProbe(MeterDriver.class.getClassLoader());
        DriverJar plain = jar(Probed.class);
        assertThat(plain.implementation("probed")).isEqualTo(Probed.class.getName());
        assertThat(probe.describe(plain, "probed")).hasValueSatisfying(
                d -> assertThat(d.configKey("tariff")).isPresent());
        assertThat(probe.describe(jar(Injected.class), "probed")).isEmpty();
        assertThat(probe.describe(plain, "other")).isEmpty();
    }
}
