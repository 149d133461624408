package org.meter2mqtt.driver.kamstrup.kmp;

import java.math.BigDecimal;
import java.util.Objects;

/** One decoded register record: id, unit code (kept raw, it may be one we do not know) and exact value. */
public final class RegisterValue {

    private final int id;
    private final int unitCode;
    private final BigDecimal value;

    public RegisterValue(int id, int unitCode, BigDecimal value) {
        this.id = id;
        this.unitCode = unitCode;
        this.value = Objects.requireNonNull(value);
    }

    public int id() {
        return id;
    }

    public int unitCode() {
        return unitCode;
    }

    /** The unit, or null for a code missing from the KMP unit table. */
    public KmpUnit unit() {
        return KmpUnit.fromCode(unitCode).orElse(null);
    }

    public BigDecimal value() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RegisterValue)) {
            return false;
        }
        RegisterValue r = (RegisterValue) o;
        return id == r.id && unitCode == r.unitCode && value.compareTo(r.value) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, unitCode, value.stripTrailingZeros());
    }

    @Override
    public String toString() {
        KmpUnit u = unit();
        return String.format("0x%04X=%s %s", id, value.toPlainString(),
                u == null ? String.format("unit 0x%02X", unitCode) : u.symbol());
    }
}
