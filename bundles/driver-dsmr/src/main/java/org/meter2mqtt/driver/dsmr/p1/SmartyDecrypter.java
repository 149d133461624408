package org.meter2mqtt.driver.dsmr.p1;

import java.security.GeneralSecurityException;
import java.util.Arrays;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Luxembourg Smarty (Creos) P1: each DSMR 5 telegram arrives wrapped in a DLMS general-global-ciphering frame,
 * AES-128-GCM encrypted with the meter's key. Frame layout:
 *
 * <pre>
 * DB | 08 | system title (8) | length (BER: 82 hi lo, 81 n or n) | 30 | frame counter (4) | ciphertext | tag (12)
 * </pre>
 *
 * The length counts from the security byte 0x30 to the end of the tag. IV = system title + frame counter;
 * additional authenticated data = 0x30 followed by the authentication key, which Smarty fixes to
 * {@code 00112233445566778899AABBCCDDEEFF}. The plaintext is fed to a {@link P1Parser}. Streaming and
 * resynchronising like the text parser; not thread-safe.
 */
public final class SmartyDecrypter {

    static final int START = 0xDB;
    static final int SECURITY_BYTE = 0x30;
    static final byte[] AUTHENTICATION_KEY = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, (byte) 0x88,
        (byte) 0x99, (byte) 0xAA, (byte) 0xBB, (byte) 0xCC, (byte) 0xDD, (byte) 0xEE, (byte) 0xFF};
    static final int TAG_LENGTH = 12;
    private static final int MAX_FRAME = P1Parser.DEFAULT_MAX_LENGTH + 64;

    private final SecretKeySpec key;
    private final P1Parser plaintext;
    private final P1Parser.Listener listener;
    private final byte[] frame = new byte[MAX_FRAME];
    private int len;
    /** Total frame length once the header is read, else -1. */
    private int expected = -1;

    /**
     * @param key16    the 16-byte AES key from the grid operator
     * @param listener receives decrypted telegrams and rejected frames
     */
    public SmartyDecrypter(byte[] key16, P1Parser.Listener listener) {
        if (key16.length != 16) {
            throw new IllegalArgumentException("a Smarty key has 16 bytes (32 hex digits)");
        }
        this.key = new SecretKeySpec(key16, "AES");
        this.listener = listener;
        this.plaintext = new P1Parser(listener, P1Parser.CrcPolicy.REQUIRED);
    }

    /** Parses a key given as 32 hex digits; null when it is not one. */
    public static byte[] parseKey(String hex) {
        String h = hex.trim();
        if (h.length() != 32) {
            return null;
        }
        byte[] k = new byte[16];
        for (int i = 0; i < 16; i++) {
            int hi = Character.digit(h.charAt(2 * i), 16);
            int lo = Character.digit(h.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            k[i] = (byte) (hi << 4 | lo);
        }
        return k;
    }

    public void parse(byte[] data, int off, int length) {
        for (int i = off; i < off + length; i++) {
            int b = data[i] & 0xFF;
            if (len == 0 && b != START) {
                continue; // between frames
            }
            frame[len++] = (byte) b;
            if (expected < 0) {
                header();
            } else if (len == expected) {
                decrypt();
                len = 0;
                expected = -1;
            }
        }
    }

    /** Works out the frame length as soon as the header is complete; drops a frame whose header is wrong. */
    private void header() {
        if (len < 2) {
            return;
        }
        int titleLength = frame[1] & 0xFF;
        if (titleLength != 8) {
            resync("system title length " + titleLength + " (expected 8)");
            return;
        }
        int at = 2 + titleLength; // the length byte
        if (len <= at) {
            return;
        }
        int first = frame[at] & 0xFF;
        int lengthBytes = first < 0x80 ? 0 : first - 0x80;
        if (lengthBytes > 2) {
            resync("bad length field");
            return;
        }
        if (len < at + 1 + lengthBytes) {
            return;
        }
        int bodyLength = first < 0x80 ? first : 0;
        for (int i = 0; i < lengthBytes; i++) {
            bodyLength = (bodyLength << 8) | (frame[at + 1 + i] & 0xFF);
        }
        int total = at + 1 + lengthBytes + bodyLength;
        if (bodyLength < 1 + 4 + TAG_LENGTH + 1 || total > MAX_FRAME) {
            resync("frame length " + bodyLength + " out of range");
            return;
        }
        expected = total;
    }

    private void resync(String why) {
        listener.invalid("not a Smarty frame (" + why + "): skipped to the next 0xDB");
        // search the bytes read so far for the next start byte
        int next = -1;
        for (int i = 1; i < len; i++) {
            if ((frame[i] & 0xFF) == START) {
                next = i;
                break;
            }
        }
        int keep = next < 0 ? 0 : len - next;
        if (keep > 0) {
            System.arraycopy(frame, next, frame, 0, keep);
        }
        len = keep;
        expected = -1;
        if (len > 0) {
            header();
        }
    }

    private void decrypt() {
        int titleLength = frame[1] & 0xFF;
        int at = 2 + titleLength;
        int first = frame[at] & 0xFF;
        int body = at + 1 + (first < 0x80 ? 0 : first - 0x80);
        if ((frame[body] & 0xFF) != SECURITY_BYTE) {
            listener.invalid(String.format("Smarty frame with security byte 0x%02X (expected 0x30): skipped",
                    frame[body] & 0xFF));
            return;
        }
        byte[] iv = new byte[12];
        System.arraycopy(frame, 2, iv, 0, 8);
        System.arraycopy(frame, body + 1, iv, 8, 4);
        int cipherStart = body + 5;
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_LENGTH * 8, iv));
            cipher.updateAAD(new byte[] {SECURITY_BYTE});
            cipher.updateAAD(AUTHENTICATION_KEY);
            // the tag follows the ciphertext, which is what the JDK's GCM expects
            byte[] plain = cipher.doFinal(frame, cipherStart, expected - cipherStart);
            plaintext.parse(plain, 0, plain.length);
            // a decrypted telegram is complete: its final CRLF may be missing, so end it here
            plaintext.parse(CRLF, 0, 2);
            Arrays.fill(plain, (byte) 0);
        } catch (AEADBadTagException e) {
            listener.invalid("Smarty frame failed authentication: wrong smarty.key, or the frame is corrupted");
        } catch (GeneralSecurityException e) {
            listener.invalid("Smarty frame cannot be decrypted: " + e.getMessage());
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};
}
