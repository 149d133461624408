package org.meter2mqtt.itests.testdriver;

import java.math.BigDecimal;
import java.util.List;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.api.Reading;
import org.osgi.service.component.annotations.Component;

/**
 * Counts polls; the count lives in the device's state store, so it must survive driver upgrades. A jar that also
 * holds the entry {@code fail-sessions} is a broken release: every poll fails (DriverUpgradeIT's bad version).
 */
@Component(service = MeterDriver.class, property = MeterDriver.PROPERTY_ID + "=counter")
public class CounterDriver implements MeterDriver {

    private final boolean broken = CounterDriver.class.getResource("/fail-sessions") != null;

    @Override
    public DriverDescription describe() {
        return DriverDescription.builder("counter").name("Test counter").version("1").defaultPollSeconds(1)
                .model(new ModelDescription("basic", "Counter", "Test", List.of(
                        Channel.builder("count").stateClass(Channel.StateClass.TOTAL_INCREASING).build())))
                .build();
    }

    @Override
    public DriverSession open(DeviceContext context) {
        return new DriverSession() {
            @Override
            public void poll() {
                if (broken) {
                    throw new IllegalStateException("this release of the counter is broken (fail-sessions)");
                }
                long n = context.state().get("count").map(Long::parseLong).orElse(0L) + 1;
                context.state().put("count", Long.toString(n));
                context.state().flush();
                context.publish(List.of(Reading.of("count", BigDecimal.valueOf(n), null)));
            }

            @Override
            public void close() {
                // nothing held
            }
        };
    }
}
