package org.meter2mqtt.core;

import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.api.ConfigKey;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.MeterDriver;
import org.meter2mqtt.api.ModelDescription;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.api.Units;

/**
 * A driver whose behaviour each device chooses with its {@code behaviour} key: {@code count} publishes a
 * counter kept in the state store, {@code throw} crashes on every poll, {@code hang} never returns from poll,
 * {@code offline} reports a lost link, {@code reject} fails open with a ConfigException,
 * {@code unreachable} fails open with a DriverException, {@code stamped} publishes readings made with
 * {@link Reading#forDevice} (its own id on {@code count}, another device's on {@code power}) and keeps them.
 */
final class ScriptedDriver implements MeterDriver {

    final String id;
    final String version;
    final AtomicInteger opens = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();
    /** Device ids whose session closed with {@link DeviceContext#removed()} true, in order. */
    final List<String> closedForGood = new java.util.concurrent.CopyOnWriteArrayList<>();
    final CountDownLatch hung = new CountDownLatch(1);
    final List<Reading> stamped = new java.util.concurrent.CopyOnWriteArrayList<>();

    ScriptedDriver(String id, String version) {
        this.id = id;
        this.version = version;
    }

    @Override
    public DriverDescription describe() {
        return DriverDescription.builder(id).version(version).defaultPollSeconds(1)
                .model(new ModelDescription("basic", "Basic", "Test", List.of(
                        Channel.builder("count").unit(Units.WH).deviceClass(Units.CLASS_ENERGY)
                                .stateClass(Channel.StateClass.TOTAL_INCREASING).build(),
                        Channel.builder("power").unit(Units.W).build())))
                .model(new ModelDescription("other", "Other", "Test", List.of()))
                .configKey(ConfigKey.builder("behaviour", ConfigKey.Type.STRING).defaultValue("count")
                        .options("count", "throw", "hang", "offline", "reject", "bad", "unreachable", "stamped").build())
                .configKey(ConfigKey.builder("port", ConfigKey.Type.STRING).required().description("a port").build())
                .build();
    }

    @Override
    public DriverSession open(DeviceContext context) throws DriverException {
        opens.incrementAndGet();
        String behaviour = context.config().get("behaviour");
        if (behaviour.equals("reject")) {
            throw new ConfigException("port " + context.config().get("port") + " is not a meter");
        }
        if (behaviour.equals("unreachable")) {
            throw new DriverException("port " + context.config().get("port") + " does not open");
        }
        return new DriverSession() {
            @Override
            public void poll() throws DriverException {
                switch (behaviour) {
                    case "throw":
                        throw new IllegalStateException("boom");
                    case "offline":
                        throw new DriverException("meter does not answer");
                    case "hang":
                        hung.countDown();
                        while (true) {
                            try {
                                Thread.sleep(60_000);
                            } catch (InterruptedException e) {
                                // a badly written driver that ignores interrupts
                            }
                        }
                    case "bad":
                        context.error("CRC error");
                        context.publish(List.of(Reading.failed("power", org.meter2mqtt.api.ReadingStatus.CRC_ERROR, null)));
                        return;
                    case "stamped":
                        java.time.Instant now = java.time.Instant.now();
                        List<Reading> batch = List.of(
                                Reading.forDevice(context.deviceId(), "count", BigDecimal.ONE, now),
                                Reading.forDevice("not-" + context.deviceId(), "power", BigDecimal.TEN, now));
                        stamped.addAll(batch);
                        context.publish(batch);
                        return;
                    default:
                        long n = context.state().get("n").map(Long::parseLong).orElse(0L) + 1;
                        context.state().put("n", Long.toString(n));
                        context.publish(List.of(Reading.of("count", BigDecimal.valueOf(n), null),
                                Reading.of("power", BigDecimal.valueOf(100), null)));
                }
            }

            @Override
            public void close() {
                closes.incrementAndGet();
                if (context.removed()) {
                    closedForGood.add(context.deviceId());
                }
            }
        };
    }
}
