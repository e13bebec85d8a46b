#!/usr/bin/env python3
"""Integration test of `jingyu collect --once` against a loopback HTTP server.

Usage: test_collect.py PATH/TO/jingyu

Each case gets its own temporary folder, config and database (so that one
case's schedule never hides another's fetch), runs the real binary, and then
reads what it stored with Python's sqlite3 (read-only). Every assertion is a
named check: `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`.

Error messages may be English or Chinese: checks on last_error accept either
(e.g. "timeout", "timed out" or "超时")."""
import json
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (Checks, binary_from_argv, items, mentions, query, run,  # noqa: E402
                    source, write_config)
from httpd import FIXTURES, OK_ETAG, OK_LAST_MODIFIED, FixtureServer, fixture  # noqa: E402

OK_TITLES = {"清河大道南段今晚起夜间施工", "城关镇农贸市场蔬菜价格平稳",
             "清河警方提示：谨防“刷单返利”诈骗"}
GBK_TITLES = {"白沙乡完成高标准农田建设", "县人民医院开设夜间门诊"}
GBKH_TITLES = {"石桥乡修缮老街青石板路", "县人民医院开设夜间门诊"}

WORDS_TIMEOUT = ("timeout", "timed out", "time out", "超时")
WORDS_REDIRECT = ("redirect", "重定向", "跳转")
WORDS_SIZE = ("size", "large", "max_body", "too big", "exceed", "limit", "过大", "超过", "上限")
WORDS_PARSE = ("parse", "xml", "解析", "格式")


class Case:
    """A temp folder with a config and a database."""

    def __init__(self, top, name, sources, **collector):
        self.name = name
        self.dir = os.path.join(top, name)
        os.makedirs(self.dir, exist_ok=True)
        self.db = os.path.join(self.dir, "jingyu.db")
        self.config = os.path.join(self.dir, "config.yaml")
        write_config(self.config, self.db, sources, **collector)

    def once(self, jingyu, timeout=90):
        return run(jingyu, ["--config", self.config, "collect", "--once"], timeout=timeout)


def titles(db, name):
    return {i["title"] for i in items(db, name)}


def guid_dups(db, name):
    return query(db, "SELECT guid, COUNT(*) AS n FROM items JOIN sources "
                     "ON sources.id = items.source_id WHERE sources.name = ? "
                     "GROUP BY guid HAVING n > 1", (name,))


def case_conditional(c, jingyu, srv, top):
    path = "/ok.xml?case=cond"
    k = Case(top, "cond", [{"name": "清河日报", "url": srv.url(path), "media_level": "local",
                            "region": "清河县", "tags": ["本地"]}])
    r = k.once(jingyu)
    c.check("cond-run1-exit0", r.rc == 0, r.why())
    s = source(k.db, "清河日报")
    if not c.check("cond-source-row", s is not None, "no sources row named 清河日报; " + r.why()):
        return
    c.eq("cond-items-stored", titles(k.db, "清河日报"), OK_TITLES)
    c.eq("cond-etag-stored-exactly", s["etag"], OK_ETAG)
    c.eq("cond-last-modified-stored-exactly", s["last_modified"], OK_LAST_MODIFIED)
    c.eq("cond-status-200", s["last_status"], 200)
    c.check("cond-health-ok", s["failures"] == 0 and s["last_error"] is None,
            "failures=%r last_error=%r" % (s["failures"], s["last_error"]))
    reqs = srv.requests(path)
    c.eq("cond-one-request", len(reqs), 1)
    if reqs:
        c.eq("cond-user-agent", reqs[0]["headers"].get("User-Agent"), "jingyu-test/1")
        c.check("cond-accepts-gzip", "gzip" in (reqs[0]["headers"].get("Accept-Encoding") or ""),
                "Accept-Encoding=%r" % reqs[0]["headers"].get("Accept-Encoding"))
        c.check("cond-first-unconditional", "If-None-Match" not in reqs[0]["headers"],
                "first request already sent If-None-Match")
    first_fetch = (s["last_success"], s["last_attempt"])

    time.sleep(1.1)  # min_interval is 1 s
    r = k.once(jingyu)
    c.check("cond-run2-exit0", r.rc == 0, r.why())
    reqs = srv.requests(path)
    c.eq("cond-304-no-retry", len(reqs), 2)
    if len(reqs) >= 2:
        h = reqs[1]["headers"]
        c.eq("cond-sends-etag-back", h.get("If-None-Match"), OK_ETAG)
        c.eq("cond-sends-last-modified-back", h.get("If-Modified-Since"), OK_LAST_MODIFIED)
        c.eq("cond-server-said-304", reqs[1]["status"], 304)
    s = source(k.db, "清河日报")
    c.eq("cond-no-duplicates", len(items(k.db, "清河日报")), 3)
    c.eq("cond-304-status-recorded", s["last_status"], 304)
    c.check("cond-304-is-healthy", s["failures"] == 0 and s["last_error"] is None,
            "failures=%r last_error=%r" % (s["failures"], s["last_error"]))
    c.check("cond-304-counts-as-attempt", (s["last_attempt"] or 0) >= (first_fetch[1] or 0) and
            s["last_success"] is not None, "last_attempt=%r last_success=%r before=%r" %
            (s["last_attempt"], s["last_success"], first_fetch))
    c.eq("cond-validators-kept", (s["etag"], s["last_modified"]), (OK_ETAG, OK_LAST_MODIFIED))
    c.check("cond-times-are-epoch-seconds",
            abs((s["last_attempt"] or 0) - time.time()) < 300,
            "last_attempt=%r is not UTC epoch seconds near now" % s["last_attempt"])


