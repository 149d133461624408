package org.meter2mqtt.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.meter2mqtt.tck.boundary.clean.Codec;

/** The shared protocol-package check finds what each driver's own copy of it used to look for, and more. */
class ProtocolBoundaryTest {

    @Test
    void aPlainJavaPackagePasses() {
        assertThat(ProtocolBoundary.check(Codec.class, "org.meter2mqtt.tck.boundary.clean")).isEmpty();
    }

    @Test
    void aGatewayTypeUsedByItsFullNameIsFound() {
        assertThat(ProtocolBoundary.check(Codec.class, "org.meter2mqtt.tck.boundary.dirty")).singleElement()
                .asString().contains("org.meter2mqtt.tck.boundary.dirty.Leaky uses the gateway API")
                .contains("org.meter2mqtt.api.Reading");
    }

    @Test
    void aMisspelledPackageIsAProblemNotAPass() {
        assertThat(ProtocolBoundary.check(Codec.class, "org.meter2mqtt.tck.boundary.nosuch")).singleElement()
                .asString().contains("has no classes");
    }

    @Test
    void osgiKarafAndPahoNamesInAClassFileAreFound() {
        byte[] fake = ("\u00ca\u00fe\u00ba\u00be..Lorg/osgi/framework/BundleContext;..org/apache/karaf/shell/api/"
                + "action/Action..org/eclipse/paho/client/mqttv3/MqttClient..").getBytes(StandardCharsets.ISO_8859_1);
        assertThat(ProtocolBoundary.check("x/y/Codec.class", fake)).hasSize(3)
                .anySatisfy(p -> assertThat(p).contains("x.y.Codec uses OSGi (org.osgi.framework.BundleContext)"))
                .anySatisfy(p -> assertThat(p).contains("uses Karaf"))
                .anySatisfy(p -> assertThat(p).contains("uses the Paho MQTT client"));
    }

    @Test
    void theKitRunsTheCheckWhenADriverNamesItsProtocolPackage() {
        ComplianceChecks named = new ComplianceChecks(DriverUnderTest.of(LineDriver::new).feed(LineDriver.feed())
                .protocolPackage("org.meter2mqtt.tck.boundary.dirty").build());
        assertThat(named.all()).extracting(ComplianceChecks.Check::name).contains("protocol package is plain Java");
        assertThat(named.protocolPackage()).hasSize(1);
        ComplianceChecks unnamed = new ComplianceChecks(DriverUnderTest.of(LineDriver::new).feed(LineDriver.feed())
                .build());
        assertThat(unnamed.notApplicable()).anySatisfy(w -> assertThat(w).startsWith("protocol package"));
    }
}
