package org.meter2mqtt.api;

import java.util.Map;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Small persistent key/value state of one device (a pulse counter, the last upload interval set). Kept
 * under Karaf's data folder; writes are atomic (temp file, fsync, rename), so a power cut never leaves a
 * torn file. Survives gateway restarts and driver upgrades; deleted with the device's configuration.
 */
@ProviderType
public interface StateStore {

    Optional<String> get(String key);

    /** Sets a value in memory; it reaches the disk with the next {@link #flush()} (and at session close). */
    void put(String key, String value);

    void remove(String key);

    Map<String, String> snapshot();

    /**
     * Writes the changes to disk now (fsynced when it returns), if there are any.
     *
     * @throws java.io.UncheckedIOException since 1.3, when they could not be written (a full disk, a folder that
     *         cannot be written); the message names the file. The changes stay in memory and the next flush tries
     *         again, so nothing that depends on them (an acknowledgement) may go out before a flush returned.
     */
    void flush();
}
