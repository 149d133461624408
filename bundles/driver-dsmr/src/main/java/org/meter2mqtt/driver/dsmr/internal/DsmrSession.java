package org.meter2mqtt.driver.dsmr.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.meter2mqtt.api.ByteLink;
import org.meter2mqtt.api.Channel;
import org.meter2mqtt.api.DeviceContext;
import org.meter2mqtt.api.DriverSession;
import org.meter2mqtt.driver.dsmr.p1.P1Parser;
import org.meter2mqtt.driver.dsmr.p1.SmartyDecrypter;
import org.meter2mqtt.driver.dsmr.p1.Telegram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One open P1 port: a reader thread feeds the parser; telegrams become batches, bad input becomes errors. */
final class DsmrSession implements DriverSession, P1Parser.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(DsmrSession.class);

    private final DeviceContext context;
    private final ByteLink link;
    private final TelegramMapper mapper;
    private final int silenceSeconds;
    private final P1Parser text;
    private final SmartyDecrypter smarty;
    private volatile boolean closed;
    private long lastTelegram;
    private long lastNoTelegramReport;

    DsmrSession(DeviceContext context, ByteLink link, Variant variant, byte[] smartyKey, TelegramMapper mapper,
            int silenceSeconds) {
        this.context = context;
        this.link = link;
        this.mapper = mapper;
        this.silenceSeconds = silenceSeconds;
        if (smartyKey != null) {
            this.smarty = new SmartyDecrypter(smartyKey, this);
            Arrays.fill(smartyKey, (byte) 0);
            this.text = null;
        } else {
            this.smarty = null;
            this.text = new P1Parser(this, variant.crcPolicy);
        }
    }

    void start() {
        context.attribute("link", link.describe());
        context.startThread("P1 reader " + link.describe(), this::run);
    }

    private void run() {
        byte[] buf = new byte[4096];
        long silenceNanos = TimeUnit.SECONDS.toNanos(silenceSeconds);
        lastTelegram = System.nanoTime();
        lastNoTelegramReport = lastTelegram;
        try {
            InputStream in = link.input();
            while (!closed && !Thread.currentThread().isInterrupted()) {
                int n = in.read(buf);
                if (n < 0) {
                    lost("the link closed (end of stream): " + link.describe(), null);
                    return;
                }
                if (LOG.isTraceEnabled()) {
                    LOG.trace("{} read {} bytes: {}", context.deviceId(), n, new String(buf, 0, n,
                            java.nio.charset.StandardCharsets.ISO_8859_1));
                }
                if (smarty != null) {
                    smarty.parse(buf, 0, n);
                } else {
                    text.parse(buf, 0, n);
                }
                long now = System.nanoTime();
                if (now - lastTelegram > silenceNanos && now - lastNoTelegramReport > silenceNanos) {
                    lastNoTelegramReport = now;
                    context.error("bytes arrive but no valid telegram for " + silenceSeconds
                            + " s: wrong baud rate or dsmr.version?");
                }
            }
        } catch (SocketTimeoutException e) {
            lost("no data from the meter for " + silenceSeconds + " s on " + link.describe()
                    + ": is the P1 cable plugged in and the meter sending?", e);
        } catch (IOException e) {
            lost("link lost on " + link.describe() + ": " + e.getMessage(), e);
        }
    }

    private void lost(String reason, Throwable cause) {
        if (!closed) {
            LOG.debug("{}: {}", context.deviceId(), reason);
            context.linkLost(reason, cause);
        }
    }

    @Override
    public void telegram(Telegram telegram) {
        lastTelegram = System.nanoTime();
        TelegramMapper.Result r = mapper.map(telegram);
        r.attributes.forEach(context::attribute);
        for (Channel c : r.newChannels) {
            context.announce(c);
        }
        for (String problem : r.problems) {
            context.error(problem);
        }
        if (!r.readings.isEmpty()) {
            LOG.debug("{}: telegram {} gave {} readings", context.deviceId(), telegram, r.readings.size());
            context.publish(r.readings);
        }
    }

    @Override
    public void invalid(String reason) {
        LOG.debug("{}: {}", context.deviceId(), reason);
        context.error(reason);
    }

    @Override
    public void close() {
        closed = true;
        link.close();
    }
}
