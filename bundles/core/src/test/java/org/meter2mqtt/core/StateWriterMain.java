package org.meter2mqtt.core;

import java.nio.file.Path;

/** For {@link FileStateStoreTest}: flushes a = b = n+1 in a loop (compacting every few KB) until it is killed. */
public final class StateWriterMain {

    private StateWriterMain() {
    }

    public static void main(String[] args) {
        FileStateStore s = new FileStateStore(Path.of(args[0]), 4096);
        long n = s.get("a").map(Long::parseLong).orElse(0L);
        while (true) {
            n++;
            s.put("a", Long.toString(n));
            s.put("b", Long.toString(n));
            s.put("padding." + (n % 50), "x".repeat((int) (n % 200)));
            s.flush();
        }
    }
}
