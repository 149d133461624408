package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The publisher core is plain Java: only the internal package may see OSGi, and nothing sees Paho. */
class BoundaryTest {

    @Test
    void corePackageImportsNoOsgi() throws IOException {
        Path core = Path.of("src/main/java/org/meter2mqtt/mqtt");
        List<Path> offenders;
        try (Stream<Path> files = Files.list(core)) {
            offenders = files.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    return Files.readString(p).contains("import org.osgi");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).collect(Collectors.toList());
        }
        assertThat(core.resolve("MqttPublisher.java")).exists();
        assertThat(offenders).isEmpty();
    }

    /** Paho lives behind org.meter2mqtt.mqtt.client (bundles/mqtt-client): no source of the output imports it. */
    @Test
    void noSourceOfTheOutputImportsPaho() throws IOException {
        Path main = Path.of("src/main/java");
        List<Path> offenders;
        try (Stream<Path> files = Files.walk(main)) {
            offenders = files.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    return Files.readString(p).contains("org.eclipse.paho");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).collect(Collectors.toList());
        }
        assertThat(main.resolve("org/meter2mqtt/mqtt/MqttPublisher.java")).exists();
        assertThat(offenders).isEmpty();
    }
}
