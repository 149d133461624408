package org.meter2mqtt.driver.kamstrup.kmp;

import java.util.Locale;
import java.util.Optional;

import org.meter2mqtt.driver.kamstrup.kmp.KmpUnit.Dimension;

/**
 * The MULTICAL 40x/60x registers this driver reads, named as the kamstrup2mqtt configuration names them
 * (lower-cased: {@code minflowDate_m} is {@code minflowdate_m}).
 */
public enum KmpRegister {
    ENERGY("energy", 0x003C, Dimension.ENERGY),
    POWER("power", 0x0050, Dimension.POWER),
    TEMP1("temp1", 0x0056, Dimension.TEMPERATURE),
    TEMP2("temp2", 0x0057, Dimension.TEMPERATURE),
    /** Only on meters with a third sensor input (601, 603, 801). */
    TEMP3("temp3", 0x0058, Dimension.TEMPERATURE),
    TEMPDIFF("tempdiff", 0x0059, Dimension.TEMPERATURE),
    FLOW("flow", 0x004A, Dimension.FLOW),
    VOLUME("volume", 0x0044, Dimension.VOLUME),
    MINFLOW_M("minflow_m", 0x008D, Dimension.FLOW),
    MAXFLOW_M("maxflow_m", 0x008B, Dimension.FLOW),
    MINFLOWDATE_M("minflowdate_m", 0x008C, Dimension.DATE),
    MAXFLOWDATE_M("maxflowdate_m", 0x008A, Dimension.DATE),
    MINPOWER_M("minpower_m", 0x0091, Dimension.POWER),
    MAXPOWER_M("maxpower_m", 0x008F, Dimension.POWER),
    MINPOWERDATE_M("minpowerdate_m", 0x0090, Dimension.DATE),
    MAXPOWERDATE_M("maxpowerdate_m", 0x008E, Dimension.DATE),
    AVGTEMP1_M("avgtemp1_m", 0x0095, Dimension.TEMPERATURE),
    AVGTEMP2_M("avgtemp2_m", 0x0096, Dimension.TEMPERATURE),
    MINFLOW_Y("minflow_y", 0x007E, Dimension.FLOW),
    MAXFLOW_Y("maxflow_y", 0x007C, Dimension.FLOW),
    MINFLOWDATE_Y("minflowdate_y", 0x007D, Dimension.DATE),
    MAXFLOWDATE_Y("maxflowdate_y", 0x007B, Dimension.DATE),
    MINPOWER_Y("minpower_y", 0x0082, Dimension.POWER),
    MAXPOWER_Y("maxpower_y", 0x0080, Dimension.POWER),
    MINPOWERDATE_Y("minpowerdate_y", 0x0081, Dimension.DATE),
    MAXPOWERDATE_Y("maxpowerdate_y", 0x007F, Dimension.DATE),
    AVGTEMP1_Y("avgtemp1_y", 0x0092, Dimension.TEMPERATURE),
    AVGTEMP2_Y("avgtemp2_y", 0x0093, Dimension.TEMPERATURE),
    TEMP1XM3("temp1xm3", 0x0061, Dimension.VOLUME_TEMPERATURE),
    TEMP2XM3("temp2xm3", 0x006E, Dimension.VOLUME_TEMPERATURE),
    INFOEVENT("infoevent", 0x0071, Dimension.NUMBER),
    HOURCOUNTER("hourcounter", 0x03EC, Dimension.TIME);

    private final String parameter;
    private final int id;
    private final Dimension dimension;

    KmpRegister(String parameter, int id, Dimension dimension) {
        this.parameter = parameter;
        this.id = id;
        this.dimension = dimension;
    }

    /** Case-insensitive lookup by kamstrup2mqtt parameter name. */
    public static Optional<KmpRegister> byParameter(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (KmpRegister r : values()) {
            if (r.parameter.equals(n)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    public static Optional<KmpRegister> byId(int id) {
        for (KmpRegister r : values()) {
            if (r.id == id) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /** The configuration name, also the channel id. */
    public String parameter() {
        return parameter;
    }

    public int id() {
        return id;
    }

    /** What the register measures; an answer in a unit of another dimension is rejected. */
    public Dimension dimension() {
        return dimension;
    }
}
