package org.meter2mqtt.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.meter2mqtt.api.ConfigException;

class LinkSpecTest {

    private static final Map<String, String> P1 = Map.of("baud", "115200", "timeout", "2000");

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/dev/ttyUSB0                                              | SERIAL | /dev/ttyUSB0 | 115200 8N1",
        "/dev/serial/by-id/usb-FTDI_FT232R-if00-port0              | SERIAL | /dev/serial/by-id/usb-FTDI_FT232R-if00-port0 | 115200 8N1",
        "serial:/dev/ttyUSB0?baud=9600&databits=7&parity=even       | SERIAL | /dev/ttyUSB0 | 9600 7E1",
        "serial:///dev/ttyAMA0?stopbits=2                           | SERIAL | /dev/ttyAMA0 | 115200 8N2",
        "file:/dev/pts/3                                            | SERIAL | /dev/pts/3   | 115200 8N1",
        "/tmp/p1?parity=odd                                         | SERIAL | /tmp/p1      | 115200 8O1",
    })
    void serialForms(String uri, LinkSpec.Kind kind, String path, String line) throws ConfigException {
        LinkSpec spec = LinkSpec.parse(uri, P1);
        assertThat(spec.kind()).isEqualTo(kind);
        assertThat(spec.path()).isEqualTo(path);
        assertThat(spec.lineSettings()).isEqualTo(line);
        assertThat(spec.timeoutMs()).isEqualTo(2000);
    }

    @Test
    void socketForm() throws ConfigException {
        LinkSpec spec = LinkSpec.parse("socket://p1dongle.local:23?timeout=300", P1);
        assertThat(spec.kind()).isEqualTo(LinkSpec.Kind.SOCKET);
        assertThat(spec.host()).isEqualTo("p1dongle.local");
        assertThat(spec.port()).isEqualTo(23);
        assertThat(spec.timeoutMs()).isEqualTo(300);
        assertThat(LinkSpec.parse("socket://[::1]:2001", Map.of()).host()).isEqualTo("::1");
    }

    @Test
    void defaultsWithoutDriverSettings() throws ConfigException {
        LinkSpec spec = LinkSpec.parse("/dev/ttyUSB0", null);
        assertThat(spec.lineSettings()).isEqualTo("9600 8N1");
        assertThat(spec.timeoutMs()).isEqualTo(5000);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                                      | no link given",
        "ttyUSB0                                 | is not understood",
        "socket://host                           | expected socket://host:port",
        "socket://host:99999                     | TCP port must be 1..65535",
        "socket://host:abc                       | must be a number",
        "serial:/dev/ttyUSB0?baud=fast           | baud must be a whole number",
        "serial:/dev/ttyUSB0?parity=maybe        | parity must be one of",
        "serial:/dev/ttyUSB0?stopbits=3          | stopbits must be 1, 1.5 or 2",
        "serial:/dev/ttyUSB0?speed=9600          | unknown setting 'speed'",
        "serial:/dev/ttyUSB0?databits=9          | databits must be 5..8",
    })
    void badUrisAreConfigErrors(String uri, String message) {
        assertThatThrownBy(() -> LinkSpec.parse(uri, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }
}
