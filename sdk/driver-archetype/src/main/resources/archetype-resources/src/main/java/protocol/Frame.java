package ${package}.protocol;

import java.math.BigDecimal;
import java.util.Objects;

/** One reading of the meter as its protocol delivers it. Replace the fields with what your meter sends. */
public final class Frame {

    private final String meterId;
    private final BigDecimal energyKwh;
    private final BigDecimal powerW;
    private final BigDecimal voltageV;

    public Frame(String meterId, BigDecimal energyKwh, BigDecimal powerW, BigDecimal voltageV) {
        this.meterId = Objects.requireNonNull(meterId);
        this.energyKwh = Objects.requireNonNull(energyKwh);
        this.powerW = Objects.requireNonNull(powerW);
        this.voltageV = Objects.requireNonNull(voltageV);
    }

    public String meterId() {
        return meterId;
    }

    public BigDecimal energyKwh() {
        return energyKwh;
    }

    public BigDecimal powerW() {
        return powerW;
    }

    public BigDecimal voltageV() {
        return voltageV;
    }
}
