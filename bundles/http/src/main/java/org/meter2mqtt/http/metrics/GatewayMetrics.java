package org.meter2mqtt.http.metrics;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceState;
import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.Reading;
import org.meter2mqtt.http.health.OutputView;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * Turns the gateway's state into Prometheus snapshots, built fresh at each scrape from what exists now: the
 * series are bounded by the devices and channels that exist, and a removed device's series disappear with
 * it. The Prometheus client library writes them (text 0.0.4 or OpenMetrics). Counter names here have no
 * {@code _total}; the writers add it. One instance per endpoint: it keeps the label sets of the last scrape,
 * because building them (validated and sorted by the library) was the largest cost of a scrape with 1000
 * devices; sets of devices and channels that are gone are not carried over.
 */
public final class GatewayMetrics {

    public static final String DEVICE_STATE = "meter2mqtt_device_state";
    public static final String DEVICE_READINGS = "meter2mqtt_device_readings";
    public static final String DEVICE_ERRORS = "meter2mqtt_device_errors";
    public static final String DEVICE_AGE = "meter2mqtt_device_last_reading_age_seconds";
    public static final String CHANNEL_VALUE = "meter2mqtt_channel_value";
    public static final String OUTPUT_UP = "meter2mqtt_output_up";
    public static final String OUTPUT_PUBLISHED = "meter2mqtt_output_published";
    public static final String OUTPUT_BUFFERED = "meter2mqtt_output_buffered";
    public static final String OUTPUT_DROPPED = "meter2mqtt_output_dropped";
    public static final String DRIVER_INFO = "meter2mqtt_driver_info";
    public static final String UPTIME = "meter2mqtt_uptime_seconds";

    /** The states in the order the library sorts their label values, so data points arrive sorted. */
    private static final DeviceState[] STATES_BY_NAME = Arrays.stream(DeviceState.values())
            .sorted(Comparator.comparing(DeviceState::name)).toArray(DeviceState[]::new);
    /** Always present, 0 included, so {@code rate()} sees a device's first error; sorted as the library sorts. */
    private static final String[] ERROR_KINDS = Arrays.stream(new String[] {DeviceInfo.ERROR_BAD_DATA,
            DeviceInfo.ERROR_BAD_READING, DeviceInfo.ERROR_LINK_LOST, DeviceInfo.ERROR_UNREACHABLE}).sorted()
            .toArray(String[]::new);
    private static final Comparator<DeviceInfo> BY_ID = Comparator.comparing(DeviceInfo::id);

    private Map<String, DeviceLabels> labels = new HashMap<>();
    private Map<String, DeviceLabels> nextLabels = new HashMap<>();

    /** A device's label sets, kept between scrapes. */
    private static final class DeviceLabels {
        final Labels device;
        final Labels[] states = new Labels[STATES_BY_NAME.length];
        final Labels[] errorKinds = new Labels[ERROR_KINDS.length];
        /** channel id to its label set and the unit it was built with; a changed unit rebuilds it */
        final Map<String, ChannelLabels> channels = new HashMap<>();

        DeviceLabels(String id) {
            device = Labels.of("device", id);
            for (int i = 0; i < states.length; i++) {
                states[i] = Labels.of("device", id, "state", STATES_BY_NAME[i].name());
            }
            for (int i = 0; i < errorKinds.length; i++) {
                errorKinds[i] = Labels.of("device", id, "kind", ERROR_KINDS[i]);
            }
        }

        Labels channel(String id, String channel, String unit) {
            ChannelLabels l = channels.get(channel);
            if (l == null || !unit.equals(l.unit)) {
                l = new ChannelLabels(unit, Labels.of("device", id, "channel", channel, "unit", unit));
                channels.put(channel, l);
            }
            return l.labels;
        }
    }

    private static final class ChannelLabels {
        final String unit;
        final Labels labels;

        ChannelLabels(String unit, Labels labels) {
            this.unit = unit;
            this.labels = labels;
        }
    }

