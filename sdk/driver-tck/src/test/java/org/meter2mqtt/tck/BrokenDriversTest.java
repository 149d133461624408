package org.meter2mqtt.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.Units;

/** The kit catches what it claims: a correct driver passes, each deliberately broken one is reported. */
class BrokenDriversTest {

    private static ComplianceChecks kit(Supplier<MeterDriver> driver) {
        return new ComplianceChecks(DriverUnderTest.of(driver).feed(LineDriver.feed())
                .readingTimeout(Duration.ofSeconds(3)).build());
    }

    @Test
    void aCorrectDriverPassesEveryBehaviouralCheck() {
        ComplianceChecks kit = kit(LineDriver::new);
        assertThat(kit.description()).isEmpty();
        assertThat(kit.homeAssistant()).isEmpty();
        assertThat(kit.configuration()).isEmpty();
        assertThat(kit.lifecycle()).isEmpty();
        assertThat(kit.readings()).isEmpty();
        assertThat(kit.badData()).isEmpty();
        assertThat(kit.lostLink()).isEmpty();
        assertThat(kit.all()).extracting(ComplianceChecks.Check::name).contains("bad data", "lost link",
                "bundle metadata");
    }

    @Test
    void aBadUnitPairIsReported() {
        ComplianceChecks kit = kit(() -> new LineDriver() {
            @Override
            Channel energy() {
                return Channel.builder("energy").unit(Units.W).deviceClass(Units.CLASS_ENERGY)
                        .stateClass(Channel.StateClass.TOTAL_INCREASING).build();
            }
        });
        assertThat(kit.homeAssistant()).singleElement().asString()
                .contains("unit 'W' is not valid for device class 'energy'");
    }

