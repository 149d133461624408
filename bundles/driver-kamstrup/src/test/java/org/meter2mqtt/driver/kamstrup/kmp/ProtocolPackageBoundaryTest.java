package org.meter2mqtt.driver.kamstrup.kmp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The KMP codec is plain Java: no OSGi, Karaf, MQTT or gateway API types. */
class ProtocolPackageBoundaryTest {

    @Test
    void kmpPackageImportsNoFrameworkTypes() throws IOException {
        Path dir = Path.of("src/main/java/org/meter2mqtt/driver/kamstrup/kmp");
        List<Path> sources;
        try (Stream<Path> s = Files.list(dir)) {
            sources = s.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList());
        }
        assertThat(sources).hasSizeGreaterThan(5);
        for (Path p : sources) {
            String text = Files.readString(p);
            assertThat(text).as(p.toString()).doesNotContain("org.osgi").doesNotContain("org.apache.karaf")
                    .doesNotContain("org.eclipse.paho").doesNotContain("org.meter2mqtt.api");
        }
    }
}
