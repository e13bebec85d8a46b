#!/usr/bin/env python3
"""A loopback HTTP/1.1 server for jingyu's integration tests.

It serves the feed fixtures in tests/fixtures/http and a set of faults, each
chosen by the request path (the query string is ignored for routing, so a test
can give every source its own URL, e.g. /ok.xml?case=etag, and find its
requests in the log). It runs in a thread inside the test script, so the test
can read the request log and switch fixtures while jingyu runs.

    srv = FixtureServer(); srv.start()      # binds 127.0.0.1, port 0
    srv.url("/ok.xml?case=a")               # http://127.0.0.1:PORT/ok.xml?case=a
    srv.requests("/ok.xml?case=a")          # [{'path':..., 'headers':{...}, 'status':...}]
    srv.set_body("/m.xml?c=1", data, ctype) # serve this body at this exact path from now on
    srv.stop()

Routes:
    /ok.xml            RSS, 3 items; ETag "v1" + Last-Modified; 304 when either validator matches
    /etag-rotate.xml   RSS; every 304 carries a new ETag ("r1", "r2", ...)
    /429               429, Retry-After: 120
    /503               503, Retry-After as an HTTP-date 300 s ahead (recorded in the log)
    /500               500
    /slow              sleeps ?s=SECONDS (default 8) before answering
    /loop              302 to itself
    /big               50 MB without Content-Length; stops when the client goes away
    /gzip.xml          Content-Encoding: gzip
    /gbk.xml           GBK bytes, encoding declared in the XML declaration only
    /gbk-header.xml    GBK bytes, no declaration, charset in Content-Type only
    /malformed.xml     truncated XML
    /atom.xml          Atom 1.0
    /json              JSON Feed 1.1
    /escape.xml        RSS with ESC[2J and ESC]0;x BEL in titles (raw bytes)
    /escape.json       JSON Feed with the same escapes as \\u001b
    /notfound          404 (as is any unknown path)

Run it alone (`python3 httpd.py`) to try the routes with curl.
"""
import email.utils
import gzip
import http.server
import os
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures", "http"))