    /**
     * Builds the snapshots. Data points go in already in the library's order: it sorts every metric's points by
     * their labels (values compared in the order of the sorted label names, so channel before device for
     * {@code meter2mqtt_channel_value}) and then checks neighbours for duplicates, and a sorted list makes that
     * sort a single pass. Unsorted, it was the largest part of a scrape with 11 000 channel series.
     */
    public synchronized MetricSnapshots snapshot(List<DeviceInfo> devices, List<OutputView> outputs,
            List<DriverDescription> drivers, Duration uptime, Instant now) {
        GaugeSnapshot.Builder state = GaugeSnapshot.builder().name(DEVICE_STATE)
                .help("1 for the device's current state, 0 for the others");
        CounterSnapshot.Builder readings = CounterSnapshot.builder().name(DEVICE_READINGS)
                .help("Readings (channel values) received from the device since the gateway started");
        CounterSnapshot.Builder errors = CounterSnapshot.builder().name(DEVICE_ERRORS)
                .help("Errors of the device since the gateway started, by kind: bad_data (CRC, bad frames), "
                        + "bad_reading (values the driver marked invalid), link_lost, unreachable (failed opens)");
        GaugeSnapshot.Builder age = GaugeSnapshot.builder().name(DEVICE_AGE)
                .help("Seconds since the device's last good reading (absent before the first)");
        GaugeSnapshot.Builder value = GaugeSnapshot.builder().name(CHANNEL_VALUE)
                .help("Latest value of a numeric channel, in the channel's own unit (what MQTT carries)");
        DeviceInfo[] sorted = devices.toArray(new DeviceInfo[0]);
        Arrays.sort(sorted, BY_ID);
        Map<String, List<GaugeDataPointSnapshot>> byChannel = new HashMap<>();
        for (DeviceInfo d : sorted) {
            String id = d.id();
            DeviceLabels dl = labels.get(id);
            if (dl == null) {
                dl = new DeviceLabels(id);
            }
            nextLabels.put(id, dl);
            for (int i = 0; i < STATES_BY_NAME.length; i++) {
                state.dataPoint(GaugeDataPointSnapshot.builder().labels(dl.states[i])
                        .value(STATES_BY_NAME[i] == d.state() ? 1 : 0).build());
            }
            readings.dataPoint(CounterDataPointSnapshot.builder().labels(dl.device).value(d.readingCount()).build());
            errorsByKind(errors, dl, d);
            if (d.lastReading() != null) {
                age.dataPoint(GaugeDataPointSnapshot.builder().labels(dl.device)
                        .value(Math.max(0, Duration.between(d.lastReading(), now).toMillis() / 1000.0)).build());
            }
            for (Reading r : d.latest().values()) {
                if (r.number() == null) {
                    continue; // text channels (meter ids, tariff names) are not numbers
                }
                byChannel.computeIfAbsent(r.channel(), c -> new ArrayList<>(sorted.length))
                        .add(GaugeDataPointSnapshot.builder()
                                .labels(dl.channel(id, r.channel(), unit(d.channels(), r.channel())))
                                .value(r.number().doubleValue()).build());
            }
        }
        String[] channelIds = byChannel.keySet().toArray(new String[0]);
        Arrays.sort(channelIds);
        for (String c : channelIds) {
            byChannel.get(c).forEach(value::dataPoint); // by device within a channel: devices went in sorted
        }
        List<MetricSnapshot> all = new ArrayList<>(List.of(state.build(), readings.build(), errors.build(), age.build(),
                value.build()));
        GaugeSnapshot.Builder up = GaugeSnapshot.builder().name(OUTPUT_UP)
                .help("1 while the output delivers, 0 while it buffers, retries or is misconfigured");
        CounterSnapshot.Builder published = CounterSnapshot.builder().name(OUTPUT_PUBLISHED)
                .help("Batches or messages the output delivered");
        GaugeSnapshot.Builder buffered = GaugeSnapshot.builder().name(OUTPUT_BUFFERED)
                .help("Batches waiting in the output's buffer");
        CounterSnapshot.Builder dropped = CounterSnapshot.builder().name(OUTPUT_DROPPED)
                .help("Batches the output lost (buffer bound reached or buffer unwritable)");
        for (OutputView o : outputs) {
            Labels output = Labels.of("output", o.name());
            up.dataPoint(GaugeDataPointSnapshot.builder().labels(output).value(o.healthy() ? 1 : 0).build());
            if (o.published() >= 0) {
                published.dataPoint(CounterDataPointSnapshot.builder().labels(output).value(o.published()).build());
            }
            if (o.buffered() >= 0) {
                buffered.dataPoint(GaugeDataPointSnapshot.builder().labels(output).value(o.buffered()).build());
            }
            if (o.dropped() >= 0) {
                dropped.dataPoint(CounterDataPointSnapshot.builder().labels(output).value(o.dropped()).build());
            }
        }
        all.addAll(List.of(up.build(), published.build(), buffered.build(), dropped.build()));
        GaugeSnapshot.Builder driver = GaugeSnapshot.builder().name(DRIVER_INFO)
                .help("1 per installed driver (the one in use per id), with its version");
        for (DriverDescription dd : drivers) {
            driver.dataPoint(GaugeDataPointSnapshot.builder()
                    .labels(Labels.of("driver", dd.id(), "version", String.valueOf(dd.version()))).value(1).build());
        }
        all.add(driver.build());
        all.add(GaugeSnapshot.builder().name(UPTIME).help("Seconds since the gateway (its JVM) started")
                .dataPoint(GaugeDataPointSnapshot.builder().value(uptime.toMillis() / 1000.0).build()).build());
        all.addAll(jvm());
        labels = nextLabels; // only the devices this scrape saw
        nextLabels = new HashMap<>();
        return new MetricSnapshots(all);
    }

