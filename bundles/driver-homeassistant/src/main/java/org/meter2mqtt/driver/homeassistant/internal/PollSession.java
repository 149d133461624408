package org.meter2mqtt.driver.homeassistant.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.meter2mqtt.api.ConfigException;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverException;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.driver.homeassistant.protocol.AuthException;
import org.meter2mqtt.driver.homeassistant.protocol.Discovery;
import org.meter2mqtt.driver.homeassistant.protocol.EntityState;
import org.meter2mqtt.driver.homeassistant.protocol.LoopGuard;
import org.meter2mqtt.driver.homeassistant.protocol.RestClient;

/**
 * {@code mode = poll}: {@code GET /api/states} at open (so a wrong token or an unreachable HA shows at once) and
 * then every poll.interval. A failed poll hands the session back to the core (OFFLINE, retried with backoff).
 */
final class PollSession implements DriverSession {

    private final DeviceContext ctx;
    private final RestClient rest;
    private final StatePublisher publisher;
    private final LoopGuard guard;

    private PollSession(DeviceContext ctx, RestClient rest, Discovery discovery, String gatewayId,
            Set<String> attributeKeys) {
        this.ctx = ctx;
        this.rest = rest;
        this.publisher = new StatePublisher(ctx, discovery, attributeKeys);
        this.guard = LoopGuard.prefixOnly(gatewayId);
    }

    static PollSession open(DeviceContext ctx, HttpClient http, URI base, String token, Duration timeout,
            int everySeconds, Discovery discovery, String gatewayId, Set<String> attributeKeys) throws DriverException {
        PollSession s = new PollSession(ctx, new RestClient(http, base, token, timeout), discovery, gatewayId,
                attributeKeys);
        ctx.attribute("ha.mode", "poll every " + everySeconds + " s, " + base + "/api/states; loop rule: skips "
                + s.guard.entityPrefix() + "*");
        s.pollOrThrow();
        ctx.scheduler().scheduleWithFixedDelay(s::pollFromTimer, everySeconds, everySeconds, TimeUnit.SECONDS);
        return s;
    }

    private void pollOrThrow() throws DriverException {
        List<EntityState> states;
        try {
            states = rest.states();
        } catch (AuthException e) {
            throw new ConfigException(HomeAssistantDriver.tokenRefused("HTTP 401"));
        } catch (IOException e) {
            throw HomeAssistantDriver.unreachable(rest.base().toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("interrupted");
        }
        publisher.resync(states, guard);
    }

    private void pollFromTimer() {
        try {
            pollOrThrow();
        } catch (DriverException e) {
            // the core reopens with backoff; a refused token then becomes CONFIG_ERROR at that open
            ctx.linkLost(e.getMessage(), e);
        }
    }

    StatePublisher publisher() {
        return publisher;
    }

    @Override
    public void close() {
        // the core cancels the poll timer with the session's scheduler
    }
}
