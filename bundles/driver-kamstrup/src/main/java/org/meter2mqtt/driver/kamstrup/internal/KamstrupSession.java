package org.meter2mqtt.driver.kamstrup.internal;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.MonthDay;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.api.DeviceConfig;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.driver.kamstrup.kmp.KmpClient;
import org.meter2mqtt.driver.kamstrup.kmp.KmpFrames;
import org.meter2mqtt.driver.kamstrup.kmp.KmpRegister;
import org.meter2mqtt.driver.kamstrup.kmp.KmpUnit;
import org.meter2mqtt.driver.kamstrup.kmp.RegisterValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One meter: each poll reads the configured registers (eight per request) and publishes one batch. Values
 * from corrupt frames never reach the batch; a meter that stays silent makes {@link #poll()} throw.
 *
 * <p>Heat energy: with {@code energy.unit=auto} the channel follows the unit the meter reports (GJ, kWh,
 * MWh...), so the published number is exactly what the meter displays. Until the first answer the model's
 * usual unit is assumed; when the meter reports another, the channel is announced again with the meter's
 * unit and that unit is kept in the device state, so later sessions start with it. Units HA does not accept
 * for energy (GJ×10, Gcal, GWh) are converted to the model's usual unit. An explicit {@code energy.unit}
 * converts every value to that unit instead.
 */
final class KamstrupSession implements DriverSession {

    private static final Logger LOG = LoggerFactory.getLogger(KamstrupSession.class);
    static final String STATE_ENERGY_UNIT = "energy.unit";

    private final DeviceContext context;
    private final KamstrupChannels.Model model;
    private final List<KmpRegister> registers;
    private final ByteLink link;
    private final KmpClient client;
    private final boolean energyAuto;
    private KmpUnit energyUnit;

    private KamstrupSession(DeviceContext context, KamstrupChannels.Model model, List<KmpRegister> registers,
            ByteLink link, KmpClient client, boolean energyAuto, KmpUnit energyUnit) {
        this.context = context;
        this.model = model;
        this.registers = registers;
        this.link = link;
        this.client = client;
        this.energyAuto = energyAuto;
        this.energyUnit = energyUnit;
    }

    static KamstrupSession open(DeviceContext context) throws DriverException {
        DeviceConfig config = context.config();
        KamstrupChannels.Model model = KamstrupChannels.model(context.model().id());
        List<KmpRegister> registers = parameters(config, model);

        String unitKey = config.find(KamstrupDriver.KEY_ENERGY_UNIT).orElse(KamstrupDriver.ENERGY_AUTO);
        boolean auto = KamstrupDriver.ENERGY_AUTO.equalsIgnoreCase(unitKey);
        KmpUnit energyUnit = auto
                ? context.state().get(STATE_ENERGY_UNIT).map(KamstrupChannels::energyUnit)
                        .orElse(model.defaultEnergyUnit)
                : KamstrupChannels.energyUnit(unitKey);
        if (energyUnit == null) {
            throw new ConfigException("'energy.unit' must be auto, Wh, kWh, MWh, MJ or GJ, got '" + unitKey + "'");
        }

        String port = config.get(KamstrupDriver.KEY_PORT);
        int timeout = config.getInt(KamstrupDriver.KEY_TIMEOUT, 3000);
        int retries = config.getInt(KamstrupDriver.KEY_RETRIES, 2);
        ByteLink link = context.openLink(port, Map.of("baud", "1200", "databits", "8", "parity", "none",
                "stopbits", "2", "timeout", String.valueOf(timeout)));
        KmpClient client;
        try {
            client = new KmpClient(link.input(), link.output(), Duration.ofMillis(timeout), retries,
                    KmpFrames.ADDRESS_HEAT_METER);
        } catch (IOException e) {
            link.close();
            throw new DriverException("cannot use " + link.describe() + ": " + e.getMessage(), e);
        }

        KamstrupSession session = new KamstrupSession(context, model, registers, link, client, auto, energyUnit);
        session.announceChannels();
        LOG.debug("Opened {} ({}) on {}: {}", context.deviceId(), model.name, link.describe(), registers);
        return session;
    }

    private static List<KmpRegister> parameters(DeviceConfig config, KamstrupChannels.Model model)
            throws ConfigException {
        List<String> names = config.getList(KamstrupDriver.KEY_PARAMETERS);
        if (names.isEmpty()) {
            return KamstrupChannels.BASIC;
        }
        Set<KmpRegister> chosen = new LinkedHashSet<>();
        for (String name : names) {
            KmpRegister r = KmpRegister.byParameter(name).orElseThrow(() -> new ConfigException(
                    "'parameters' names an unknown register '" + name + "'; known: "
                            + String.join(", ", KamstrupChannels.parameterNames(model))));
            if (!model.has(r)) {
                throw new ConfigException("the " + model.name + " has no register '" + r.parameter()
                        + "' (no third temperature sensor)");
            }
            chosen.add(r);
        }
        return List.copyOf(chosen);
    }

    /** Channels beyond the model's declared basic set, and the energy channel when its unit differs. */
    private void announceChannels() {
        for (KmpRegister r : registers) {
            boolean declared = KamstrupChannels.BASIC.contains(r);
            if (!declared || r == KmpRegister.ENERGY && energyUnit != model.defaultEnergyUnit) {
                context.announce(KamstrupChannels.channel(r, energyUnit));
            }
        }
    }

    @Override
    public void poll() throws DriverException {
        List<Integer> ids = new ArrayList<>(registers.size());
        registers.forEach(r -> ids.add(r.id()));
        KmpClient.ReadResult result;
        try {
            result = client.read(ids);
        } catch (IOException e) {
            throw new DriverException("lost the link to the meter on " + link.describe() + ": " + e.getMessage(), e);
        }
        if (!result.heard()) {
            throw new DriverException("the meter on " + link.describe() + " does not answer (is the optical head "
                    + "in place and the meter's optical port awake?)");
        }
        result.problems().forEach(context::error);

        Instant now = context.clock().instant();
        List<Reading> batch = new ArrayList<>(registers.size());
        for (KmpRegister r : registers) {
            RegisterValue v = result.values().get(r.id());
            // A register without a value was already reported through context.error with its reason (CRC
            // error, no answer, unknown to the meter); the core counts failed readings as errors too, so
            // only good values go into the batch.
            if (v != null) {
                reading(r, v, now).ifPresent(batch::add);
            }
        }
        LOG.debug("{}: {}", context.deviceId(), batch);
        context.publish(batch);
    }

    /** The reading for one good record, or empty (after reporting why) when its unit makes no sense. */
    private Optional<Reading> reading(KmpRegister r, RegisterValue v, Instant now) {
        KmpUnit unit = v.unit();
        if (unit == null || unit.dimension() != r.dimension()) {
            context.error(String.format("register %s came with unit code 0x%02X (%s), which does not measure %s",
                    r.parameter(), v.unitCode(), unit == null ? "unknown" : unit.symbol(),
                    r.dimension().name().toLowerCase(Locale.ROOT)));
            return Optional.empty();
        }
        switch (r.dimension()) {
            case DATE:
                return date(r, v.value(), unit, now);
            case NUMBER:
                return Optional.of(Reading.of(r.parameter(), v.value(), now));
            case ENERGY:
                return Optional.of(Reading.of(r.parameter(), energy(unit, v.value()), now));
            default:
                // Same dimension, so the conversion exists.
                return Optional.of(Reading.of(r.parameter(),
                        unit.convert(v.value(), KamstrupChannels.target(r)).orElseThrow(), now));
        }
    }

    private BigDecimal energy(KmpUnit meterUnit, BigDecimal value) {
        if (energyAuto && meterUnit != energyUnit && KamstrupChannels.HA_ENERGY_UNITS.contains(meterUnit)) {
            LOG.info("{}: the meter counts heat energy in {}; publishing in that unit from now on",
                    context.deviceId(), meterUnit.symbol());
            energyUnit = meterUnit;
            context.state().put(STATE_ENERGY_UNIT, meterUnit.symbol());
            context.state().flush();
            context.announce(KamstrupChannels.energy(meterUnit));
        }
        return meterUnit.convert(value, energyUnit).orElseThrow();
    }

    private Optional<Reading> date(KmpRegister r, BigDecimal value, KmpUnit unit, Instant now) {
        long n;
        try {
            n = value.longValueExact();
        } catch (ArithmeticException e) {
            context.error("register " + r.parameter() + " holds " + value.toPlainString() + ", not a date");
            return Optional.empty();
        }
        if (n == 0) {
            // Never set (no minimum/maximum recorded yet this period): nothing to show, nothing wrong.
            LOG.debug("{}: {} not set yet", context.deviceId(), r.parameter());
            return Optional.empty();
        }
        Optional<String> text = formatDate(n, unit);
        if (text.isEmpty()) {
            context.error("register " + r.parameter() + " holds " + n + ", not a valid " + unit.symbol() + " date");
            return Optional.empty();
        }
        return Optional.of(Reading.text(r.parameter(), text.get(), now));
    }

    /** ISO-8601 text of a KMP date number (yy:mm:dd 240115 is 2024-01-15; mm:dd is --01-15). */
    static Optional<String> formatDate(long n, KmpUnit unit) {
        try {
            switch (unit) {
                case DATE_YYMMDD:
                    return Optional.of(LocalDate.of(2000 + (int) (n / 10000), (int) (n / 100 % 100), (int) (n % 100))
                            .toString());
                case DATE_YYYYMMDD:
                    return Optional.of(LocalDate.of((int) (n / 10000), (int) (n / 100 % 100), (int) (n % 100))
                            .toString());
                case DATE_MMDD:
                    return Optional.of(MonthDay.of((int) (n / 100), (int) (n % 100)).toString());
                default:
                    return Optional.empty();
            }
        } catch (DateTimeException e) {
            LOG.debug("Not a date: {} ({})", n, e.getMessage());
            return Optional.empty();
        }
    }

    /** The channel the energy register is published on right now (for tests and diagnostics). */
    Channel energyChannel() {
        return KamstrupChannels.energy(energyUnit);
    }

    @Override
    public void close() {
        link.close();
    }
}
