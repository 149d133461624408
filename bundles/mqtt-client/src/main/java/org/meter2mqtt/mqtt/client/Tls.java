package org.meter2mqtt.mqtt.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/** Builds the TLS socket factory from PEM files, as Mosquitto users have them. */
public final class Tls {

    private Tls() {
    }

    /**
     * @param caFile PEM CA certificates to trust, or null for the JDK's trust store
     * @param certFile PEM client certificate chain, or null for no client certificate
     * @param keyFile PEM private key of {@code certFile}
     * @throws GeneralSecurityException with a message naming the file and what to do, when a file is not
     *         what it should be
     */
    public static SSLSocketFactory socketFactory(String caFile, String certFile, String keyFile)
            throws GeneralSecurityException, IOException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (caFile != null) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            Collection<? extends Certificate> cas = certificates(caFile);
            int i = 0;
            for (Certificate c : cas) {
                trust.setCertificateEntry("ca" + i++, c);
            }
            tmf.init(trust);
        } else {
            // The JDK's trust store: enough for brokers with a public certificate.
            tmf.init((KeyStore) null);
        }
        KeyManagerFactory kmf = null;
        if (certFile != null) {
            Collection<? extends Certificate> chain = certificates(certFile);
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] none = new char[0];
            keys.setKeyEntry("client", privateKey(keyFile), none, chain.toArray(new Certificate[0]));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, none);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx.getSocketFactory();
    }

    private static Collection<? extends Certificate> certificates(String file)
            throws GeneralSecurityException, IOException {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new GeneralSecurityException(file + " contains no PEM certificate");
            }
            return certs;
        } catch (java.security.cert.CertificateException e) {
            throw new GeneralSecurityException(file + " is not a PEM/DER X.509 certificate: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(String file) throws GeneralSecurityException, IOException {
        String pem = Files.readString(Path.of(file), StandardCharsets.US_ASCII);
        if (pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY")
                || pem.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
            throw new GeneralSecurityException(file + " must be an unencrypted PKCS#8 key (BEGIN PRIVATE KEY); "
                    + "convert it with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pk8.pem");
        }
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new GeneralSecurityException(file + " contains no PEM private key (BEGIN PRIVATE KEY)");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String alg : new String[] { "RSA", "EC", "Ed25519", "EdDSA" }) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // Not this algorithm; the next one is tried and the loop ends with a clear error.
                continue;
            }
        }
        throw new GeneralSecurityException(file + " holds a private key of an unsupported algorithm");
    }
}
