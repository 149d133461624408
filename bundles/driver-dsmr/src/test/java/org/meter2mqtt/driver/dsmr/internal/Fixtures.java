package org.meter2mqtt.driver.dsmr.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.driver.dsmr.p1.P1Parser;
import org.meter2mqtt.driver.dsmr.p1.P1Time;
import org.meter2mqtt.driver.dsmr.p1.Telegram;

/** Loads recorded telegrams and runs them through the real parser and mapper. */
final class Fixtures {

    private Fixtures() {
    }

    static byte[] read(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/org/meter2mqtt/driver/dsmr/p1/" + name + ".telegram")) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a byte stream gave: telegrams, readings, errors and announced channels. */
    static final class Outcome implements P1Parser.Listener {
        final List<Telegram> telegrams = new ArrayList<>();
        final List<Reading> readings = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        final List<Channel> announced = new ArrayList<>();
        final List<String> attributes = new ArrayList<>();
        private final TelegramMapper mapper;

        Outcome(TelegramMapper mapper) {
            this.mapper = mapper;
        }

        @Override
        public void telegram(Telegram telegram) {
            telegrams.add(telegram);
            TelegramMapper.Result r = mapper.map(telegram);
            readings.addAll(r.readings);
            errors.addAll(r.problems);
            announced.addAll(r.newChannels);
            r.attributes.forEach((k, v) -> attributes.add(k + "=" + v));
        }

        @Override
        public void invalid(String reason) {
            errors.add(reason);
        }
    }

    static Outcome run(byte[] bytes, Variant variant, int gasChannel, int chunk) {
        ZoneId zone = variant.defaultZone();
        Outcome out = new Outcome(new TelegramMapper(variant, gasChannel, new P1Time(zone)));
        P1Parser parser = new P1Parser(out, variant.crcPolicy);
        for (int off = 0; off < bytes.length; off += chunk) {
            parser.parse(bytes, off, Math.min(chunk, bytes.length - off));
        }
        return out;
    }
}
