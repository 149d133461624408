package org.meter2mqtt.driver.kamstrup.kmp;

import java.util.Arrays;

/** A frame as received: start byte and unstuffed body, with the verdict of its checksum. Immutable. */
public final class KmpFrame {

    /** What the receiver made of the bytes between start and stop. */
    public enum Status {
        OK,
        /** The CRC over body and checksum bytes is not zero. */
        CRC_ERROR,
        /** Too short to hold address, command and CRC, or a dangling escape byte. */
        MALFORMED
    }

    private final int start;
    private final byte[] body;
    private final Status status;

    KmpFrame(int start, byte[] body, Status status) {
        this.start = start;
        this.body = body;
        this.status = status;
    }

    public int start() {
        return start;
    }

    /** Address, command id and data, without the CRC. Empty for a malformed frame. */
    public byte[] body() {
        return body.clone();
    }

    public Status status() {
        return status;
    }

    public int address() {
        return body.length > 0 ? body[0] & 0xFF : -1;
    }

    public int command() {
        return body.length > 1 ? body[1] & 0xFF : -1;
    }

    @Override
    public String toString() {
        return String.format("%02X %s %s", start, Hex.format(body), status);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KmpFrame && ((KmpFrame) o).start == start && ((KmpFrame) o).status == status
                && Arrays.equals(((KmpFrame) o).body, body);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(body) * 31 + start;
    }
}