def case_etag_rotate(c, jingyu, srv, top):
    path = "/etag-rotate.xml?case=rot"
    k = Case(top, "rotate", [{"name": "rot", "url": srv.url(path)}])
    seen = []
    for n in range(3):
        if n:
            time.sleep(1.1)
        r = k.once(jingyu)
        c.check("rotate-run%d-exit0" % (n + 1), r.rc == 0, r.why())
        s = source(k.db, "rot")
        seen.append(s["etag"] if s else None)
    c.eq("rotate-etags-stored", seen, ['"r1"', '"r2"', '"r3"'])
    reqs = srv.requests(path)
    sent = [e["headers"].get("If-None-Match") for e in reqs]
    c.eq("rotate-new-etag-sent", sent, [None, '"r1"', '"r2"'])
    c.eq("rotate-no-duplicates", len(items(k.db, "rot")), 3)


def case_retry_after(c, jingyu, srv, top):
    p429, p503, pok = "/429?case=ra", "/503?case=ra", "/ok.xml?case=ra"
    k = Case(top, "retry", [{"name": "r429", "url": srv.url(p429)},
                            {"name": "r503", "url": srv.url(p503)},
                            {"name": "rok", "url": srv.url(pok)}])
    r = k.once(jingyu)
    c.check("retry-run1-exit0-despite-failures", r.rc == 0, r.why())
    s = source(k.db, "r429")
    reqs = srv.requests(p429)
    if not c.check("retry-429-fetched", s is not None and len(reqs) == 1,
                   "requests=%d row=%r; %s" % (len(reqs), s, r.why())):
        return
    c.eq("retry-429-status", s["last_status"], 429)
    c.check("retry-429-next-due", (s["next_due"] or 0) >= int(reqs[0]["time"]) + 120 - 1,
            "next_due=%r, request at %d, Retry-After 120" % (s["next_due"], reqs[0]["time"]))
    c.check("retry-429-is-failure", (s["failures"] or 0) >= 1 and s["last_error"],
            "failures=%r last_error=%r" % (s["failures"], s["last_error"]))
    s = source(k.db, "r503")
    reqs503 = srv.requests(p503)
    if s and reqs503:
        c.eq("retry-503-status", s["last_status"], 503)
        c.check("retry-503-http-date", (s["next_due"] or 0) >= reqs503[0]["retry_until"] - 1,
                "next_due=%r, Retry-After date %d" % (s["next_due"], reqs503[0]["retry_until"]))
    else:
        c.check("retry-503-fetched", False, "requests=%d row=%r" % (len(reqs503), s))

    time.sleep(1.1)
    r = k.once(jingyu)
    c.check("retry-run2-exit0", r.rc == 0, r.why())
    c.eq("retry-429-not-hit-again", len(srv.requests(p429)), 1)
    c.eq("retry-503-not-hit-again", len(srv.requests(p503)), 1)
    c.eq("retry-others-still-fetched", len(srv.requests(pok)), 2)
    c.check("retry-skip-is-said", "r429" in r.out + r.err,
            "second --once did not name the skipped source r429; " + r.why())


