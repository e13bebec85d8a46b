#!/usr/bin/env python3
"""feed_server: serves N RSS 2.0 feeds of M Chinese items each from 127.0.0.1
for the ingest benchmark, answering conditional GETs (If-None-Match /
If-Modified-Since) with 304. The bodies are built once at start, so the
server does as little as possible per request. Texts come from the corpus
($JINGYU_SHARED/corpus/weibo_police_2020.jsonl, read in place) or are
generated. It prints its port on stdout, then serves until killed.

GET /feed/K.xml  feed K          GET /stats  {"200": n, "304": n}
GET /reset       zeroes the counters

  feed_server.py [N [M]]              serve
  feed_server.py --write DIR [N [M]]  write the same feeds to DIR/feed/K.xml
                                      (for a real web server) and exit;
                                      prints the kind of text used
"""
import email.utils
import json
import os
import random
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

VOCAB = ("警方 民警 通报 群众 派出所 交警 事故 疫情 防控 社区 网友 视频 现场 调查 处置 嫌疑人 报警 "
         "救助 巡逻 值班 道路 车辆 医院 学校 小区 村民 志愿者 口罩 检查 执勤 反诈 转账 走失 老人 "
         "暴雨 救援 消防 高速 酒驾 谣言 辟谣 拘留 回应 舆论 关注 转发 评论 热搜 话题 发布").split()


def load_texts():
    shared = os.environ.get("JINGYU_SHARED") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared")
    path = os.path.join(shared, "corpus", "weibo_police_2020.jsonl")
    texts = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                t = json.loads(line).get("text")
                if t:
                    texts.append(t)
    except OSError:
        pass
    if texts:
        return texts, "corpus"
    rng = random.Random(7)
    for _ in range(12000):
        texts.append("".join(rng.choice(VOCAB) + ("，" if rng.random() < 0.15 else "")
                             for _ in range(rng.randint(20, 60))))
    return texts, "generated"


def clean(s):
    # XML 1.0 cannot carry most control characters; the corpus has a few
    return "".join(c for c in s if c in "\t\n" or ord(c) >= 0x20)


def build_feeds(n_feeds, n_items, texts):
    base = 1_600_000_000
    lastmod = email.utils.formatdate(base + 86400, usegmt=True)
    feeds = []
    for f in range(n_feeds):
        parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
                 f"<title>本地信源{f:03d}</title><link>http://127.0.0.1/feed/{f}</link>",
                 "<description>bench</description>"]
        for j in range(n_items):
            t = clean(texts[(f * n_items + j) % len(texts)])
            title = escape(t[:24])
            pub = email.utils.formatdate(base + f * 600 + j * 7, usegmt=True)
            parts.append(f"<item><title>{title}</title>"
                         f"<link>http://127.0.0.1/post/{f}/{j}</link>"
                         f"<guid isPermaLink=\"false\">bench-{f}-{j}</guid>"
                         f"<pubDate>{pub}</pubDate><description>{escape(t)}</description></item>")
        parts.append("</channel></rss>\n")
        feeds.append(("".join(parts).encode("utf-8"), f'"feed-{f}-v1"'))
    return feeds, lastmod


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body leave in one write with Nagle off: otherwise every
    # keep-alive answer waits out the client's 40 ms delayed ACK
    disable_nagle_algorithm = True
    wbufsize = 1 << 16
    feeds = []
    lastmod = ""
    counts = {"200": 0, "304": 0, "404": 0}
    lock = threading.Lock()

    def log_message(self, fmt, *args):
        pass

    def count(self, code):
        with self.lock:
            self.counts[code] = self.counts.get(code, 0) + 1

    def reply(self, code, body=b"", ctype="text/plain", extra=()):
        self.send_response(code)
        for k, v in extra:
            self.send_header(k, v)
        if code != 304:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if code != 304 and self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        p = self.path
        if p == "/stats":
            with self.lock:
                body = json.dumps(self.counts).encode()
            return self.reply(200, body, "application/json")
        if p == "/reset":
            with self.lock:
                for k in self.counts:
                    self.counts[k] = 0
            return self.reply(200, b"ok\n")
        try:
            k = int(p.removeprefix("/feed/").removesuffix(".xml"))
            body, etag = self.feeds[k]
        except (ValueError, IndexError):
            self.count("404")
            return self.reply(404, b"no such feed\n")
        validators = (("ETag", etag), ("Last-Modified", self.lastmod))
        if os.environ.get("FEED_SERVER_LOG"):
            print(self.headers.get("User-Agent"), dict(self.headers), file=sys.stderr)
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if (inm is not None and etag in [t.strip() for t in inm.split(",")]) or \
                (inm is None and ims == self.lastmod):
            self.count("304")
            return self.reply(304, extra=validators)
        self.count("200")
        self.reply(200, body, "application/rss+xml; charset=utf-8", validators)

    do_HEAD = do_GET


def write_feeds(out_dir, n_feeds, n_items):
    """Writes the feeds main() would serve to out_dir/feed/K.xml; returns the
    kind of text. Every file gets the Last-Modified time this server sends,
    so a file server's validators stay put from run to run."""
    texts, origin = load_texts()
    feeds, lastmod = build_feeds(n_feeds, n_items, texts)
    mtime = email.utils.parsedate_to_datetime(lastmod).timestamp()
    os.makedirs(os.path.join(out_dir, "feed"), exist_ok=True)
    for k, (body, _) in enumerate(feeds):
        path = os.path.join(out_dir, "feed", f"{k}.xml")
        with open(path, "wb") as f:
            f.write(body)
        os.utime(path, (mtime, mtime))
    return origin


def main():
    args = sys.argv[1:]
    out_dir = None
    if args[:1] == ["--write"] and len(args) >= 2:
        out_dir, args = args[1], args[2:]
    n_feeds = int(args[0]) if len(args) > 0 else 200
    n_items = int(args[1]) if len(args) > 1 else 50
    if out_dir is not None:
        print(write_feeds(out_dir, n_feeds, n_items), flush=True)
        return
    texts, origin = load_texts()
    Handler.feeds, Handler.lastmod = build_feeds(n_feeds, n_items, texts)
    # socketserver's default listen backlog is 5: with 8 parallel connects the
    # kernel drops a SYN and the client waits a 1 s retransmit, which would
    # be measured as the collector's time
    ThreadingHTTPServer.request_queue_size = 256
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], origin, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
