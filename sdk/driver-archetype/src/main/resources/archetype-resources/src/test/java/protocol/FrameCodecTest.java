package ${package}.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

/**
 * The protocol against a fixture table (src/test/resources/frames.csv): each recorded frame with the values it
 * must give, or the error it must raise. Add a row for every frame your meters send, good or bad.
 */
class FrameCodecTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvFileSource(resources = "/frames.csv", numLinesToSkip = 1, encoding = "UTF-8")
    void fixture(String frame, String energy, String power, String voltage, String error) throws Exception {
        if (error != null) {
            BadFrameException e = assertThrows(BadFrameException.class, () -> FrameCodec.parse(frame));
            assertTrue(e.getMessage().contains(error), e.getMessage());
            return;
        }
        Frame f = FrameCodec.parse(frame);
        assertEquals(new BigDecimal(energy), f.energyKwh());
        assertEquals(new BigDecimal(power), f.powerW());
        assertEquals(new BigDecimal(voltage), f.voltageV());
    }

    @Test
    void theSimulatorSpeaksTheProtocolAndItsRegisterGrows() throws Exception {
        SimulatedMeter meter = new SimulatedMeter("SIM", new BigDecimal("10.000"));
        Frame first = FrameCodec.parse(meter.frame(Instant.parse("2026-01-01T00:00:00Z")));
        Frame later = FrameCodec.parse(meter.frame(Instant.parse("2026-01-01T01:00:00Z")));
        assertEquals("SIM", first.meterId());
        assertTrue(later.energyKwh().compareTo(first.energyKwh()) > 0, "the register grows with time");
    }
}
