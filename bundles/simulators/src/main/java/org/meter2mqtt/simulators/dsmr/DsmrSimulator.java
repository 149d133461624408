package org.meter2mqtt.simulators.dsmr;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DSMR P1 meter: sends a telegram every interval to a serial device path (the meter end of a socat
 * pseudo-terminal pair, a USB adapter) or to every client of a TCP port (like ser2net or a WiFi P1 dongle).
 *
 * <pre>
 * java -cp simulators.jar org.meter2mqtt.simulators.dsmr.DsmrSimulator
 *     (--tcp PORT | --serial PATH)   TCP port to listen on (0 = any free port, printed), or a device path
 *     [--version 5|4|3|2.2|be|smarty] dialect, default 5
 *     [--smarty-key HEX32]           key for --version smarty
 *     [--interval MS]                default 1000
 *     [--count N]                    stop after N telegrams (default: run until killed)
 *     [--gas-channel N]              M-Bus channel of the gas meter (1-4, default 1; lower ones get placeholders)
 *     [--corrupt-every N]            every Nth telegram gets a wrong CRC digit (v2.2/3: a broken line)
 *     [--truncate-every N]           every Nth telegram is cut in the middle
 *     [--garbage-every N]            random bytes (never '/') before every Nth telegram
 *     [--7e1]                        set the even parity bit (a 7E1 meter read by an 8N1 port)
 * </pre>
 *
 * With {@code --tcp} it prints {@code listening on port N} first; it prints {@code sent K} after each telegram,
 * so tests and scripts can follow it. Telegram K carries the values {@link TelegramBuilder} documents. A
 * serial path that disappears (adapter unplugged) is reopened every 200 ms until it is back.
 */
public final class DsmrSimulator {

    private static final Logger LOG = LoggerFactory.getLogger(DsmrSimulator.class);

    private final TelegramBuilder builder;
    private final SmartyFrames smarty;
    private final int corruptEvery;
    private final int truncateEvery;
    private final int garbageEvery;
    private final boolean parity7e1;
    private final Random random = new Random(42);

    DsmrSimulator(TelegramBuilder builder, SmartyFrames smarty, int corruptEvery, int truncateEvery,
            int garbageEvery, boolean parity7e1) {
        this.builder = builder;
        this.smarty = smarty;
        this.corruptEvery = corruptEvery;
        this.truncateEvery = truncateEvery;
        this.garbageEvery = garbageEvery;
        this.parity7e1 = parity7e1;
    }

