package org.meter2mqtt.driver.homeassistant.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The Home Assistant protocol code is plain Java (JDK HTTP, Jackson): no OSGi, Karaf or gateway API types. */
class ProtocolPackageBoundaryTest {

    @Test
    void protocolPackageImportsNoFrameworkTypes() throws IOException {
        Path dir = Path.of("src/main/java/org/meter2mqtt/driver/homeassistant/protocol");
        List<Path> sources;
        try (Stream<Path> s = Files.list(dir)) {
            sources = s.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList());
        }
        assertThat(sources).hasSizeGreaterThan(5);
        for (Path p : sources) {
            assertThat(Files.readString(p)).as(p.toString()).doesNotContain("org.osgi")
                    .doesNotContain("org.apache.karaf").doesNotContain("org.eclipse.paho")
                    .doesNotContain("org.meter2mqtt.api");
        }
    }
}
