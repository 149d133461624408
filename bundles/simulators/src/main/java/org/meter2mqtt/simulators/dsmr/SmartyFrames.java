package org.meter2mqtt.simulators.dsmr;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Wraps a telegram as a Luxembourg Smarty meter sends it: DLMS general-global-ciphering, AES-128-GCM with a
 * 12-byte tag; IV = system title + frame counter; AAD = 0x30 + the fixed authentication key.
 */
final class SmartyFrames {

    private static final byte[] AK = hexBytes("00112233445566778899AABBCCDDEEFF");
    private static final byte[] TITLE = "SAG12345".getBytes(StandardCharsets.US_ASCII);

    private final SecretKeySpec key;
    private int counter;

    SmartyFrames(String hexKey) {
        byte[] k = hexBytes(hexKey);
        if (k.length != 16) {
            throw new IllegalArgumentException("the Smarty key has 32 hex digits");
        }
        this.key = new SecretKeySpec(k, "AES");
    }

    byte[] wrap(byte[] telegram) throws GeneralSecurityException {
        counter++;
        byte[] iv = ByteBuffer.allocate(12).put(TITLE).putInt(counter).array();
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(96, iv));
        c.updateAAD(new byte[] {0x30});
        c.updateAAD(AK);
        byte[] sealed = c.doFinal(telegram);
        int length = 1 + 4 + sealed.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xDB);
        out.write(TITLE.length);
        out.writeBytes(TITLE);
        out.write(0x82);
        out.write(length >> 8);
        out.write(length & 0xFF);
        out.write(0x30);
        out.writeBytes(ByteBuffer.allocate(4).putInt(counter).array());
        out.writeBytes(sealed);
        return out.toByteArray();
    }

    static byte[] hexBytes(String hex) {
        String h = hex.trim();
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }
}
