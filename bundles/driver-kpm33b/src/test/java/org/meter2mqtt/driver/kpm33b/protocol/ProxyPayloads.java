package org.meter2mqtt.driver.kpm33b.protocol;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * The reference for the MQTT output's {@code kpm33b-proxy} layout: what this driver published itself before the
 * output took the layout over (kept as a test fixture, so the layout is checked byte for byte against it).
 *
 * <p>The kpm33b_proxy layout, for subscribers written against it: {@code <topic>/<id>/seconds} carries
 * {@code {"id","time","active_power"}} (plus per-phase fields of the chosen groups) and
 * {@code <topic>/<id>/minutes} carries {@code {"id","time","active_energy"}}. A missing tag is {@code null}, as
 * kpm33b_proxy writes it.
 */
public final class ProxyPayloads {

    /** Per-phase fields kpm33b_proxy can add to the seconds message, by group. */
    private static final List<Field> PHASE_FIELDS = List.of(Field.IA, Field.IB, Field.IC, Field.PA, Field.PB,
            Field.PC, Field.UA, Field.UB, Field.UC, Field.PFA, Field.PFB, Field.PFC, Field.ZGLYS);

    /** The groups that can be added. */
    public static final Set<Field.Group> PHASE_GROUPS = EnumSet.of(Field.Group.CURRENT, Field.Group.POWER,
            Field.Group.VOLTAGE, Field.Group.POWER_FACTOR);

    private static final JsonFactory JSON = new JsonFactory();

    private ProxyPayloads() {
    }

    public static String secondsTopic(String main, String id) {
        return main + "/" + id + "/seconds";
    }

    public static String minutesTopic(String main, String id) {
        return main + "/" + id + "/minutes";
    }

    public static byte[] seconds(MeterMessage m, Set<Field.Group> phaseGroups) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(phaseGroups.isEmpty() ? 80 : 400);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            start(g, m);
            number(g, "active_power", m.value(Field.ZYGGL));
            if (!phaseGroups.isEmpty()) {
                for (Field f : PHASE_FIELDS) {
                    if (phaseGroups.contains(f.group())) {
                        number(g, f.channel(), m.value(f));
                    }
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    public static byte[] minutes(MeterMessage m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(80);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            start(g, m);
            number(g, "active_energy", m.value(Field.ZYGSZ));
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    private static void start(JsonGenerator g, MeterMessage m) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", m.id());
        g.writeStringField("time", m.time());
    }

    private static void number(JsonGenerator g, String name, BigDecimal v) throws IOException {
        g.writeFieldName(name);
        if (v == null) {
            g.writeNull();
        } else {
            // as the meter printed it: 0.000 stays 0.000
            g.writeNumber(v.toPlainString());
        }
    }
}
