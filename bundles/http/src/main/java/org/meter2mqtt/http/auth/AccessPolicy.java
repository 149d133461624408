package org.meter2mqtt.http.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * Who gets in. Bound to loopback: everyone on this machine, no login (like the Karaf console over SSH on
 * localhost would need one, but a page on 127.0.0.1 is only reachable from here). Bound to anything else: HTTP
 * Basic against the realm for every client, loopback ones included, except {@code /health} when
 * {@code health.public = true}.
 */
public final class AccessPolicy {

    private final boolean authRequired;
    private final boolean healthPublic;
    private final Realm realm;

    public AccessPolicy(boolean authRequired, boolean healthPublic, Realm realm) {
        this.authRequired = authRequired;
        this.healthPublic = healthPublic;
        this.realm = realm;
    }

    public static AccessPolicy open() {
        return new AccessPolicy(false, false, null);
    }

    public boolean authRequired() {
        return authRequired;
    }

    /** True when the request may proceed; false means answer 401 with a Basic challenge. */
    public boolean allows(String path, String authorizationHeader) {
        if (!authRequired || (healthPublic && "/health".equals(path))) {
            return true;
        }
        String[] credentials = basic(authorizationHeader);
        return credentials != null && realm != null && realm.authenticate(credentials[0], credentials[1]);
    }

    /** User and password of a {@code Basic} header, or null when absent or malformed. */
    static String[] basic(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        return colon <= 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }

    /**
     * True when {@code host} is reachable only from this machine (127.0.0.0/8, ::1, localhost). A name is
     * resolved; an unresolvable one counts as not loopback, so it needs authentication like any other.
     */
    public static boolean loopback(String host) {
        String h = host == null ? "" : host.trim().toLowerCase(Locale.ROOT);
        if (h.equals("localhost")) {
            return true;
        }
        if (h.isEmpty() || h.equals("0.0.0.0") || h.equals("::") || h.equals("[::]")) {
            return false;
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(h.replace("[", "").replace("]", ""))) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
