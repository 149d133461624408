package org.meter2mqtt.core.upgrade;

import java.util.List;

/**
 * The driver life cycle the shell drives ({@code meter:driver-*}): every step goes through preflight, the vault,
 * the health gate and the history. Registered as a service by the core.
 */
public interface DriverManagement {

    /** What one step did, in one sentence, and whether the requested change is now running. */
    final class Outcome {
        public final boolean applied;
        public final String message;

        public Outcome(boolean applied, String message) {
            this.applied = applied;
            this.message = message;
        }

        @Override
        public String toString() {
            return message;
        }
    }

    /**
     * Installs a driver jar, or upgrades the bundle of the same symbolic name.
     *
     * @param location {@code mvn:}, {@code file:}, {@code http(s):} or a plain path
     * @param force installs even a quarantined jar
     */
    Outcome install(String location, boolean force);

    /** Upgrades {@code driver} to the jar at {@code location}; refused when the jar does not provide that driver. */
    Outcome upgrade(String driver, String location);

    /** Goes back to the previous version kept in the vault. */
    Outcome rollback(String driver);

    Outcome remove(String driver);

    /** The history, oldest first; one driver's when {@code driver} is not null. */
    List<DriverHistory.Entry> history(String driver);
}
