package org.meter2mqtt.http.web;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.meter2mqtt.http.auth.AccessPolicy;
import org.meter2mqtt.http.live.DeviceRows;
import org.meter2mqtt.http.live.LiveFeed;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code GET /events}: Server-Sent Events for the page. First a {@code snapshot} event with everything, then
 * {@code update} events with what changed; a comment every 15 s keeps proxies from closing the stream. One
 * Jetty thread per open page (a handful of operators, not thousands); a page too slow to take its updates is
 * disconnected and its browser reconnects to a fresh snapshot.
 */
public final class EventsServlet extends GuardedServlet {

    private static final long serialVersionUID = 1L;
    private static final String CLOSE = new String("close");

    private final transient Gateway gateway;
    private final transient LiveFeed feed;
    private final transient DeviceRows rows;
    private final transient ObjectMapper mapper;

    public EventsServlet(Supplier<AccessPolicy> policy, Gateway gateway, LiveFeed feed, ObjectMapper mapper) {
        super(policy);
        this.gateway = gateway;
        this.feed = feed;
        this.mapper = mapper;
        this.rows = new DeviceRows(mapper);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        BlockingQueue<String> queue = new ArrayBlockingQueue<>(64);
        LiveFeed.Subscriber subscriber = new LiveFeed.Subscriber() {
            @Override
            public boolean offer(String json) {
                return queue.offer(json);
            }

            @Override
            public void closed() {
                queue.clear();
                queue.offer(CLOSE);
            }
        };
        feed.subscribe(subscriber); // before the snapshot, so no change falls between the two
        try {
            resp.setStatus(HttpServletResponse.SC_OK);
            resp.setContentType("text/event-stream");
            resp.setCharacterEncoding("UTF-8");
            resp.setHeader("Cache-Control", "no-store");
            resp.setHeader("X-Accel-Buffering", "no");
            PrintWriter out = resp.getWriter();
            out.write("retry: 2000\n\nevent: snapshot\ndata: ");
            out.write(mapper.writeValueAsString(rows.snapshot(gateway.devices(), gateway.outputs(),
                    gateway.drivers())));
            out.write("\n\n");
            out.flush();
            while (!out.checkError()) {
                String next = queue.poll(15, TimeUnit.SECONDS);
                if (next == CLOSE) {
                    break;
                }
                out.write(next == null ? ": keep-alive\n\n" : "event: update\ndata: " + next + "\n\n");
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            feed.unsubscribe(subscriber);
        }
    }
}
