package org.meter2mqtt.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The publisher core is plain Java: only the internal package may see OSGi. */
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
}
