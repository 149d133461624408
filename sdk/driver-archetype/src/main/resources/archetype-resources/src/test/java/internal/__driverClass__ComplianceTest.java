package ${package}.internal;

import java.math.BigDecimal;
import java.util.Map;

import org.meter2mqtt.tck.ByteFeed;
import org.meter2mqtt.tck.DriverComplianceKit;
import org.meter2mqtt.tck.DriverUnderTest;
import ${package}.protocol.SimulatedMeter;

/**
 * The gateway's compliance kit on a meter behind a line: the kit feeds good frames, corrupt frames and a cut line
 * from the simulated meter. Replace the simulator with recorded frames of your real meter when you have them.
 */
class ${driverClass}ComplianceTest extends DriverComplianceKit {

    @Override
    protected DriverUnderTest driverUnderTest() {
        SimulatedMeter meter = new SimulatedMeter("KIT", new BigDecimal("500.000"));
        return DriverUnderTest.of(() -> new ${driverClass}Driver("1.0.0"))
                .feed(ByteFeed.exchange(meter::serve, () -> meter.corrupt(false), () -> meter.corrupt(true),
                        Map.of(${driverClass}Driver.PORT, "socket://meter.example:4001", ${driverClass}Driver.TIMEOUT, "500")))
                .bundleClass(${driverClass}Component.class).protocolPackage("${package}.protocol")
                .build();
    }
}
