package org.meter2mqtt.driver.dsmr;

import java.io.IOException;
import java.io.InputStream;
import java.time.ZoneId;
import java.util.concurrent.TimeUnit;

import org.meter2mqtt.driver.dsmr.p1.P1Parser;
import org.meter2mqtt.driver.dsmr.p1.P1Time;
import org.meter2mqtt.driver.dsmr.p1.Telegram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Telegrams per second on one core for a DSMR 5 telegram with two M-Bus devices (1.2 KB, 41 objects).
 * {@code parse}: bytes to a checked {@link Telegram} (framing, 7-bit mask, CRC, objects);
 * {@code parseAndMap}: the driver's whole per-telegram work, bytes to the batch of readings it publishes.
 * Lives in the driver's package to reach its package-private mapper (plain classpath, no OSGi).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class P1Benchmark {

    private byte[] telegram;
    private P1Parser parser;
    private P1Parser mappingParser;
    private Blackhole sink;
    private TelegramMapper mapper;

    @Setup(Level.Trial)
    public void load(Blackhole bh) throws IOException {
        try (InputStream in = P1Benchmark.class.getResourceAsStream("/telegram_v5_two_mbus.telegram")) {
            telegram = in.readAllBytes();
        }
        sink = bh;
        P1Parser.Listener toSink = new P1Parser.Listener() {
            @Override
            public void telegram(Telegram t) {
                sink.consume(t);
            }

            @Override
            public void invalid(String reason) {
                throw new IllegalStateException("benchmark telegram rejected: " + reason);
            }
        };
        parser = new P1Parser(toSink, P1Parser.CrcPolicy.REQUIRED);
        mapper = new TelegramMapper(Variant.V5, 0, new P1Time(ZoneId.of("Europe/Amsterdam")));
        mappingParser = new P1Parser(new P1Parser.Listener() {
            @Override
            public void telegram(Telegram t) {
                TelegramMapper.Result r = mapper.map(t);
                if (r.readings.size() != 33) {
                    throw new IllegalStateException("expected 33 readings, got " + r.readings.size());
                }
                sink.consume(r);
            }

            @Override
            public void invalid(String reason) {
                throw new IllegalStateException("benchmark telegram rejected: " + reason);
            }
        }, P1Parser.CrcPolicy.REQUIRED);
    }

    @Benchmark
    public void parse() {
        parser.parse(telegram, 0, telegram.length);
    }

    @Benchmark
    public void parseAndMap() {
        mappingParser.parse(telegram, 0, telegram.length);
    }
}