    public static void main(String[] args) throws Exception {
        String tcp = null;
        String serial = null;
        String version = "5";
        String key = null;
        long interval = 1000;
        long count = Long.MAX_VALUE;
        int gasChannel = 1;
        int corrupt = 0;
        int truncate = 0;
        int garbage = 0;
        boolean parity = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h":
                case "--help":
                    System.out.println(USAGE);
                    System.exit(0);
                    break;
                case "--tcp":
                    tcp = args[++i];
                    break;
                case "--serial":
                    serial = args[++i];
                    break;
                case "--version":
                    version = args[++i];
                    break;
                case "--smarty-key":
                    key = args[++i];
                    break;
                case "--interval":
                    interval = Long.parseLong(args[++i]);
                    break;
                case "--count":
                    count = Long.parseLong(args[++i]);
                    break;
                case "--gas-channel":
                    gasChannel = Integer.parseInt(args[++i]);
                    break;
                case "--corrupt-every":
                    corrupt = Integer.parseInt(args[++i]);
                    break;
                case "--truncate-every":
                    truncate = Integer.parseInt(args[++i]);
                    break;
                case "--garbage-every":
                    garbage = Integer.parseInt(args[++i]);
                    break;
                case "--7e1":
                    parity = true;
                    break;
                default:
                    usage("unknown argument " + a);
                    return;
            }
        }
        if ((tcp == null) == (serial == null)) {
            usage("give exactly one of --tcp PORT or --serial PATH");
            return;
        }
        boolean isSmarty = version.toLowerCase(Locale.ROOT).equals("smarty");
        if (isSmarty && key == null) {
            usage("--version smarty needs --smarty-key");
            return;
        }
        DsmrSimulator sim = new DsmrSimulator(new TelegramBuilder(TelegramBuilder.Version.of(version), gasChannel),
                isSmarty ? new SmartyFrames(key) : null, corrupt, truncate, garbage, parity);
        PrintStream out = System.out;
        if (tcp != null) {
            sim.serveTcp(Integer.parseInt(tcp), interval, count, out);
        } else {
            sim.writeSerial(serial, interval, count, out);
        }
    }

    private static final String USAGE = "usage: DsmrSimulator (--tcp PORT | --serial PATH)"
            + " [--version 5|4|3|2.2|be|smarty] [--smarty-key HEX] [--interval MS] [--count N] [--gas-channel N]"
            + " [--corrupt-every N] [--truncate-every N] [--garbage-every N] [--7e1]";

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println(USAGE);
        System.exit(2);
    }

    /** The bytes for telegram k, with the faults that k is due for. */
    byte[] telegram(long k, Instant now) throws Exception {
        byte[] t = builder.build(k, now);
        long n = k + 1;
        if (corruptEvery > 0 && n % corruptEvery == 0) {
            corrupt(t);
        }
        if (truncateEvery > 0 && n % truncateEvery == 0) {
            t = Arrays.copyOf(t, t.length / 2);
        }
        if (smarty != null) {
            t = smarty.wrap(t);
        } else if (parity7e1) {
            for (int i = 0; i < t.length; i++) {
                t[i] = (byte) (t[i] | (Integer.bitCount(t[i]) % 2 == 1 ? 0x80 : 0));
            }
        }
        if (garbageEvery > 0 && n % garbageEvery == 0) {
            byte[] g = new byte[16 + random.nextInt(48)];
            random.nextBytes(g);
            for (int i = 0; i < g.length; i++) {
                if ((g[i] & 0x7F) == '/' || (g[i] & 0xFF) == 0xDB) {
                    g[i] = '#';
                }
            }
            byte[] both = new byte[g.length + t.length];
            System.arraycopy(g, 0, both, 0, g.length);
            System.arraycopy(t, 0, both, g.length, t.length);
            t = both;
        }
        return t;
    }

    /** Changes one digit of the energy value, so the CRC no longer matches (or, without CRC, a line breaks). */
    private static void corrupt(byte[] t) {
        String s = new String(t, StandardCharsets.US_ASCII);
        int at = s.indexOf("1-0:1.8.1(");
        if (s.contains("!\r\n")) {
            // no CRC to break: break the line's syntax instead
            int close = s.indexOf(')', at);
            t[close] = '#';
        } else {
            int digit = at + 12;
            t[digit] = (byte) (t[digit] == '9' ? '8' : t[digit] + 1);
        }
    }

    private void serveTcp(int port, long interval, long count, PrintStream out) throws Exception {
        List<Socket> clients = new CopyOnWriteArrayList<>();
        try (ServerSocket server = new ServerSocket(port, 8, InetAddress.getLoopbackAddress())) {
            out.println("listening on port " + server.getLocalPort());
            out.flush();
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        clients.add(server.accept());
                    } catch (IOException e) {
                        LOG.debug("accept stopped: {}", e.toString());
                        return;
                    }
                }
            }, "dsmr-sim-accept");
            acceptor.setDaemon(true);
            acceptor.start();
            Clock clock = Clock.systemUTC();
            for (long k = 0; k < count; k++) {
                byte[] t = telegram(k, clock.instant());
                for (Socket c : clients) {
                    try {
                        OutputStream os = c.getOutputStream();
                        os.write(t);
                        os.flush();
                    } catch (IOException e) {
                        LOG.debug("client {} gone: {}", c.getRemoteSocketAddress(), e.toString());
                        clients.remove(c);
                        c.close();
                    }
                }
                out.println("sent " + k);
                out.flush();
                Thread.sleep(interval);
            }
        }
    }

    private void writeSerial(String path, long interval, long count, PrintStream out) throws Exception {
        Clock clock = Clock.systemUTC();
        OutputStream port = null;
        try {
            for (long k = 0; k < count; k++) {
                byte[] t = telegram(k, clock.instant());
                while (true) {
                    try {
                        if (port == null) {
                            port = Files.newOutputStream(Paths.get(path), StandardOpenOption.WRITE);
                        }
                        port.write(t);
                        port.flush();
                        break;
                    } catch (IOException e) {
                        // unplugged: wait until the device path is back (WRITE without CREATE never makes a file)
                        LOG.debug("{} not writable: {}", path, e.toString());
                        if (port != null) {
                            closeQuietly(port);
                            port = null;
                        }
                        Thread.sleep(200);
                    }
                }
                out.println("sent " + k);
                out.flush();
                Thread.sleep(interval);
            }
        } finally {
            if (port != null) {
                closeQuietly(port);
            }
        }
    }

    private static void closeQuietly(OutputStream s) {
        try {
            s.close();
        } catch (IOException e) {
            LOG.debug("close failed: {}", e.toString());
        }
    }
}
