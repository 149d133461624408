package org.meter2mqtt.api;

/** Unit and device-class strings exactly as Home Assistant accepts them. */
public final class Units {

    public static final String WH = "Wh";
    public static final String KWH = "kWh";
    public static final String MWH = "MWh";
    public static final String GJ = "GJ";
    public static final String MJ = "MJ";
    public static final String W = "W";
    public static final String KW = "kW";
    public static final String V = "V";
    public static final String A = "A";
    public static final String HZ = "Hz";
    public static final String VAR = "var";
    public static final String KVAR = "kvar";
    public static final String VARH = "varh";
    public static final String KVARH = "kvarh";
    public static final String VA = "VA";
    public static final String KVA = "kVA";
    public static final String CUBIC_METRE = "m³";
    public static final String CUBIC_METRE_PER_HOUR = "m³/h";
    public static final String LITRE = "L";
    public static final String LITRE_PER_HOUR = "L/h";
    public static final String CELSIUS = "°C";
    public static final String KELVIN = "K";
    public static final String HOURS = "h";
    public static final String SECONDS = "s";
    public static final String PERCENT = "%";

    public static final String CLASS_ENERGY = "energy";
    public static final String CLASS_POWER = "power";
    public static final String CLASS_VOLTAGE = "voltage";
    public static final String CLASS_CURRENT = "current";
    public static final String CLASS_FREQUENCY = "frequency";
    public static final String CLASS_GAS = "gas";
    public static final String CLASS_WATER = "water";
    public static final String CLASS_TEMPERATURE = "temperature";
    public static final String CLASS_VOLUME_FLOW_RATE = "volume_flow_rate";
    public static final String CLASS_POWER_FACTOR = "power_factor";
    public static final String CLASS_REACTIVE_POWER = "reactive_power";
    public static final String CLASS_APPARENT_POWER = "apparent_power";
    public static final String CLASS_DURATION = "duration";
    public static final String CLASS_TIMESTAMP = "timestamp";

    private Units() {
    }
}