def case_faults(c, jingyu, srv, top):
    """One run over many sources: failures of some must not stop the others."""
    P = {"s500": "/500?case=f", "okf": "/ok.xml?case=f", "gz": "/gzip.xml?case=f",
         "gbk": "/gbk.xml?case=f", "gbkh": "/gbk-header.xml?case=f",
         "atom": "/atom.xml?case=f", "json": "/json?case=f", "esc": "/escape.xml?case=f",
         "escj": "/escape.json?case=f", "nf": "/notfound?case=f", "slow": "/slow?s=8&case=f",
         "loop": "/loop?case=f"}
    k = Case(top, "faults", [{"name": n, "url": srv.url(p)} for n, p in P.items()],
             timeout=2, connect_timeout=2, max_redirects=3)
    r = k.once(jingyu)
    c.check("faults-exit0", r.rc == 0, r.why())
    c.check("faults-timeout-bounds-run", r.elapsed < 7.5,
            "run took %.1fs although timeout is 2 s and /slow sleeps 8 s" % r.elapsed)

    s = source(k.db, "s500")
    if c.check("500-row", s is not None, r.why()):
        c.eq("500-failures", s["failures"], 1)
        c.eq("500-status", s["last_status"], 500)
        c.check("500-error-mentions-500", "500" in (s["last_error"] or ""),
                "last_error=%r" % s["last_error"])
        c.check("500-failing-since", (s["failing_since"] or 0) > 0,
                "failing_since=%r" % s["failing_since"])
        c.eq("500-nothing-stored", len(items(k.db, "s500")), 0)
        c.eq("500-one-request", len(srv.requests(P["s500"])), 1)
    c.eq("others-stored-despite-500", titles(k.db, "okf"), OK_TITLES)

    reqs = srv.requests(P["gz"])
    c.eq("gzip-items", titles(k.db, "gz"), {"清河县图书馆五一假期开放时间调整",
                                           "柳林镇荷花节将于六月开幕"})
    c.check("gzip-asked", reqs and "gzip" in (reqs[0]["headers"].get("Accept-Encoding") or ""),
            "Accept-Encoding not sent")

    c.eq("gbk-declaration-titles", titles(k.db, "gbk"), GBK_TITLES)
    c.eq("gbk-content-type-titles", titles(k.db, "gbkh"), GBKH_TITLES)
    gbk_content = {i["content"] for i in items(k.db, "gbk")}
    c.check("gbk-content", "白沙乡今年新建高标准农田三千亩。" in gbk_content, repr(gbk_content))

    atom = items(k.db, "atom")
    c.eq("atom-items", {i["title"] for i in atom},
         {"清河县公安局开展夏季治安巡查", "石桥派出所民警帮走失老人回家"})
    c.check("atom-html-reduced", any("夏季治安巡查" in (i["content"] or "") and
                                     "<b>" not in (i["content"] or "") for i in atom),
            repr([i["content"] for i in atom]))
    c.check("atom-author", any(i["author"] == "清河警方" for i in atom),
            repr([i["author"] for i in atom]))
    js = items(k.db, "json")
    c.eq("json-items", {i["title"] for i in js}, {"河口镇新建篮球场投入使用", "东岗乡举办农技培训"})
    c.check("json-html-reduced", all("<p>" not in (i["content"] or "") for i in js) and
            any("夏季病虫害防治" in (i["content"] or "") for i in js),
            repr([i["content"] for i in js]))
    c.check("json-dates", all(i["date_missing"] in (0, None) and i["published_at"] for i in js),
            repr([(i["published_at"], i["date_missing"]) for i in js]))
    if js:
        want = 1714532400  # 2024-05-01T11:00:00+08:00
        c.check("json-date-utc", any(i["published_at"] == want for i in js),
                "published_at=%r, want %d" % ([i["published_at"] for i in js], want))

    esc_texts = query(k.db, "SELECT title, content, author, link, guid FROM items")
    bad = [t for row in esc_texts for t in row.values()
           if isinstance(t, str) and ("\x1b" in t or "\x07" in t)]
    c.check("escape-no-esc-stored", not bad, "stored text with ESC/BEL: %r" % bad[:3])
    c.eq("escape-json-stored", len(items(k.db, "escj")), 2)
    c.check("escape-json-text-kept", any("清屏标题测试" in i["title"] for i in items(k.db, "escj")),
            repr([i["title"] for i in items(k.db, "escj")]))
    c.eq("escape-xml-stored", len(items(k.db, "esc")), 2)
    esc_src = source(k.db, "esc")
    c.check("escape-xml-healthy", esc_src and esc_src["last_error"] is None,
            "last_error=%r" % (esc_src or {}).get("last_error"))

    s = source(k.db, "nf")
    if s:
        c.eq("404-status", s["last_status"], 404)
        c.check("404-failure", s["failures"] == 1 and "404" in (s["last_error"] or ""),
                "failures=%r last_error=%r" % (s["failures"], s["last_error"]))

    s = source(k.db, "slow")
    if c.check("timeout-row", s is not None):
        c.check("timeout-error", mentions(s["last_error"], WORDS_TIMEOUT),
                "last_error=%r" % s["last_error"])
        c.eq("timeout-nothing-stored", len(items(k.db, "slow")), 0)
        c.eq("timeout-failures", s["failures"], 1)

    s = source(k.db, "loop")
    if c.check("loop-row", s is not None):
        c.check("loop-error", mentions(s["last_error"], WORDS_REDIRECT),
                "last_error=%r" % s["last_error"])
        n = len(srv.requests(P["loop"]))
        c.check("loop-bounded", 1 <= n <= 3 + 1, "%d requests with max_redirects 3" % n)

    st = run(jingyu, ["--config", k.config, "status"], timeout=30)
    c.check("status-exit0", st.rc == 0, st.why())
    missing = [n for n in P if n not in st.out]
    c.check("status-lists-sources", not missing, "not in status output: %r" % missing)
    c.check("status-shows-error", "500" in st.out, "status does not show s500's HTTP 500")


