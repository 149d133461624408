package org.meter2mqtt.shell.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.meter2mqtt.api.DeviceInfo;
import org.meter2mqtt.api.DeviceRegistry;
import org.meter2mqtt.api.DeviceState;

/** Validation before writing, and a short wait to show what the gateway made of the file. */
final class Validation {

    private Validation() {
    }

    static boolean ok(DeviceRegistry registry, String id, Map<String, String> cfg, boolean force) {
        List<String> problems = registry.validate(id, cfg);
        if (problems.isEmpty()) {
            if (registry.drivers().stream().noneMatch(d -> d.id().equals(cfg.get("driver")))) {
                System.out.println("Note: driver '" + cfg.get("driver") + "' is not installed; the device will wait"
                        + " for it (WAITING_FOR_DRIVER).");
            }
            return true;
        }
        System.out.println("Not valid:");
        problems.forEach(p -> System.out.println("  - " + p));
        if (force) {
            System.out.println("Writing anyway (--force): the device will be in CONFIG_ERROR.");
            return true;
        }
        System.out.println("Nothing written. Fix the settings, or use --force to write them anyway.");
        return false;
    }

    /**
     * After a change to an existing file: waits until the device runs with the changed keys and has left STARTING
     * (FileInstall polls etc/ every second), at most 5 s, then prints what the gateway made of it, or that the
     * change is not applied yet: the state shown is never the one from before the change.
     */
    static void awaitConfig(DeviceRegistry registry, String id, Map<String, String> changes) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            Optional<DeviceInfo> d = registry.device(id);
            if (d.isPresent() && applied(d.get().config(), changes) && d.get().state() != DeviceState.STARTING) {
                print(id, d);
                return;
            }
            Thread.sleep(100);
        }
        System.out.println("Device " + id + ": the gateway has not applied the change within 5 s; check meter:show "
                + id + " in a moment.");
    }

    private static boolean applied(Map<String, String> running, Map<String, String> changes) {
        return changes.entrySet().stream().allMatch(e -> e.getValue().isEmpty() ? !running.containsKey(e.getKey())
                : e.getValue().equals(running.get(e.getKey())) || "********".equals(running.get(e.getKey())));
    }

    /** FileInstall polls etc/ every second: wait a little for the device to leave STARTING, then print it. */
    static void awaitDevice(DeviceRegistry registry, String id) throws InterruptedException {
        Optional<DeviceInfo> d = Optional.empty();
        for (int i = 0; i < 50; i++) {
            d = registry.device(id);
            if (d.isPresent() && d.get().state() != DeviceState.STARTING) {
                break;
            }
            Thread.sleep(100);
        }
        print(id, d);
    }

    private static void print(String id, Optional<DeviceInfo> d) {
        System.out.println(d.map(info -> "Device " + id + ": " + info.state()
                + (info.reason() == null ? "" : " (" + info.reason() + ")"))
                .orElse("Device " + id + " is not running yet; check meter:list in a moment."));
    }
}
