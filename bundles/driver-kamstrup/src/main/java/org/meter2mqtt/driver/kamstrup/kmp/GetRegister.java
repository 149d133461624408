package org.meter2mqtt.driver.kamstrup.kmp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GetRegister command (CID 0x10): {@code 3F 10 n id1 ... idn} asks for up to eight registers; the answer
 * {@code 3F 10} followed by one record per register the meter knows ({@code id(2) unit(1) L(1) SIEX(1)
 * mantissa(L)}). Registers the meter does not know are left out, so records are matched by id.
 */
public final class GetRegister {

    public static final int CID = 0x10;
    /** The largest register count per request that meters are known to accept. */
    public static final int MAX_REGISTERS = 8;

    private GetRegister() {
    }

    /** One request frame (with start, CRC, stuffing and stop) for 1 to 8 registers. */
    public static byte[] request(int address, List<Integer> registers) {
        if (registers.isEmpty() || registers.size() > MAX_REGISTERS) {
            throw new IllegalArgumentException("a GetRegister request carries 1 to 8 registers, got "
                    + registers.size());
        }
        byte[] body = new byte[3 + 2 * registers.size()];
        body[0] = (byte) address;
        body[1] = (byte) CID;
        body[2] = (byte) registers.size();
        for (int i = 0; i < registers.size(); i++) {
            int id = registers.get(i);
            body[3 + 2 * i] = (byte) (id >>> 8);
            body[4 + 2 * i] = (byte) id;
        }
        return KmpFrames.frame(KmpFrames.START_REQUEST, body);
    }

    /** Splits a register set into request-sized groups, keeping their order. */
    public static List<List<Integer>> split(List<Integer> registers) {
        List<List<Integer>> groups = new ArrayList<>();
        for (int i = 0; i < registers.size(); i += MAX_REGISTERS) {
            groups.add(List.copyOf(registers.subList(i, Math.min(registers.size(), i + MAX_REGISTERS))));
        }
        return groups;
    }

    /** The decoded answer, or why it could not be decoded. */
    public static final class Response {
        private final Map<Integer, RegisterValue> values;
        private final String problem;

        private Response(Map<Integer, RegisterValue> values, String problem) {
            this.values = values;
            this.problem = problem;
        }

        /** Records by register id, in the order received; empty when {@link #problem()} is set. */
        public Map<Integer, RegisterValue> values() {
            return values;
        }

        /** Null for a good answer, else a sentence for logs and {@code meter:show}. */
        public String problem() {
            return problem;
        }

        public boolean ok() {
            return problem == null;
        }
    }

    /**
     * Decodes the body of an answer frame whose CRC was good.
     *
     * @param body address, command id and records, without CRC
     */
    public static Response decode(byte[] body) {
        if (body.length < 2 || (body[1] & 0xFF) != CID) {
            return new Response(Map.of(), "not a GetRegister answer: " + Hex.format(body));
        }
        Map<Integer, RegisterValue> values = new LinkedHashMap<>();
        int p = 2;
        while (p < body.length) {
            if (body.length - p < 5) {
                return new Response(Map.of(), "truncated register record at byte " + p + ": " + Hex.format(body));
            }
            int id = ((body[p] & 0xFF) << 8) | (body[p + 1] & 0xFF);
            int unit = body[p + 2] & 0xFF;
            int length = body[p + 3] & 0xFF;
            int siex = body[p + 4] & 0xFF;
            if (length == 0 || p + 5 + length > body.length) {
                return new Response(Map.of(), String.format("register 0x%04X announces %d mantissa bytes, %d left",
                        id, length, body.length - p - 5));
            }
            values.put(id, new RegisterValue(id, unit, KmpNumber.decode(siex, body, p + 5, length)));
            p += 5 + length;
        }
        return new Response(values, null);
    }
}
