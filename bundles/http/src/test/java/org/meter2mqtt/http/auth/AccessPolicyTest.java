package org.meter2mqtt.http.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

class AccessPolicyTest {

    private static final Realm REALM = new Realm() {
        @Override
        public boolean hasViewer() {
            return true;
        }

        @Override
        public boolean authenticate(String user, String password) {
            return user.equals("ops") && password.equals("pa:ss");
        }
    };

    private static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void loopbackAddressesAreRecognisedAndEverythingElseIsNot() {
        assertThat(AccessPolicy.loopback("127.0.0.1")).isTrue();
        assertThat(AccessPolicy.loopback("127.0.1.1")).isTrue();
        assertThat(AccessPolicy.loopback("localhost")).isTrue();
        assertThat(AccessPolicy.loopback("::1")).isTrue();
        assertThat(AccessPolicy.loopback("0.0.0.0")).isFalse();
        assertThat(AccessPolicy.loopback("::")).isFalse();
        assertThat(AccessPolicy.loopback("192.168.1.20")).isFalse();
        assertThat(AccessPolicy.loopback("")).isFalse();
        assertThat(AccessPolicy.loopback("no-such-host.invalid")).isFalse();
    }

    @Test
    void withAuthEveryPathNeedsAViewerLogin() {
        AccessPolicy p = new AccessPolicy(true, false, REALM);
        assertThat(p.allows("/metrics", null)).isFalse();
        assertThat(p.allows("/health", null)).isFalse();
        assertThat(p.allows("/", basic("ops:wrong"))).isFalse();
        assertThat(p.allows("/", basic("ops:pa:ss"))).isTrue(); // a colon in the password survives
        assertThat(p.allows("/", "Bearer xyz")).isFalse();
        assertThat(p.allows("/", "Basic !!!not-base64")).isFalse();
    }

    @Test
    void healthPublicExemptsOnlyHealth() {
        AccessPolicy p = new AccessPolicy(true, true, REALM);
        assertThat(p.allows("/health", null)).isTrue();
        assertThat(p.allows("/metrics", null)).isFalse();
        assertThat(p.allows("/health/x", null)).isFalse();
    }

    @Test
    void openPolicyLetsEveryoneIn() {
        assertThat(AccessPolicy.open().allows("/metrics", null)).isTrue();
    }
}
