package org.meter2mqtt.mqtt.layout;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * A number as Python's {@code str(float)} prints it: the shortest decimal that reads back as the same double
 * ({@code 12.3}, {@code 1506.0}), fixed notation for exponents -4..15, else {@code 1e-05} / {@code 1.5e+16}. The
 * layouts of Python programs (kamstrup2mqtt, the EMDC writer) publish numbers this way, and their subscribers
 * may compare the text. Written here because Java 17's {@code Double.toString} is not always the shortest form
 * and switches to exponents at other bounds.
 */
public final class PyFloat {

    private PyFloat() {
    }

    public static String format(BigDecimal value) {
        return format(value.doubleValue());
    }

    public static String format(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d) < 0 ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(d);
        BigDecimal shortest = exact;
        for (int p = 1; p <= 17; p++) {
            BigDecimal r = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
            if (r.doubleValue() == d) {
                shortest = r;
                break;
            }
        }
        shortest = shortest.stripTrailingZeros();
        String digits = shortest.unscaledValue().abs().toString();
        // decimal exponent of the first digit, as in 1.234e+03
        int exp = digits.length() - 1 - shortest.scale();
        String sign = d < 0 ? "-" : "";
        if (exp >= -4 && exp < 16) {
            String plain = shortest.abs().toPlainString();
            return sign + (plain.indexOf('.') < 0 ? plain + ".0" : plain);
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }
}