    /** The standard kinds (0 when none), then any other kind a future core reports, all in label order. */
    private static void errorsByKind(CounterSnapshot.Builder errors, DeviceLabels dl, DeviceInfo d) {
        Map<String, Long> counts = d.errorsByKind();
        String[] others = null;
        for (String k : counts.keySet()) {
            if (Arrays.binarySearch(ERROR_KINDS, k) < 0) {
                others = others == null ? new String[] {k} : append(others, k);
            }
        }
        if (others == null) {
            for (int i = 0; i < ERROR_KINDS.length; i++) {
                errors.dataPoint(CounterDataPointSnapshot.builder().labels(dl.errorKinds[i])
                        .value(counts.getOrDefault(ERROR_KINDS[i], 0L)).build());
            }
            return;
        }
        String[] all = append(ERROR_KINDS, others);
        Arrays.sort(all);
        for (String k : all) {
            errors.dataPoint(CounterDataPointSnapshot.builder().labels(Labels.of("device", d.id(), "kind", k))
                    .value(counts.getOrDefault(k, 0L)).build());
        }
    }

    private static String[] append(String[] a, String... more) {
        String[] out = Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, out, a.length, more.length);
        return out;
    }

    /** A channel's unit ("" when it has none); a device has a dozen channels, so a scan beats a map. */
    private static String unit(List<Channel> channels, String channel) {
        for (Channel c : channels) {
            if (c.id().equals(channel)) {
                return c.unit() == null ? "" : c.unit();
            }
        }
        return "";
    }

    /** JVM memory and threads from the platform MXBeans (no com.sun.management needed inside OSGi). */
    static List<MetricSnapshot> jvm() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        GaugeSnapshot.Builder used = GaugeSnapshot.builder().name("jvm_memory_used_bytes")
                .help("Used bytes of a JVM memory area");
        GaugeSnapshot.Builder committed = GaugeSnapshot.builder().name("jvm_memory_committed_bytes")
                .help("Committed bytes of a JVM memory area");
        GaugeSnapshot.Builder max = GaugeSnapshot.builder().name("jvm_memory_max_bytes")
                .help("Maximum bytes of a JVM memory area (-1 when unbounded)");
        for (var area : List.of(new Object[] {"heap", heap}, new Object[] {"nonheap", nonHeap})) {
            Labels l = Labels.of("area", (String) area[0]);
            MemoryUsage u = (MemoryUsage) area[1];
            used.dataPoint(GaugeDataPointSnapshot.builder().labels(l).value(u.getUsed()).build());
            committed.dataPoint(GaugeDataPointSnapshot.builder().labels(l).value(u.getCommitted()).build());
            max.dataPoint(GaugeDataPointSnapshot.builder().labels(l).value(u.getMax()).build());
        }
        return List.of(used.build(), committed.build(), max.build(),
                GaugeSnapshot.builder().name("jvm_threads_current").help("Live JVM threads")
                        .dataPoint(GaugeDataPointSnapshot.builder().value(threads.getThreadCount()).build()).build(),
                GaugeSnapshot.builder().name("jvm_threads_daemon").help("Live JVM daemon threads")
                        .dataPoint(GaugeDataPointSnapshot.builder().value(threads.getDaemonThreadCount()).build())
                        .build());
    }
}
