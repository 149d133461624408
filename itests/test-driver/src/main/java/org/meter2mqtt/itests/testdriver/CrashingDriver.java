package org.meter2mqtt.itests.testdriver;

import java.util.List;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.ModelDescription;
import org.osgi.service.component.annotations.Component;

/** Throws on every poll: the gateway must keep every other device running. */
@Component(service = MeterDriver.class, property = MeterDriver.PROPERTY_ID + "=crashing")
public class CrashingDriver implements MeterDriver {

    @Override
    public DriverDescription describe() {
        return DriverDescription.builder("crashing").name("Always crashes").defaultPollSeconds(1)
                .model(new ModelDescription("basic", "Crash", "Test", List.of(Channel.builder("x").build())))
                .build();
    }

    @Override
    public DriverSession open(DeviceContext context) {
        return new DriverSession() {
            @Override
            public void poll() {
                throw new IllegalStateException("this driver crashes on every poll");
            }

            @Override
            public void close() {
                // nothing held
            }
        };
    }
}
