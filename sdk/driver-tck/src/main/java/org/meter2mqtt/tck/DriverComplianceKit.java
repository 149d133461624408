package org.meter2mqtt.tck;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The compliance kit as JUnit 5 tests. A vendor writes one class:
 *
 * <pre>
 * class AcmeComplianceTest extends DriverComplianceKit {
 *     protected DriverUnderTest driverUnderTest() {
 *         return DriverUnderTest.of(AcmeDriver::new).feed(ByteFeed.stream(GOOD, BAD, Duration.ofMillis(200),
 *                 Map.of("port", "socket://meter:2000"))).bundleClass(AcmeComponent.class).build();
 *     }
 * }
 * </pre>
 *
 * Every check that applies becomes one test; a failing one lists every problem it found.
 */
public abstract class DriverComplianceKit {

    /** The driver, its feed and a working configuration. Called once per test class run. */
    protected abstract DriverUnderTest driverUnderTest();

    @TestFactory
    Stream<DynamicTest> compliance() {
        ComplianceChecks checks = new ComplianceChecks(driverUnderTest());
        for (String why : checks.notApplicable()) {
            System.out.println("[driver-tck] not checked: " + why);
        }
        return checks.all().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            List<String> problems = c.run();
            if (!problems.isEmpty()) {
                throw new AssertionError(c.name() + ": " + problems.size() + " problem(s)\n  - "
                        + String.join("\n  - ", problems));
            }
        }));
    }
}
