package org.meter2mqtt.mqtt.layout;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What Python 3's {@code repr(float)} / {@code str(float)} printed for these doubles (checked with python3). */
class PyFloatTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "12.3 | 12.3", "1506 | 1506.0", "0.30000000000000004 | 0.30000000000000004", "0.00001 | 1e-05",
        "1E16 | 1e+16", "1234567890123456 | 1234567890123456.0", "0.0001 | 0.0001", "-2.5 | -2.5",
        "1.5E-7 | 1.5e-07", "123456789012345678 | 1.2345678901234568e+17", "0 | 0.0", "163.486 | 163.486",
        "6.6905 | 6.6905", "523.000 | 523.0", "1.2345 | 1.2345", "2.675 | 2.675", "4.9E-324 | 5e-324",
        "1.7976931348623157E308 | 1.7976931348623157e+308", "100.00 | 100.0", "0.1 | 0.1" })
    void printsAsPython(String value, String python) {
        assertThat(PyFloat.format(new BigDecimal(value))).isEqualTo(python);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = { "0.1 | 0.2 | 0.30000000000000004", "1e22 | 0 | 1e+22",
        "-0.0 | 0 | 0.0" })
    void sumsAsPython(double a, double b, String python) {
        assertThat(PyFloat.format(a + b)).isEqualTo(python);
    }
}
