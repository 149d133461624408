package org.meter2mqtt.http.live;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.http.health.OutputView;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The JSON the status page renders: one object per device row, output and driver. */
public final class DeviceRows {

    private final ObjectMapper mapper;

    public DeviceRows(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** One device row; {@code latest} may hold newer readings than {@code info.latest()}. */
    public ObjectNode row(DeviceInfo info, Map<String, Reading> latest, Instant lastReading, long readings) {
        ObjectNode n = mapper.createObjectNode();
        n.put("id", info.id());
        n.put("name", info.name());
        n.put("driver", info.driverId());
        n.put("driver_version", info.driverVersion());
        n.put("state", info.state().name());
        n.put("reason", info.reason());
        n.put("readings", readings);
        n.put("errors", info.errorCount());
        n.put("last_reading", lastReading == null ? null : lastReading.toString());
        ArrayNode values = n.putArray("values");
        for (Channel c : info.channels()) {
            Reading r = latest.get(c.id());
            if (r != null && r.hasValue()) {
                values.addObject().put("channel", c.id()).put("name", c.name()).put("value", r.formatted())
                        .put("unit", c.unit());
            }
        }
        return n;
    }

    public ObjectNode snapshot(List<DeviceInfo> devices, List<OutputView> outputs,
            Collection<DriverDescription> drivers) {
        ObjectNode root = mapper.createObjectNode();
        ArrayNode rows = root.putArray("devices");
        for (DeviceInfo d : devices) {
            rows.add(row(d, d.latest(), d.lastReading(), d.readingCount()));
        }
        root.set("outputs", outputs(outputs));
        ArrayNode ds = root.putArray("drivers");
        for (DriverDescription dd : drivers) {
            ds.addObject().put("id", dd.id()).put("name", dd.name()).put("vendor", dd.vendor())
                    .put("version", dd.version());
        }
        return root;
    }

    public ArrayNode outputs(List<OutputView> outputs) {
        ArrayNode a = mapper.createArrayNode();
        for (OutputView o : outputs) {
            a.addObject().put("name", o.name()).put("healthy", o.healthy()).put("summary", o.summary())
                    .put("published", o.published()).put("buffered", o.buffered()).put("dropped", o.dropped());
        }
        return a;
    }
}