OK_ETAG = '"v1"'
OK_LAST_MODIFIED = "Wed, 01 May 2024 08:00:00 GMT"
BIG_TOTAL = 50 * 1024 * 1024


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "jingyu-test-httpd/1"

    def log_message(self, fmt, *args):  # keep test output readable
        if os.environ.get("HTTPD_VERBOSE"):
            super().log_message(fmt, *args)

    # -- helpers -------------------------------------------------------------
    def _record(self, status, **extra):
        entry = {"path": self.path, "route": self._route, "headers": dict(self.headers.items()),
                 "status": status, "time": time.time()}
        entry.update(extra)
        self.server.fixtures._log(entry)
        return entry

    def _send(self, status, body=b"", ctype="application/rss+xml; charset=utf-8", headers=None,
              **extra):
        self._record(status, **extra)
        self.send_response(status)
        if ctype and status != 304:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD" and status != 304:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def _header(self, name):
        v = self.headers.get(name)
        return v.strip() if v is not None else None

    # -- dispatch ------------------------------------------------------------
    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        parsed = urllib.parse.urlsplit(self.path)
        self._route = parsed.path
        query = urllib.parse.parse_qs(parsed.query)
        fx = self.server.fixtures
        override = fx._override(self.path)
        if override is not None:
            body, ctype, headers = override
            return self._send(200, body, ctype, headers)
        fn = getattr(self, "route_" + parsed.path.strip("/").replace(".", "_").replace("-", "_"),
                     None)
        if fn is None:
            return self._send(404, "没有这个页面\n".encode(), "text/plain; charset=utf-8")
        try:
            fn(query)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # -- routes --------------------------------------------------------------
    def route_ok_xml(self, q):
        validators = {"ETag": OK_ETAG, "Last-Modified": OK_LAST_MODIFIED}
        inm = self._header("If-None-Match")
        ims = self._header("If-Modified-Since")
        if (inm is not None and OK_ETAG in [t.strip() for t in inm.split(",")]) or \
                (inm is None and ims == OK_LAST_MODIFIED):
            return self._send(304, headers=validators)
        self._send(200, fixture("ok.xml"), headers=validators)

    def route_etag_rotate_xml(self, q):
        fx = self.server.fixtures
        with fx.lock:
            n = fx.rotate.get(self.path, 1)
            current = '"r%d"' % n
            matched = self._header("If-None-Match") == current
            if matched:
                n += 1
                fx.rotate[self.path] = n
        if matched:
            return self._send(304, headers={"ETag": '"r%d"' % n})
        self._send(200, fixture("ok.xml").replace(b"qh-ok-", b"qh-rot-"),
                   headers={"ETag": current})

    def route_429(self, q):
        self._send(429, "请求过于频繁\n".encode(), "text/plain; charset=utf-8",
                   {"Retry-After": "120"})

    def route_503(self, q):
        until = int(time.time()) + 300
        self._send(503, "维护中\n".encode(), "text/plain; charset=utf-8",
                   {"Retry-After": email.utils.formatdate(until, usegmt=True)}, retry_until=until)

    def route_500(self, q):
        self._send(500, "internal error\n".encode(), "text/plain; charset=utf-8")

    def route_slow(self, q):
        seconds = float(q.get("s", ["8"])[0])
        entry = self._record("sleeping")
        end = time.time() + seconds
        while time.time() < end and not self.server.fixtures.stopping:
            time.sleep(0.05)
        entry["status"] = 200
        body = fixture("ok.xml").replace(b"qh-ok-", b"qh-slow-")
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route_loop(self, q):
        self._send(302, b"", "text/plain", {"Location": self.path})

    def route_big(self, q):
        """50 MB with no Content-Length: the body ends when the connection closes."""
        entry = self._record(200, sent=0, finished=False)
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        head = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>big</title>\n'
        chunk = ("<item><title>超大响应体中的一条</title><guid>big</guid></item>\n" * 512).encode()
        self.wfile.write(head)
        sent = len(head)
        try:
            while sent < BIG_TOTAL and not self.server.fixtures.stopping:
                self.wfile.write(chunk)
                sent += len(chunk)
                entry["sent"] = sent
            entry["finished"] = sent >= BIG_TOTAL
        finally:
            entry["sent"] = sent

    def route_gzip_xml(self, q):
        self._send(200, gzip.compress(fixture("gzip.xml")), "application/rss+xml",
                   {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})

    def route_gbk_xml(self, q):
        # No charset in Content-Type: only the XML declaration names GBK.
        self._send(200, fixture("gbk.xml"), "application/rss+xml")

    def route_gbk_header_xml(self, q):
        self._send(200, fixture("gbk-header.xml"), "text/xml; charset=gbk")

    def route_malformed_xml(self, q):
        self._send(200, fixture("malformed.xml"), "application/rss+xml")

    def route_atom_xml(self, q):
        self._send(200, fixture("atom.xml"), "application/atom+xml; charset=utf-8")

    def route_json(self, q):
        self._send(200, fixture("feed.json"), "application/feed+json")

    def route_escape_xml(self, q):
        self._send(200, fixture("escape.xml"), "application/rss+xml; charset=utf-8")

    def route_escape_json(self, q):
        self._send(200, fixture("escape.json"), "application/feed+json")

    def route_notfound(self, q):
        self._send(404, b"not found\n", "text/plain")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class FixtureServer:
    def __init__(self, host="127.0.0.1"):
        self.host = host
        self.lock = threading.Lock()
        self.log = []
        self.rotate = {}
        self.overrides = {}
        self.stopping = False
        self.httpd = None
        self.thread = None
        self.port = None

    def start(self):
        self.httpd = _Server((self.host, 0), _Handler)
        self.httpd.fixtures = self
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="httpd",
                                       daemon=True)
        self.thread.start()
        return self.port

    def stop(self):
        self.stopping = True
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()

    def url(self, path):
        return "http://%s:%d%s" % (self.host, self.port, path)

    def _log(self, entry):
        with self.lock:
            self.log.append(entry)

    def _override(self, path):
        with self.lock:
            return self.overrides.get(path)

    def set_body(self, path, body, ctype="application/rss+xml; charset=utf-8", headers=None):
        """Serve body (200) at this exact path (query included) from now on."""
        with self.lock:
            self.overrides[path] = (body, ctype, headers or {})

    def requests(self, path):
        """The log entries for this exact path (query included), oldest first."""
        with self.lock:
            return [e for e in self.log if e["path"] == path]

    def requests_route(self, route):
        with self.lock:
            return [e for e in self.log if e["route"] == route]


if __name__ == "__main__":
    srv = FixtureServer()
    port = srv.start()
    print("serving %s on http://127.0.0.1:%d/ (Ctrl-C stops)" % (FIXTURES, port), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()
