package org.meter2mqtt.api.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class RateLimitedLogTest {

    /** Every call on the logger as "level format args". */
    private final List<String> lines = new ArrayList<>();
    private final Logger logger = (Logger) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {Logger.class}, (proxy, m, a) -> {
                if (a != null && a.length == 2 && a[0] instanceof String && a[1] instanceof Object[]) {
                    lines.add(m.getName() + " " + a[0] + " " + Arrays.toString((Object[]) a[1]));
                }
                return m.getReturnType() == boolean.class ? true : null;
            });
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RateLimitedLog log = new RateLimitedLog(logger, Duration.ofSeconds(60), now::get);

    @Test
    void onceAnIntervalPerKeyAtItsLevelAndTheRestAtDebug() {
        log.warn("meter-1", "bad frame from {}", "meter-1");
        log.warn("meter-1", "bad frame from {}", "meter-1");
        log.warn("meter-2", "bad frame from {}", "meter-2");
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        log.warn("meter-1", "bad frame from {}", "meter-1");
        assertThat(log.held("meter-1")).isEqualTo(2);
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        log.warn("meter-1", "bad frame from {}", "meter-1");

        assertThat(lines).containsExactly(
                "warn bad frame from {} [meter-1]",
                "debug bad frame from {} [meter-1]",
                "warn bad frame from {} [meter-2]",
                "debug bad frame from {} [meter-1]",
                "warn bad frame from {} ({} similar lines held back since the last one) [meter-1, 2]");
        assertThat(log.held("meter-1")).isZero();
    }

    @Test
    void aTrailingExceptionStaysLast() {
        IllegalStateException e = new IllegalStateException("boom");
        log.error("k", "failed: {}", "x", e);
        log.error("k", "failed: {}", "x", e);
        now.addAndGet(Duration.ofMinutes(2).toNanos());
        log.error("k", "failed: {}", "x", e);
        assertThat(lines.get(2)).isEqualTo("error failed: {} ({} similar lines held back since the last one) [x, 1, "
                + e + "]");
    }

    @Test
    void forgettingAKeyLogsItsNextLineAtOnce() {
        log.info("link", "broker {} away", "a");
        log.forget("link");
        log.info("link", "broker {} away", "a");
        assertThat(lines).containsExactly("info broker {} away [a]", "info broker {} away [a]");
    }
}