def case_big(c, jingyu, srv, top):
    path = "/big?case=big"
    k = Case(top, "big", [{"name": "big", "url": srv.url(path)}], max_body="1M", timeout=30)
    r = k.once(jingyu)
    c.check("big-exit0", r.rc == 0, r.why())
    s = source(k.db, "big")
    if c.check("big-row", s is not None, r.why()):
        c.check("big-error-mentions-size", mentions(s["last_error"], WORDS_SIZE),
                "last_error=%r" % s["last_error"])
        c.eq("big-failures", s["failures"], 1)
    c.eq("big-nothing-stored", len(items(k.db, "big")), 0)
    c.check("big-rss-bounded", r.maxrss_kb < 200 * 1024,
            "peak RSS %d MB" % (r.maxrss_kb // 1024))
    reqs = srv.requests(path)
    time.sleep(0.3)
    c.check("big-aborted-early", reqs and not reqs[0].get("finished"),
            "client read the whole 50 MB (sent=%r)" % (reqs[0].get("sent") if reqs else None))


def hostile_feed():
    """Issue 15.1: five items; item 2's title opens an OSC with U+009D (then
    ESC ] and ESC P), item 4's closes one with U+009C."""
    out = ['<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>h</title>']
    for i in range(1, 6):
        t = "清河通报%d" % i
        if i == 2:
            t += "\u009d0;窗口标题\x1b]0;再来\x1bP一段"
        if i == 4:
            t += "\u009c"
        out.append("<item><guid>qh-hostile-%d</guid><title>%s</title>"
                   "<description>正文%d</description></item>" % (i, t, i))
    out.append("</channel></rss>")
    return "".join(out).encode("utf-8")


def case_hostile_and_losses(c, jingyu, srv, top):
    """Issue 15: one hostile title must not blind a feed (1); what a fetch
    loses or guesses is a source warning (2); parse memory is bounded (3)."""
    P = {"hostile": "/hostile.xml?case=h", "many": "/many.xml?case=h",
         "gbk8": "/gbk-as-utf8.xml?case=h", "tiny": "/tiny.xml?case=h"}
    srv.set_body(P["hostile"], hostile_feed())
    n_many = 10050  # the parser takes 10,000 items of one document
    srv.set_body(P["many"], ("<rss><channel>" + "".join(
        "<item><guid>m%d</guid><title>第%d条</title></item>" % (i, i) for i in range(n_many)) +
        "</channel></rss>").encode("utf-8"))
    srv.set_body(P["gbk8"], fixture("gbk-header.xml"), "application/rss+xml; charset=utf-8")
    good = fixture("ok.xml").replace(b"qh-ok-", b"qh-tiny-")
    srv.set_body(P["tiny"], good)
    k = Case(top, "hostile", [{"name": n, "url": srv.url(P[n])} for n in ("hostile", "many",
                                                                          "gbk8")])
    r = k.once(jingyu, timeout=180)
    c.check("hostile-exit0", r.rc == 0, r.why())
    # a small max_body, so that a small document can pass 8 times it
    kt = Case(top, "tiny", [{"name": "tiny", "url": srv.url(P["tiny"])}], max_body="256K",
              parse_memory=8)
    r = kt.once(jingyu)
    c.check("tiny-run1-exit0", r.rc == 0, r.why())

    rows = items(k.db, "hostile")
    c.eq("hostile-all-five-stored", len(rows), 5)
    by_guid = {i["guid"]: i["title"] for i in rows}
    for i in range(1, 6):
        t = by_guid.get("qh-hostile-%d" % i) or ""
        c.check("hostile-title-%d-under-its-guid" % i, t.startswith("清河通报%d" % i),
                "guid qh-hostile-%d has title %r" % (i, t))
    bad = [v for row in rows for v in row.values() if isinstance(v, str) and
           re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", v)]
    c.check("hostile-no-control-stored", not bad, "stored control characters: %r" % bad[:3])
    s = source(k.db, "hostile")
    c.check("hostile-source-ok", s and s["last_error"] is None, "row=%r" % s)

    s = source(k.db, "many")
    c.eq("many-stored-the-cap", len(items(k.db, "many")), 10000)
    if c.check("many-row", s is not None, r.why()):
        c.check("many-ok", s["last_error"] is None and s["failures"] == 0, "row=%r" % s)
        w = s.get("last_warning") or ""
        c.check("many-warned", str(n_many) in w and "10000" in w, "last_warning=%r" % w)

    s = source(k.db, "gbk8")
    c.eq("gbk-as-utf8-titles", titles(k.db, "gbk8"), GBKH_TITLES)
    if c.check("gbk-as-utf8-row", s is not None, r.why()):
        w = s.get("last_warning") or ""
        c.check("gbk-as-utf8-warned", "GB18030" in w and "UTF-8" in w, "last_warning=%r" % w)
        c.check("gbk-as-utf8-ok", s["last_error"] is None, "row=%r" % s)

    c.eq("tiny-good-first", len(items(kt.db, "tiny")), 3)
    # 60,000 empty elements: 240 KB, under max_body, but a tree of some
    # 8 MB, past 8 x 256K
    srv.set_body(P["tiny"], b"<rss><channel><item><guid>t1</guid><title>t</title><description>" +
                 b"<a/>" * 60000 + b"</description></item></channel></rss>")
    time.sleep(1.1)
    r = kt.once(jingyu)
    c.check("tiny-run2-exit0", r.rc == 0, r.why())
    s = source(kt.db, "tiny")
    if c.check("tiny-row", s is not None, r.why()):
        c.check("tiny-error-says-memory", "parse_memory" in (s["last_error"] or ""),
                "last_error=%r" % s["last_error"])
        c.eq("tiny-failures", s["failures"], 1)
    c.eq("tiny-nothing-lost", len(items(kt.db, "tiny")), 3)

    st = run(jingyu, ["--config", k.config, "status"], timeout=30)
    c.check("status-shows-warning", "GB18030" in st.out and "warning" in st.out, st.why())


def case_malformed(c, jingyu, srv, top):
    path = "/var.xml?case=mal"
    good = fixture("ok.xml").replace(b"qh-ok-", b"qh-mal-")
    srv.set_body(path, good)
    k = Case(top, "malformed", [{"name": "mal", "url": srv.url(path)}])
    r = k.once(jingyu)
    c.check("malformed-run1-exit0", r.rc == 0, r.why())
    c.eq("malformed-good-first", len(items(k.db, "mal")), 3)
    srv.set_body(path, fixture("malformed.xml"))
    time.sleep(1.1)
    r = k.once(jingyu)
    c.check("malformed-run2-exit0", r.rc == 0, r.why())
    c.eq("malformed-fetched-again", len(srv.requests(path)), 2)
    s = source(k.db, "mal")
    if s:
        c.check("malformed-error-says-parse", mentions(s["last_error"], WORDS_PARSE),
                "last_error=%r" % s["last_error"])
        c.eq("malformed-failures", s["failures"], 1)
    c.eq("malformed-earlier-items-kept", titles(k.db, "mal"), OK_TITLES)
    c.check("malformed-partial-item-not-stored",
            not any(i["guid"] == "qh-bad-1" for i in items(k.db, "mal")),
            "the truncated document's half item was stored: %r" %
            [i["content"] for i in items(k.db, "mal") if i["guid"] == "qh-bad-1"])

    # A body that is no feed at all (a maintenance page) must be a parse error too.
    srv.set_body(path, "<html><body><h1>系统维护中</h1></body></html>".encode(),
                 "text/html; charset=utf-8")
    time.sleep(1.1)
    r = k.once(jingyu)
    c.check("notfeed-run-exit0", r.rc == 0, r.why())
    s = source(k.db, "mal")
    if s:
        c.check("notfeed-is-failure", (s["failures"] or 0) >= 1 and s["last_error"],
                "failures=%r last_error=%r" % (s["failures"], s["last_error"]))
    c.eq("notfeed-items-kept", len([i for i in items(k.db, "mal")
                                    if i["guid"].startswith("qh-mal-")]), 3)
    srv.set_body(path, good)


def jsonl(items_):
    return "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items_)


def case_file_drop(c, jingyu, srv, top):
    k = Case(top, "drop", [{"name": "drop", "type": "file-drop", "path": "in", "interval": 1}])
    d = os.path.join(k.dir, "in")  # relative paths are relative to the config's folder
    os.makedirs(d)
    good = [{"guid": "drop-%d" % n, "title": "投递条目%d：柳林镇夜市开张" % n,
             "content": "第%d条，文件投递导入测试。" % n, "author": "清河日报",
             "link": "https://qinghe.example.cn/drop/%d" % n,
             "published": "2024-05-01T0%d:00:00+08:00" % n} for n in range(1, 4)]
    with open(os.path.join(d, "good.jsonl"), "w", encoding="utf-8") as f:
        f.write(jsonl(good))
    r = k.once(jingyu)
    c.check("drop-run1-exit0", r.rc == 0, r.why())
    got = items(k.db, "drop")
    c.eq("drop-imported", sorted(i["guid"] for i in got), ["drop-1", "drop-2", "drop-3"])
    c.check("drop-moved-to-done", os.path.exists(os.path.join(d, "done", "good.jsonl")) and
            not os.path.exists(os.path.join(d, "good.jsonl")), "folder: %r" % _tree(d))
    if got:
        c.check("drop-fields", any(i["title"] == "投递条目1：柳林镇夜市开张" and
                                   i["author"] == "清河日报" and
                                   i["link"] == "https://qinghe.example.cn/drop/1" and
                                   i["published_at"] == 1714496400 for i in got),
                repr(got[0]))

    bad = jsonl([{"guid": "bad-1", "title": "正常的一行"}]) + '{"guid": "bad-2", "title": 坏\n' + \
        jsonl([{"guid": "bad-3", "title": "又一行正常的"}])
    with open(os.path.join(d, "bad.jsonl"), "w", encoding="utf-8") as f:
        f.write(bad)
    time.sleep(1.1)
    r = k.once(jingyu)
    c.check("drop-run2-exit0", r.rc == 0, r.why())
    failed = os.path.join(d, "failed")
    c.check("drop-bad-moved-to-failed", os.path.exists(os.path.join(failed, "bad.jsonl")) and
            not os.path.exists(os.path.join(d, "bad.jsonl")), "folder: %r" % _tree(d))
    reasons = [os.path.join(failed, n) for n in ("bad.jsonl.reason", "bad.reason")
               if os.path.exists(os.path.join(failed, n))]
    if c.check("drop-reason-file", reasons, "no failed/bad.jsonl.reason; folder: %r" % _tree(d)):
        text = open(reasons[0], encoding="utf-8", errors="replace").read()
        c.check("drop-reason-names-line", re.search(r"(?<!\d)2(?!\d)", text),
                "reason does not name line 2: %r" % text)

    shutil.copy(os.path.join(d, "done", "good.jsonl"), os.path.join(d, "good.jsonl"))
    time.sleep(1.1)
    r = k.once(jingyu)
    c.check("drop-run3-exit0", r.rc == 0, r.why())
    dups = query(k.db, "SELECT guid, COUNT(*) AS n FROM items GROUP BY source_id, guid "
                       "HAVING n > 1")
    c.check("drop-reimport-no-duplicates", not dups, repr(dups))
    c.eq("drop-reimport-count", len([i for i in items(k.db, "drop")
                                     if i["guid"].startswith("drop-")]), 3)
    c.check("drop-reimport-moved", not os.path.exists(os.path.join(d, "good.jsonl")),
            "folder: %r" % _tree(d))
    s = source(k.db, "drop")
    c.check("drop-source-health", s is not None and s["type"] == "file-drop",
            repr(s))


def _tree(d):
    out = []
    for root, _, files in os.walk(d):
        out += [os.path.relpath(os.path.join(root, f), d) for f in files]
    return sorted(out)


def case_inspect(c, jingyu, srv, top):
    r = run(jingyu, ["inspect", srv.url("/ok.xml?case=inspect")], timeout=30)
    c.check("inspect-url-exit0", r.rc == 0, r.why())
    objs = []
    for line in r.out.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if isinstance(o, dict) and "title" in o:
            objs.append(o)
    c.eq("inspect-url-items", {o["title"] for o in objs}, OK_TITLES)
    r = run(jingyu, ["inspect", os.path.join(FIXTURES, "escape.xml")], timeout=30)
    c.check("inspect-file-exit0", r.rc == 0, r.why())
    c.check("inspect-no-esc", "\x1b" not in r.out and "\x07" not in r.out,
            "ESC or BEL in inspect output")
    r = run(jingyu, ["inspect", os.path.join(FIXTURES, "gbk.xml")], timeout=30)
    c.check("inspect-gbk", all(t in r.out for t in GBK_TITLES), r.why())
    # a relative link resolves against the address the feed came from
    srv.set_body("/dir/relative.xml", b'<rss version="2.0"><channel><title>c</title><item>'
                 b'<title>rel</title><link>page.html</link></item></channel></rss>')
    r = run(jingyu, ["inspect", srv.url("/dir/relative.xml")], timeout=30)
    links = [json.loads(line).get("link") for line in r.out.splitlines() if line.startswith("{")]
    c.eq("inspect-relative-link", links, [srv.url("/dir/page.html")])


def main():
    jingyu = binary_from_argv()
    c = Checks()
    srv = FixtureServer()
    srv.start()
    top = tempfile.mkdtemp(prefix="jingyu-integ-")
    keep = bool(os.environ.get("JINGYU_KEEP_TMP"))
    cases = [case_conditional, case_etag_rotate, case_retry_after, case_faults, case_big,
             case_malformed, case_hostile_and_losses, case_file_drop, case_inspect]
    only = os.environ.get("JINGYU_ONLY")
    try:
        for case in cases:
            if only and only not in case.__name__:
                continue
            try:
                case(c, jingyu, srv, top)
            except Exception as e:  # a crash in one case must not hide the others
                c.check(case.__name__.replace("case_", "") + "-completed", False,
                        "%s: %s" % (type(e).__name__, e))
    finally:
        srv.stop()
        if keep:
            print("kept %s" % top)
        else:
            shutil.rmtree(top, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
