package org.meter2mqtt.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.DriverException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fazecast.jSerialComm.SerialPort;

/** A serial port opened through jSerialComm. One reader thread and one writer at a time. */
final class SerialLink implements ByteLink {

    private static final Logger LOG = LoggerFactory.getLogger(SerialLink.class);

    // Linux errno values jSerialComm reports from open(2)/flock(2)/ioctl(TIOCEXCL)
    private static final int ENOENT = 2;
    private static final int ENXIO = 6;
    private static final int EAGAIN = 11;
    private static final int EACCES = 13;
    private static final int EBUSY = 16;
    private static final int ENODEV = 19;
    private static final int EPERM = 1;

    private final LinkSpec spec;
    private final SerialPort port;
    private final InputStream in;
    private final OutputStream out;
    private volatile boolean closed;

    private SerialLink(LinkSpec spec, SerialPort port) {
        this.spec = spec;
        this.port = port;
        this.in = new PortInput();
        this.out = new PortOutput();
    }

    static SerialLink open(LinkSpec spec) throws DriverException {
        String device = spec.path();
        checkDevice(device);
        SerialPort port;
        try {
            port = SerialPort.getCommPort(device);
        } catch (RuntimeException e) {
            throw new DriverException("serial device " + device + " cannot be used: " + e.getMessage(), e);
        }
        port.setComPortParameters(spec.baud(), spec.dataBits(), stopBits(spec.stopBits()), parity(spec.parity()));
        port.setFlowControl(SerialPort.FLOW_CONTROL_DISABLED);
        // semi-blocking: a read returns as soon as one byte is there, or 0 after the timeout (0 = wait forever)
        port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING,
                spec.timeoutMs(), 0);
        if (!port.openPort()) {
            throw openFailure(device, port.getLastErrorCode(), port.getLastErrorLocation());
        }
        LOG.debug("opened {} ({})", device, spec.lineSettings());
        return new SerialLink(spec, port);
    }

    /** Gives the user a reason before jSerialComm gives an error number. */
    private static void checkDevice(String device) throws DriverException {
        if (!device.startsWith("/")) {
            return; // COMn on Windows: let jSerialComm decide
        }
        Path p = Paths.get(device);
        if (!Files.exists(p)) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new DriverException("serial device " + device
                        + " is a link to a device that is gone: is the adapter unplugged?");
            }
            throw new DriverException("serial device " + device
                    + " does not exist: is the adapter plugged in? (ls /dev/serial/by-id/ lists the adapters)");
        }
        if (Files.isDirectory(p)) {
            throw new DriverException("serial device " + device + " is a directory, not a device");
        }
        if (!Files.isReadable(p) || !Files.isWritable(p)) {
            throw noPermission(device);
        }
    }

    private static DriverException noPermission(String device) {
        String group = "";
        try {
            group = " (owned by group '" + Files.getAttribute(Paths.get(device), "posix:group") + "')";
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            LOG.debug("cannot read the group of {}: {}", device, e.toString());
        }
        return new DriverException("no permission to open serial device " + device + group + ": the gateway runs as '"
                + System.getProperty("user.name") + "'; add that user to the device's group (usually 'dialout')");
    }

    private static DriverException openFailure(String device, int errno, int location) {
        if (device.startsWith("/") && !Files.exists(Paths.get(device))) {
            return new DriverException("serial device " + device + " is gone: is the adapter unplugged?");
        }
        switch (errno) {
            case EACCES:
            case EPERM:
                return noPermission(device);
            case EBUSY:
            case EAGAIN:
            case ENOENT:
                // jSerialComm 2.11 reports a failed exclusive lock (flock) on an existing device as error 2
                return new DriverException("serial device " + device
                        + " is busy: another program (or another device of this gateway) has it open; "
                        + "'fuser " + device + "' shows which");
            case ENXIO:
            case ENODEV:
                return new DriverException("serial device " + device + " is gone: is the adapter unplugged?");
            default:
                return new DriverException("cannot open serial device " + device + " (error " + errno
                        + " at native location " + location + ")");
        }
    }

    private static int stopBits(String s) {
        switch (s) {
            case "2":
                return SerialPort.TWO_STOP_BITS;
            case "1.5":
                return SerialPort.ONE_POINT_FIVE_STOP_BITS;
            default:
                return SerialPort.ONE_STOP_BIT;
        }
    }

    private static int parity(String p) {
        switch (p) {
            case "even":
                return SerialPort.EVEN_PARITY;
            case "odd":
                return SerialPort.ODD_PARITY;
            case "mark":
                return SerialPort.MARK_PARITY;
            case "space":
                return SerialPort.SPACE_PARITY;
            default:
                return SerialPort.NO_PARITY;
        }
    }

    @Override
    public InputStream input() {
        return in;
    }

    @Override
    public OutputStream output() {
        return out;
    }

    @Override
    public void drain() throws IOException {
        ensureOpen();
        port.flushIOBuffers();
        in.skip(in.available());
    }

    @Override
    public String describe() {
        return spec.path() + " " + spec.lineSettings();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (!port.closePort()) {
                LOG.debug("closing {} reported error {}", spec.path(), port.getLastErrorCode());
            }
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("serial link " + spec.path() + " is closed");
        }
    }

    private final class PortInput extends InputStream {
        private final byte[] one = new byte[1];

        @Override
        public int read() throws IOException {
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            ensureOpen();
            if (len == 0) {
                return 0;
            }
            int n = port.readBytes(b, len, off);
            if (n > 0) {
                return n;
            }
            ensureOpen();
            if (n == 0) {
                throw new SocketTimeoutException(
                        "no data from serial device " + spec.path() + " for " + spec.timeoutMs() + " ms");
            }
            throw new IOException("serial device " + spec.path() + " lost (unplugged?), error " + port.getLastErrorCode());
        }

        @Override
        public int available() throws IOException {
            ensureOpen();
            int n = port.bytesAvailable();
            if (n < 0) {
                throw new IOException("serial device " + spec.path() + " lost (unplugged?)");
            }
            return n;
        }

        @Override
        public void close() {
            SerialLink.this.close();
        }
    }

    private final class PortOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ensureOpen();
            int done = 0;
            while (done < len) {
                int n = port.writeBytes(b, len - done, off + done);
                if (n < 0) {
                    throw new IOException("cannot write to serial device " + spec.path() + ", error "
                            + port.getLastErrorCode());
                }
                done += n;
            }
        }

        @Override
        public void close() {
            SerialLink.this.close();
        }
    }
}
