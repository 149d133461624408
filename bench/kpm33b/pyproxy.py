#!/usr/bin/env python3
"""The Python peer of issue 17: a raw-socket MQTT 3.1.1 proxy doing the kpm33b_proxy mapping, stdlib only.

Subscribes to MQTT_RT_DATA on the internal broker (QoS 0, as the meters publish) and republishes each complete
packet ("isend" "1") as kpm33b/<id>/seconds {"id","time","active_power"} on the central broker at QoS 1, the job
the Node-RED flow does. One thread, one selector, both sockets with TCP_NODELAY; PUBACKs are read and dropped.
Usage: pyproxy.py INTERNAL_PORT CENTRAL_PORT [host]
"""
import json
import selectors
import socket
import struct
import sys
import time

KEEPALIVE = 60


def remaining_length(n):
    out = bytearray()
    while True:
        b, n = n % 128, n // 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def packet(first, body):
    return bytes([first]) + remaining_length(len(body)) + body


def connect(host, port, client_id):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(packet(0x10, utf8("MQTT") + bytes([4, 0x02]) + struct.pack("!H", KEEPALIVE) + utf8(client_id)))
    ack = s.recv(4)
    if len(ack) < 4 or ack[0] != 0x20 or ack[3] != 0:
        sys.exit(f"{host}:{port} refused the connection: {ack!r}")
    return s


class Packets:
    """Splits a byte stream into MQTT packets (type byte, body)."""

    def __init__(self):
        self.buf = bytearray()

    def feed(self, data):
        self.buf += data
        out = []
        while len(self.buf) >= 2:
            n, mult, i = 0, 1, 1
            while True:
                if i >= len(self.buf):
                    return out
                b = self.buf[i]
                n += (b & 0x7F) * mult
                mult *= 128
                i += 1
                if not b & 0x80:
                    break
            if len(self.buf) < i + n:
                return out
            out.append((self.buf[0], bytes(self.buf[i:i + n])))
            del self.buf[:i + n]
        return out


def main():
    internal_port, central_port = int(sys.argv[1]), int(sys.argv[2])
    host = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
    internal = connect(host, internal_port, "pyproxy-in")
    central = connect(host, central_port, "pyproxy-out")
    internal.sendall(packet(0x82, struct.pack("!H", 1) + utf8("MQTT_RT_DATA") + b"\x00"))
    sel = selectors.DefaultSelector()
    sel.register(internal, selectors.EVENT_READ, "in")
    sel.register(central, selectors.EVENT_READ, "out")
    streams = {"in": Packets(), "out": Packets()}
    next_id, last_ping, forwarded = 1, time.monotonic(), 0
    while True:
        for key, _ in sel.select(timeout=KEEPALIVE / 2):
            data = key.fileobj.recv(262144)
            if not data:
                sys.exit(f"{key.data} broker closed the connection after {forwarded} messages")
            if key.data == "out":
                streams["out"].feed(data)  # PUBACKs and PINGRESPs: nothing to do
                continue
            out = bytearray()
            for first, body in streams["in"].feed(data):
                if first >> 4 != 3:
                    continue  # SUBACK, PINGRESP
                topic_len = struct.unpack_from("!H", body)[0]
                start = 2 + topic_len + (2 if first & 0x06 else 0)
                try:
                    d = json.loads(body[start:])
                except ValueError:
                    continue
                if d.get("isend") != "1":
                    continue
                payload = json.dumps({"id": d.get("id"), "time": d.get("time"),
                                      "active_power": d.get("zyggl")}, separators=(",", ":")).encode()
                out += packet(0x32, utf8(f"kpm33b/{d.get('id')}/seconds") + struct.pack("!H", next_id) + payload)
                next_id = next_id % 65535 + 1
                forwarded += 1
            if out:
                central.sendall(out)  # one write for what one read brought in
        now = time.monotonic()
        if now - last_ping > KEEPALIVE / 2:
            internal.sendall(b"\xc0\x00")
            central.sendall(b"\xc0\x00")
            last_ping = now


if __name__ == "__main__":
    main()
