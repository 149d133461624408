package org.meter2mqtt.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.meter2mqtt.api.DriverDescription;
import org.meter2mqtt.api.MeterDriver;

/**
 * Which driver serves each driver id. Several bundles may register the same id (an upgrade dropped beside the
 * old jar): the highest version wins, and among equal versions the one registered last (a re-installed jar).
 * Plain Java and thread-safe; it only answers questions, the device manager decides what to do with the answers.
 */
public final class DriverCatalogue {

    /** A driver service and the version it is known by (its bundle version inside OSGi). */
    public static final class Entry {
        private final MeterDriver driver;
        private final DriverDescription description;
        private final long order;

        Entry(MeterDriver driver, DriverDescription description, long order) {
            this.driver = driver;
            this.description = description;
            this.order = order;
        }

        public MeterDriver driver() {
            return driver;
        }

        public DriverDescription description() {
            return description;
        }

        public String id() {
            return description.id();
        }

        public String version() {
            return description.version();
        }

        @Override
        public String toString() {
            return description.id() + " " + description.version();
        }
    }

    /** What {@link #add} or {@link #remove} changed for one driver id. */
    public static final class Change {
        private final String id;
        private final Entry best;
        private final List<String> versions;

        Change(String id, Entry best, List<String> versions) {
            this.id = id;
            this.best = best;
            this.versions = versions;
        }

        public String id() {
            return id;
        }

        /** The entry that serves the id now, null when none is left. */
        public Entry best() {
            return best;
        }

        /** Every version registered for the id now, best first. */
        public List<String> versions() {
            return versions;
        }
    }

    /** The best entry for an id and what was installed at the same moment, for one consistent message. */
    public static final class Lookup {
        private final Entry best;
        private final Set<String> installedIds;

        Lookup(Entry best, Set<String> installedIds) {
            this.best = best;
            this.installedIds = installedIds;
        }

        public Entry best() {
            return best;
        }

        public Set<String> installedIds() {
            return installedIds;
        }
    }

    private static final Comparator<Entry> BEST_FIRST = Comparator
            .comparing((Entry e) -> e.version(), DriverCatalogue::compareVersions)
            .thenComparingLong(e -> e.order).reversed();

    private final Map<String, List<Entry>> byId = new TreeMap<>(); // guarded by this
    private long order;

    /** Registers a driver under its description's id and version; returns the id's new state. */
    public synchronized Change add(MeterDriver driver, DriverDescription description) {
        Entry entry = new Entry(driver, description, ++order);
        List<Entry> list = byId.computeIfAbsent(description.id(), k -> new ArrayList<>());
        list.add(entry);
        list.sort(BEST_FIRST);
        return change(description.id(), list);
    }

    /** Unregisters a driver service; null when it was not registered. */
    public synchronized Change remove(MeterDriver driver) {
        for (Map.Entry<String, List<Entry>> e : byId.entrySet()) {
            List<Entry> list = e.getValue();
            if (list.removeIf(d -> d.driver == driver)) {
                String id = e.getKey();
                if (list.isEmpty()) {
                    byId.remove(id);
                }
                return change(id, list);
            }
        }
        return null;
    }

    /** The entry that serves {@code id}, null when none (or no id). */
    public synchronized Entry best(String id) {
        if (id == null) {
            return null;
        }
        List<Entry> list = byId.get(id);
        return list == null || list.isEmpty() ? null : list.get(0);
    }

    /** {@link #best} together with the ids installed at that moment. */
    public synchronized Lookup lookup(String id) {
        return new Lookup(best(id), ids());
    }

    /** The installed driver ids, sorted. */
    public synchronized Set<String> ids() {
        return new TreeSet<>(byId.keySet());
    }

    /** What {@code meter:drivers} lists: the best description of each id, ordered by id. */
    public synchronized List<DriverDescription> descriptions() {
        return byId.values().stream().filter(l -> !l.isEmpty()).map(l -> l.get(0).description)
                .collect(Collectors.toList());
    }

    private static Change change(String id, List<Entry> list) {
        return new Change(id, list.isEmpty() ? null : list.get(0),
                list.stream().map(Entry::version).collect(Collectors.toList()));
    }

    /** OSGi version order: numeric segments as numbers, the qualifier as text. */
    public static int compareVersions(String a, String b) {
        String[] pa = (a == null ? "0" : a).split("[.\\-]");
        String[] pb = (b == null ? "0" : b).split("[.\\-]");
        for (int i = 0; i < Math.max(pa.length, pb.length); i++) {
            String x = i < pa.length ? pa[i] : "0";
            String y = i < pb.length ? pb[i] : "0";
            int c = x.matches("\\d+") && y.matches("\\d+") ? Long.compare(Long.parseLong(x), Long.parseLong(y))
                    : x.compareTo(y);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