    @Test
    void aLeakedThreadIsReported() {
        ComplianceChecks kit = kit(() -> new LineDriver() {
            @Override
            void checkSerial(DeviceContext context) {
                Thread t = new Thread(() -> {
                    while (true) {
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            // ignores being told to stop: the bug under test
                        }
                    }
                }, "acme-poller");
                t.setDaemon(true);
                t.start();
            }
        });
        assertThat(kit.lifecycle()).anySatisfy(p -> assertThat(p).contains("'acme-poller' is still alive"));
    }

    @Test
    void aSessionThreadThatIgnoresInterruptsIsReported() {
        ComplianceChecks kit = kit(() -> new LineDriver() {
            @Override
            void checkSerial(DeviceContext context) {
                context.startThread("stubborn reader", () -> {
                    long end = System.nanoTime() + 6_000_000_000L;
                    while (System.nanoTime() < end) {
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            // swallowed: the bug under test
                        }
                    }
                });
            }
        });
        assertThat(kit.lifecycle()).anySatisfy(p -> assertThat(p).contains("'tck-session tck-device stubborn reader'")
                .contains("did not end"));
    }

    @Test
    void aNullPointerOnAMissingOptionalKeyIsReported() {
        ComplianceChecks kit = kit(() -> new LineDriver() {
            @Override
            void checkSerial(DeviceContext context) {
                // reads an optional key that has no default as if it were always there
                if (context.config().asMap().get(SERIAL).length() != 8) {
                    throw new IllegalStateException("bad serial");
                }
            }
        });
        assertThat(kit.configuration()).anySatisfy(p -> assertThat(p)
                .contains("optional key 'serial' missing").contains("NullPointerException"));
    }

    @Test
    void anExceptionFromBadDataIsReported() {
        ComplianceChecks kit = kit(() -> new LineDriver() {
            @Override
            void publish(DeviceContext context, String answer) {
                context.publish(List.of(Reading.of("energy", new BigDecimal(answer.trim()), null)));
            }
        });
        assertThat(kit.badData()).anySatisfy(p -> assertThat(p).contains("poll with bad data threw")
                .contains("NumberFormatException"));
    }

    @Test
    void aSwallowedLostLinkIsReported() {
        ComplianceChecks kit = kit(() -> new LineDriver() {
            @Override
            void lost(IOException e) {
                // pretends all is well: the device would stay ONLINE without readings
            }
        });
        assertThat(kit.lostLink()).anySatisfy(p -> assertThat(p).contains("must throw a DriverException"));
    }

    @Test
    void undeclaredChannelsAndImplausibleTimestampsAreReported() {
        ComplianceChecks kit = kit(() -> new LineDriver() {
            @Override
            void publish(DeviceContext context, String answer) {
                context.publish(List.of(Reading.of("energy", 1.0, java.time.Instant.EPOCH),
                        Reading.of("power", 2.0, null)));
            }
        });
        assertThat(kit.readings()).anySatisfy(p -> assertThat(p).contains("'power', which the model neither"))
                .anySatisfy(p -> assertThat(p).contains("timestamp 1970-01-01T00:00:00Z"));
    }

    @Test
    void bundleWithoutManifestIsReported() {
        // the kit's test classes are no bundle: the check must say so rather than pass
        assertThat(kit(LineDriver::new).bundleMetadata()).singleElement().asString()
                .contains("no META-INF/MANIFEST.MF");
    }

    @Test
    void anExplicitWaiverDropsOnlyTheProblemItNames() {
        Supplier<MeterDriver> badUnit = () -> new LineDriver() {
            @Override
            Channel energy() {
                return Channel.builder("energy").unit(Units.W).deviceClass(Units.CLASS_ENERGY)
                        .stateClass(Channel.StateClass.TOTAL_INCREASING).build();
            }
        };
        ComplianceChecks waived = new ComplianceChecks(DriverUnderTest.of(badUnit).feed(LineDriver.feed())
                .waive("unit 'W' is not valid", "test").waive("no META-INF", "test").build());
        assertThat(waived.all()).filteredOn(c -> c.name().equals("home assistant metadata")).singleElement()
                .satisfies(c -> assertThat(c.run()).isEmpty());
        assertThat(waived.all()).filteredOn(c -> c.name().equals("description")).singleElement()
                .satisfies(c -> assertThat(c.run()).isEmpty());
        ComplianceChecks strict = kit(badUnit);
        assertThat(strict.all()).filteredOn(c -> c.name().equals("home assistant metadata")).singleElement()
                .satisfies(c -> assertThat(c.run()).hasSize(1));
    }

    private static final String COMPONENT = "<?xml version=\"1.0\"?><scr:component "
            + "xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.3.0\" name=\"x\"><property name=\"meter.driver\" "
            + "type=\"String\" value=\"line\"/><service><provide interface=\"org.meter2mqtt.api.MeterDriver\"/>"
            + "</service><implementation class=\"x.X\"/></scr:component>";

    private static List<String> manifest(String imports, String exports, boolean component) throws IOException {
        String mf = "Manifest-Version: 1.0\nBundle-SymbolicName: com.acme.meter\nImport-Package: " + imports + "\n"
                + (exports == null ? "" : "Export-Package: " + exports + "\n")
                + (component ? "Service-Component: OSGI-INF/x.xml\n" : "") + "\n";
        Map<String, String> files = Map.of("META-INF/MANIFEST.MF", mf, "OSGI-INF/x.xml", COMPONENT);
        return BundleMetadata.check(path -> files.containsKey(path)
                ? new ByteArrayInputStream(files.get(path).getBytes(StandardCharsets.UTF_8)) : null, "line");
    }

    @Test
    void bundleMetadataRules() throws IOException {
        assertThat(manifest("org.meter2mqtt.api;version=\"[1.1,2)\",org.slf4j;version=\"[1.7,2)\"", null, true))
                .isEmpty();
        assertThat(manifest("org.meter2mqtt.api;version=\"[1.1,1.2)\"", null, true)).singleElement().asString()
                .contains("provider range");
        assertThat(manifest("org.meter2mqtt.api", null, true)).singleElement().asString()
                .contains("without a version range");
        assertThat(manifest("org.meter2mqtt.api;version=\"[1.1,2)\"", "com.acme.meter.internal;version=\"1.0\"",
                true)).singleElement().asString().contains("exports the internal package com.acme.meter.internal");
        assertThat(manifest("org.meter2mqtt.api;version=\"[1.1,2)\"", null, false)).singleElement().asString()
                .contains("no Service-Component header");
        assertThat(manifest("org.slf4j", null, true)).singleElement().asString()
                .contains("does not import org.meter2mqtt.api");
    }

    @Test
    void homeAssistantPairs() {
        assertThat(HomeAssistantRules.check(Channel.builder("p").unit("W").deviceClass("power").build())).isEmpty();
        assertThat(HomeAssistantRules.check(Channel.builder("g").unit("m³").deviceClass("gas")
                .stateClass(Channel.StateClass.TOTAL_INCREASING).build())).isEmpty();
        assertThat(HomeAssistantRules.check(Channel.builder("p").unit("W").deviceClass("power")
                .stateClass(Channel.StateClass.TOTAL_INCREASING).build())).get().asString()
                .contains("state class 'total_increasing' is not valid for device class 'power'");
        assertThat(HomeAssistantRules.check(Channel.builder("e").unit("kWh").deviceClass("energy").build()))
                .get().asString().contains("'measurement'");
        assertThat(HomeAssistantRules.check(Channel.builder("t").unit("C").deviceClass("temperature").build()))
                .get().asString().contains("°C");
        assertThat(HomeAssistantRules.check(Channel.builder("x").deviceClass("energie").unit("kWh").build()))
                .get().asString().contains("unknown device class 'energie'");
        assertThat(HomeAssistantRules.check(Channel.builder("s").text(true).build())).isEmpty();
        assertThat(HomeAssistantRules.check(Channel.builder("pf").deviceClass("power_factor").build())).isEmpty();
    }

    @Test
    void streamFeedDeliversSamplesAndCuts() throws Exception {
        ByteFeed feed = ByteFeed.stream("good\n".getBytes(StandardCharsets.US_ASCII),
                "bad\n".getBytes(StandardCharsets.US_ASCII), Duration.ofMillis(20), Map.of());
        var link = feed.openLink("kit://p1", Map.of("timeout", "1000"));
        assertThat(LineDriver.readLine(link)).isEqualTo("good");
        feed.bad();
        assertThat(RecordingContext.await(Duration.ofSeconds(2), () -> {
            try {
                return LineDriver.readLine(link).equals("bad");
            } catch (IOException e) {
                return false;
            }
        })).isTrue();
        feed.cut();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
            while (true) {
                sink.write(link.input().read());
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("link lost");
        link.close();
    }
}
