package org.meter2mqtt.driver.kpm33b.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Real meter messages under src/test/resources/org/meter2mqtt/driver/kpm33b/protocol. */
final class Fixtures {

    private Fixtures() {
    }

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The messages of a capture log, one per line, optionally preceded by their topic. */
    static List<String[]> capture(String name, String defaultTopic) {
        List<String[]> out = new ArrayList<>();
        for (String line : new String(bytes(name), StandardCharsets.UTF_8).split("\n")) {
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            int brace = l.indexOf('{');
            String topic = brace > 0 ? l.substring(0, brace).strip() : defaultTopic;
            out.add(new String[] { topic, l.substring(brace) });
        }
        return out;
    }
}
