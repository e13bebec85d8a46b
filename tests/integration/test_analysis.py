#!/usr/bin/env python3
"""Integration test of the analysis: the real jingyu binary, its database.

Usage: test_analysis.py PATH/TO/jingyu

- `jingyu analyze`: one JSON line per item in input order, normalisation,
  schemes, near-duplicates, events, risk with its explanation; no database.
- `jingyu analyze` on two threads writes what it writes on one, byte for
  byte, with and without a trained model.
- `jingyu analyze --db FILE --store`: items stored with their analysis,
  event and alert, once; without --store nothing is stored.
- `jingyu scheme test`: an error points at its column; matches are listed.
- `jingyu train`: a model learnt from labelled lines is stored and used by
  `analyze --db`.
- The collector analyses every fetched batch before it commits: a reader
  polling the database while files are dropped never sees an item without
  its analysis. Events, duplicates and alerts are stored; a second run joins
  the same event (memory restored) and does not alert twice.
- Fetched over HTTP, items are parsed and their text analysed ahead on the
  collector's second thread: what is stored is what `jingyu analyze` says
  of the same items, with the trained model, on a first and a later fetch.
- Items stored before analysis existed are analysed in the background.
- A source that goes dark raises one 信源失联 alert.
- Restarts file the first copies by what first_copies keeps: the
  near-duplicates and events of items collected across restarts are those
  of one uninterrupted collector and of the full restore, also for a file
  upgraded from schema 12 (its first restore backfills the rows).
Output: `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`."""
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, binary_from_argv, query, register_me, run, write_config  # noqa: E402
from httpd import FixtureServer  # noqa: E402
from xml.sax.saxutils import escape  # noqa: E402

ANALYSIS = """analysis:
  simhash_threshold: 3
  schemes:
    - name: 执法争议
      region: [清河]
      subject: [民警, 警察, 辅警]
      event: [暴力执法, 打人]
      exclude: [演习]
    - name: 警情谣言
      expr: '(警察 OR 公安 OR 民警) AND ("网传" OR 谣言) AND NOT 辟谣'
  risk:
    levels: {I: 70, II: 50, III: 30, IV: 10}
"""

POST = "清河县城关派出所民警暴力执法打人，视频曝光后引发网友愤怒 #清河民警打人#"


def run_input(jingyu, args, text, env=None, timeout=120):
    p = subprocess.run([jingyu] + args, input=text.encode("utf-8"), capture_output=True,
                       timeout=timeout, env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def jl(rows):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def case_analyze_cli(c, jingyu, top):
    d = os.path.join(top, "cli")
    os.makedirs(d)
    db = os.path.join(d, "never.db")
    cfg = write_config(os.path.join(d, "c.yaml"), db, [], extra=ANALYSIS)
    rows = [
        {"id": "a1", "text": POST, "published": "2026-11-25T01:00:00Z", "source": "微博",
         "media_level": "self-media"},
        # the same post reposted, with other punctuation, a link and a repost chain
        {"id": "a2", "text": POST.replace("，", "！！ ") + " http://t.cn/A6vXyz//@路人甲:太过分了",
         "published": "2026-11-25T01:05:00Z",
         "source": "抖音", "media_level": "self-media"},
        {"id": 3, "text": "今天天气很好，带孩子去公园散步，晚上吃火锅。"},
        # traditional characters: normalised to simplified before matching
        {"id": "a4", "text": "清河縣民警暴力執法打人事件後續：當事民警已停職，ＣＣＴＶ報道 #清河民警打人#",
         "published": "2026-11-25T02:00:00Z", "source": "清河日报", "media_level": "local"},
        {"text": "网传清河县公安抓错人，纯属谣言吗？"},
    ]
    text = jl(rows[:3]) + "this is not json\n" + jl(rows[3:])
    # a line longer than 4 MiB is read past, not kept
    text += '{"id": "huge", "text": "' + "a" * (5 << 20) + '"}\n'
    rc, out, err = run_input(jingyu, ["--config", cfg, "analyze"], text)
    c.eq("analyze-exit0", rc, 0)
    lines = [ln for ln in out.splitlines() if ln.strip()]
    c.eq("analyze-one-line-per-item", len(lines), 5)
    c.check("analyze-bad-line-reported", "line 4" in err, err)
    c.check("analyze-long-line-reported", "line 7: longer than 4 MiB" in err, err)
    try:
        res = [json.loads(ln) for ln in lines]
    except ValueError as e:
        c.check("analyze-json", False, str(e))
        return
    c.eq("analyze-input-order", [r["id"] for r in res], ["a1", "a2", 3, "a4", 6])
    need = {"id", "normalized", "topics", "schemes", "terms", "simhash", "duplicate_of", "event",
            "sentiment", "sentiment_score", "risk_score", "level", "explanation"}
    c.check("analyze-fields", all(need <= set(r) for r in res),
            repr([sorted(need - set(r)) for r in res]))
    a1, a2, a3, a4, a5 = res
    c.check("analyze-simhash-hex", all(len(r["simhash"]) == 16 and
                                       all(ch in "0123456789abcdef" for ch in r["simhash"])
                                       for r in res), repr([r["simhash"] for r in res]))
    c.eq("analyze-schemes", a1["schemes"], ["执法争议"])
    c.eq("analyze-topics", a1["topics"], ["清河民警打人"])
    c.check("analyze-terms-offsets",
            any(t["term"] == "暴力执法" and
                a1["normalized"].encode()[t["start"]:t["end"]].decode() == "暴力执法"
                for t in a1["terms"]), repr(a1["terms"]))
    c.eq("analyze-duplicate", a2["duplicate_of"], "a1")
    c.check("analyze-fullwidth-folded", "cctv" in a4["normalized"], a4["normalized"])
    c.check("analyze-repost-split", "太过分" not in a2["normalized"], a2["normalized"])
    c.check("analyze-traditional", "暴力执法" in a4["normalized"] and "执法争议" in a4["schemes"],
            repr(a4))
    c.check("analyze-same-event", a1["event"] is not None and
            a1["event"] == a2["event"] == a4["event"], repr([r["event"] for r in res]))
    c.check("analyze-unmatched-no-event", a3["event"] is None and a3["schemes"] == [] and
            a3["level"] is None, repr(a3))
    c.eq("analyze-expr-scheme", a5["schemes"], ["警情谣言"])
    c.check("analyze-separate-event", a5["event"] not in (None, a1["event"]), repr(a5))
    c.eq("analyze-negative", a1["sentiment"], "negative")
    c.check("analyze-graded", a4["level"] in ("I", "II", "III", "IV"), repr(a4))
    pts = sum(x.get("points", 0) for x in a4["explanation"])
    c.check("analyze-explanation-sums", a4["explanation"] and abs(pts - a4["risk_score"]) < 0.2,
            "points %.2f vs score %r: %r" % (pts, a4["risk_score"], a4["explanation"]))
    c.check("analyze-no-database", not os.path.exists(db), "created %s" % db)

    # ids that are neither strings nor integers come out as jansson writes
    # them (input lines are read by jingyu's own reader, ids kept as before)
    raw = ('{"id": 1e2, "text": "甲"}\n{"id": ["\\u00e9", "\\/"], "text": "乙"}\n'
           '{"id": {"a": 1, "a": 2}, "text": "丙"}\n{"id": true, "text": "丁", "x": [[[[1]]]]}\n'
           '{"id": "\\u8b66\\ud83d\\ude00", "text": "戊"}\n')
    rc, out, err = run_input(jingyu, ["--config", cfg, "analyze"], raw)
    heads = [ln.split(',"normalized"')[0] for ln in out.splitlines() if ln.strip()]
    c.eq("analyze-other-ids", heads, ['{"id":100.0', '{"id":["é","/"]', '{"id":{"a":2}',
                                      '{"id":true', '{"id":"警\U0001F600"'])


def case_analyze_threads(c, jingyu, top):
    """The second thread that analyses the items' text ahead changes nothing:
    the output and the messages are byte for byte those of one thread, over
    many batches with repeats (the analyzers' memos), reposts, traditional
    characters, bad lines and items that match no scheme, with and without
    a trained model."""
    d = os.path.join(top, "threads")
    os.makedirs(d)
    db = os.path.join(d, "t.db")
    cfg = write_config(os.path.join(d, "c.yaml"), db, [], extra=ANALYSIS)
    rnd = random.Random(7)
    words = ["清河县", "民警", "暴力执法", "打人", "视频", "网友", "愤怒", "辟谣", "网传", "公安",
             "警察", "谣言", "天气", "公园", "火锅", "執法", "當事", "報道", "派出所", "感谢",
             "zorblax", "flimflam"]
    lines = []
    for k in range(1500):
        r = rnd.random()
        if r < 0.02:
            lines.append("not json %d\n" % k)
            continue
        if r < 0.3 and lines:
            text = POST if rnd.random() < 0.5 else rnd.choice(words) * 3  # repeats
        else:
            text = "".join(rnd.choice(words) for _ in range(rnd.randint(2, 40)))
        if rnd.random() < 0.2:
            text += "//@路人%d:%s" % (k % 7, "".join(rnd.choice(words) for _ in range(6)))
        row = {"id": k, "text": text, "published": 1700000000 + 60 * k, "source": "微博",
               "media_level": rnd.choice(["self-media", "local", "central"])}
        if rnd.random() < 0.1:
            row["title"] = rnd.choice(words) + rnd.choice(words)
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
    text = "".join(lines)
    base = ["--config", cfg, "analyze"]
    one = run_input(jingyu, base + ["--threads", "1"], text)
    two = run_input(jingyu, base, text)
    c.eq("threads-exit0", (one[0], two[0]), (0, 0))
    c.eq("threads-lines", len(two[1].splitlines()), sum(1 for ln in lines if ln[0] == "{"))
    c.check("threads-same-output", one[1] == two[1], "outputs differ")
    c.check("threads-same-messages", one[2] == two[2], "%r vs %r" % (one[2][:300], two[2][:300]))
    c.eq("threads-usage", run_input(jingyu, base + ["--threads", "3"], "")[0], 2)
    # with a trained model, which both threads' analyzers must use
    ex = os.path.join(d, "ex.jsonl")
    with open(ex, "w", encoding="utf-8") as f:
        f.write(jl(labelled_examples()))
    register_me(jingyu, cfg)  # replacing the model is an admin's
    rc, _, err = run_input(jingyu, ["--config", cfg, "train", ex, "--db", db], "")
    c.eq("threads-train", rc, 0)
    one = run_input(jingyu, base + ["--db", db, "--threads", "1"], text)
    two = run_input(jingyu, base + ["--db", db, "--threads", "2"], text)
    c.check("threads-model-same-output", one[0] == two[0] == 0 and one[1] == two[1],
            "exit %d/%d, outputs differ" % (one[0], two[0]))


def case_analyze_store(c, jingyu, top):
    """analyze --db FILE stores nothing; with --store each item is stored
    under 导入:SOURCE with its analysis, event and alert, once."""
    d = os.path.join(top, "store")
    os.makedirs(d)
    db = os.path.join(d, "s.db")
    cfg = write_config(os.path.join(d, "c.yaml"), db, [], extra=ANALYSIS)
    register_me(jingyu, cfg)  # importing is an admin's
    rows = [
        {"id": "s1", "text": POST, "source": "微博", "media_level": "self-media"},
        {"id": "s2", "text": POST.replace("，", "！！ ") + " http://t.cn/A6vXyz",
         "source": "抖音", "media_level": "self-media"},
        {"text": "今天天气很好，带孩子去公园散步。"},
    ]
    rc, out, err = run_input(jingyu, ["--config", cfg, "analyze", "--store"], jl(rows))
    c.eq("store-needs-db", rc, 2)
    rc, out, err = run_input(jingyu, ["--config", cfg, "analyze", "--db", db], jl(rows))
    c.check("store-not-without-flag", rc == 0 and query(db, "SELECT count(*) AS n FROM items")
            == [{"n": 0}], err)
    rc, out, err = run_input(jingyu, ["--config", cfg, "analyze", "--db", db, "--store"], jl(rows))
    c.eq("store-exit0", rc, 0)
    res = [json.loads(ln) for ln in out.splitlines() if ln.strip()]
    c.eq("store-output", [(r["id"], r["duplicate_of"]) for r in res],
         [("s1", None), ("s2", "s1"), (3, None)])
    items = query(db, "SELECT s.name AS src, s.config_enabled AS on_, i.guid, i.dup_of, "
                      "i.event_id, i.sentiment FROM items i JOIN sources s ON s.id = i.source_id "
                      "ORDER BY i.id")
    c.check("store-items", len(items) == 3 and items[0]["src"] == "导入:微博"
            and items[1]["src"] == "导入:抖音" and items[0]["guid"] == "s1"
            and items[1]["dup_of"] is not None and items[0]["event_id"] == res[0]["event"]
            and all(i["sentiment"] is not None and i["on_"] == 0 for i in items), repr(items))
    c.eq("store-analysis-rows", query(db, "SELECT count(*) AS n FROM analysis"), [{"n": 3}])
    ev = query(db, "SELECT id, items FROM events")
    c.check("store-event", len(ev) == 1 and ev[0]["id"] == res[0]["event"], repr(ev))
    al = query(db, "SELECT kind, event_id FROM alerts")
    c.check("store-alert", res[0]["level"] is None or
            (al and all(a["kind"] == "event" and a["event_id"] == ev[0]["id"] for a in al)),
            repr((res[0]["level"], al)))
    # a running collector holds the lease: --store refuses rather than
    # allocate event ids behind its back
    p = subprocess.Popen([jingyu, "--config", cfg, "collect"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 15
        while time.time() < deadline and not query(db, "SELECT pid FROM lease"):
            time.sleep(0.1)
        rc, out, err = run_input(jingyu, ["--config", cfg, "analyze", "--db", db, "--store"],
                                 jl([{"id": "s9", "text": POST}]))
        c.check("store-refused-while-collecting", rc == 1 and "collector is running" in err
                and query(db, "SELECT count(*) AS n FROM items") == [{"n": 3}], err)
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=20)
    rc, out, err = run_input(jingyu, ["--config", cfg, "analyze", "--db", db, "--store"],
                             jl(rows[:2]))
    c.check("store-twice-skips", rc == 0 and out.strip() == "" and "already stored" in err
            and query(db, "SELECT count(*) AS n FROM items") == [{"n": 3}], err)


def case_scheme_test(c, jingyu, top):
    d = os.path.join(top, "scheme")
    os.makedirs(d)
    cfg = write_config(os.path.join(d, "c.yaml"), os.path.join(d, "x.db"), [], extra=ANALYSIS)
    rc, out, err = run_input(jingyu, ["--config", cfg, "scheme", "test", "(民警 AND 打人"], "")
    c.eq("scheme-bad-exit2", rc, 2)
    c.check("scheme-bad-column", "column" in err and "^" in err, err)
    items = [{"id": 1, "text": "民警暴力执法打人"}, {"id": 2, "text": "民警辟谣：没有打人"},
             {"id": 3, "text": "公园散步"}]
    rc, out, err = run_input(jingyu, ["--config", cfg, "scheme", "test",
                                      '民警 AND "打人" AND NOT 辟谣'], jl(items))
    c.eq("scheme-exit0", rc, 0)
    ids = [json.loads(ln)["id"] for ln in out.splitlines() if ln.strip()]
    c.eq("scheme-matches", ids, [1])
    c.check("scheme-count", "1 of 3" in err, err)
    # titles are taken as the analyzer takes them (no Weibo repost rules)
    rc, out, err = run_input(jingyu, ["--config", cfg, "scheme", "test", "民警"],
                             jl([{"id": 7, "title": "网传 //@民警", "text": "无关"}]))
    c.check("scheme-title-like-analyzer", rc == 0 and "1 of 1" in err, err)
    # an expression written over several lines: a literal block keeps its
    # lines, so the error points into the file; a folded one cannot, so it
    # names the character of the expression
    for style, want in (("|", ":8:13: analysis.schemes[0].expr: OR has no right operand"),
                        (">", ":7: analysis.schemes[0].expr (character 12 of it): OR has no "
                              "right operand")):
        path = os.path.join(d, "block.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write("database: x.db\nsources: []\nanalysis:\n  schemes:\n    - name: 甲\n"
                    "      expr: %s\n        民警 AND\n        (谣言 OR)\n" % style)
        r = run(jingyu, ["--config", path, "check-config"])
        c.check("scheme-block-error-" + ("literal" if style == "|" else "folded"),
                r.rc == 2 and want in r.err, r.err)


def labelled_examples():
    """Made-up words no lexicon has: only a trained model can know them."""
    ex = []
    for k in range(40):
        ex.append({"text": "zorblax 第%d次 zorblax 真是 zorblax" % k, "label": "negative"})
        ex.append({"text": "flimflam 第%d次 flimflam 真是 flimflam" % k, "label": "positive"})
        ex.append({"text": "第%d次 通知 明天 开会 时间 地点" % k, "label": "neutral"})
    return ex


def case_train(c, jingyu, top):
    d = os.path.join(top, "train")
    os.makedirs(d)
    db = os.path.join(d, "t.db")
    cfg = write_config(os.path.join(d, "c.yaml"), db, [], extra=ANALYSIS)
    path = os.path.join(d, "labelled.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        f.write(jl(labelled_examples()) + "{\"text\": \"no label\"}\n")
    register_me(jingyu, cfg)  # replacing the model is an admin's
    r = run(jingyu, ["--config", cfg, "train", path, "--holdout", "4"])
    c.check("train-exit0", r.rc == 0, r.why())
    c.check("train-reports-f1", "macro-F1" in r.out, r.out)
    c.check("train-skipped-line", "skipped" in r.err, r.err)
    models = query(db, "SELECT name, length(data) AS n FROM models")
    c.check("train-model-stored", models and models[0]["name"] == "sentiment" and models[0]["n"] > 0,
            repr(models))
    probe = jl([{"id": 1, "text": "今天 zorblax zorblax"}])
    rc, out_lex, _ = run_input(jingyu, ["--config", cfg, "analyze"], probe)
    rc2, out_model, err2 = run_input(jingyu, ["--config", cfg, "analyze", "--db", db], probe)
    c.check("train-analyze-db-exit0", rc == 0 and rc2 == 0, err2)
    try:
        lex = json.loads(out_lex.splitlines()[0])["sentiment"]
        mod = json.loads(out_model.splitlines()[0])["sentiment"]
    except (ValueError, IndexError) as e:
        c.check("train-analyze-output", False, "%s: %r %r" % (e, out_lex, out_model))
        return
    c.eq("train-lexicon-neutral", lex, "neutral")
    c.eq("train-model-used", mod, "negative")


def rss(items):
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
             "<title>t</title><link>http://127.0.0.1/</link><description>d</description>"]
    for guid, title, text in items:
        parts.append("<item><title>%s</title><guid isPermaLink=\"false\">%s</guid>"
                     "<description>%s</description></item>" % (escape(title), guid, escape(text)))
    parts.append("</channel></rss>\n")
    return "".join(parts).encode("utf-8")


def case_collect_http(c, jingyu, top):
    """Feeds over HTTP go through the collector's lane (parsed, and each new
    item's text analysed ahead, on a second thread): what is stored must be
    what the analyzer says of each item by itself, with the trained model
    (the lane gets it too), for the first fetch and for the new items of a
    later one."""
    d = os.path.join(top, "http")
    os.makedirs(d)
    db = os.path.join(d, "h.db")
    srv = FixtureServer()
    srv.start()
    try:
        levels = ["central", "local", "self-media", "internal", "provincial", "local"]
        sources = [{"name": "网站%d" % k, "type": "feed", "url": srv.url("/f%d.xml" % k),
                    "interval": 1, "media_level": levels[k % len(levels)]} for k in range(6)]
        cfg = write_config(os.path.join(d, "c.yaml"), db, sources, extra=ANALYSIS, parallel=4)
        path = os.path.join(d, "labelled.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.write(jl(labelled_examples()))
        register_me(jingyu, cfg)
        r = run(jingyu, ["--config", cfg, "train", path])
        c.check("http-train-exit0", r.rc == 0, r.why())
        rng = random.Random(5)
        words = ["清河县", "民警", "辅警", "暴力执法", "打人", "网传", "谣言", "辟谣", "視頻", "警察",
                 "zorblax", "flimflam", "演习", "#清河民警打人#", "，", "公安", "夜市"]
        feeds = {k: [] for k in range(6)}

        def add(k, n):
            for _ in range(n):
                j = len(feeds[k])
                text = "".join(rng.choice(words) for _ in range(rng.randint(3, 14)))
                if j % 7 == 3 and feeds[k]:  # a repost of an earlier text, word for word
                    text = feeds[k][rng.randrange(len(feeds[k]))][2]
                feeds[k].append(("s%d-%d" % (k, j), text[:8] if j % 3 else "", text))
            srv.set_body("/f%d.xml" % k, rss(feeds[k][::-1]), "application/rss+xml")

        def compare(tag):
            rows = query(db, "SELECT i.id, i.title, i.content, i.sentiment, s.media_level, "
                         "a.normalized, a.topics, a.schemes, a.terms, a.simhash, "
                         "a.sentiment_score FROM items i JOIN sources s ON s.id = i.source_id "
                         "JOIN analysis a ON a.item_id = i.id ORDER BY i.id")
            probe = jl([{"id": x["id"], "title": x["title"], "text": x["content"],
                         "media_level": x["media_level"]} for x in rows])
            rc, out, err = run_input(jingyu, ["--config", cfg, "analyze", "--db", db], probe)
            c.check("http-%s-analyze-exit0" % tag, rc == 0, err)
            want = [json.loads(line) for line in out.splitlines()]
            c.eq("http-%s-count" % tag, len(want), len(rows))
            bad = []
            names = [None] * 64
            for x, w in zip(rows, want):
                schemes = json.loads(x["schemes"])
                terms = json.loads(x["terms"])
                got = (x["normalized"], json.loads(x["topics"]), schemes,
                       [(t[0], t[2], t[3], bool(t[4])) for t in terms],
                       "%016x" % (x["simhash"] & 0xffffffffffffffff),
                       {-1: "negative", 0: "neutral", 1: "positive"}[x["sentiment"]])
                exp = (w["normalized"], w["topics"], w["schemes"],
                       [(t["term"], t["start"], t["end"], t["in"] == "title") for t in w["terms"]],
                       w["simhash"], w["sentiment"])
                # analyze writes six decimals
                if got != exp or abs(x["sentiment_score"] - w["sentiment_score"]) > 1e-6:
                    bad.append((x["id"], got, exp))
            c.check("http-%s-same-as-analyze" % tag, not bad and rows, repr(bad[:2]))
            return rows

        for k in range(6):
            add(k, 30)
        r = run(jingyu, ["--config", cfg, "collect", "--once"])
        c.check("http-first-exit0", r.rc == 0, r.why())
        rows = compare("first")
        c.eq("http-first-stored", len(rows), 180)
        neg = [x for x in rows if "zorblax" in x["content"] and "flimflam" not in x["content"]]
        c.check("http-model-used", neg and all(x["sentiment"] == -1 for x in neg),
                repr([(x["content"], x["sentiment"]) for x in neg[:3]]))
        # a later fetch: the feeds repeat what they showed and add new items;
        # one shows a new item twice (stored and analysed once)
        for k in range(6):
            add(k, 12)
        twice = feeds[0][-1][0]
        feeds[0].append(feeds[0][-1])
        srv.set_body("/f0.xml", rss(feeds[0][::-1]), "application/rss+xml")
        time.sleep(1.1)
        r = run(jingyu, ["--config", cfg, "collect", "--once"])
        c.check("http-second-exit0", r.rc == 0, r.why())
        c.eq("http-second-stored", len(compare("second")), 252)
        kept = query(db, "SELECT i.content, a.item_id FROM items i LEFT JOIN analysis a "
                     "ON a.item_id = i.id WHERE i.guid = ?", (twice,))
        c.check("http-item-twice-once", len(kept) == 1 and kept[0]["item_id"] and
                kept[0]["content"] == feeds[0][-1][2], repr(kept))
        links = query(db, "SELECT (SELECT count(*) FROM items WHERE dup_of IS NOT NULL) AS d, "
                      "(SELECT coalesce(sum(n), 0) FROM item_dups) AS s, "
                      "(SELECT count(*) FROM items WHERE dups != 0) AS wide")[0]
        c.check("http-duplicates-counted", links["d"] > 0 and links["d"] == links["s"],
                repr(links))
        # counted in the narrow item_dups (migration 15): storing a
        # duplicate does not rewrite its first copy's wide row
        c.eq("http-duplicates-not-on-item-row", links["wide"], 0)
        # The newest item deleted by hand with foreign keys off (the sqlite3
        # shell's default) leaves its analysis row behind, under the id the
        # next new item gets: the next fetch still stores what is new (the
        # deleted item, which its feed still shows, and one more), each with
        # its own analysis.
        con = sqlite3.connect(db)
        gone, gone_text = con.execute(
            "SELECT id, content FROM items ORDER BY id DESC LIMIT 1").fetchone()
        con.execute("DELETE FROM items WHERE id = ?", (gone,))
        con.commit()
        con.close()
        add(1, 1)
        time.sleep(1.1)
        r = run(jingyu, ["--config", cfg, "collect", "--once"])
        errs = [ln for ln in r.err.splitlines() if "warning:" not in ln]  # file modes
        c.check("http-orphan-exit0", r.rc == 0 and not any("analysis" in ln for ln in errs),
                r.why())
        rows = compare("orphan")
        texts = [x["content"] for x in rows if x["id"] >= gone]
        c.check("http-orphan-stored", len(rows) == 253 and sorted(texts) ==
                sorted([gone_text, feeds[1][-1][2]]), repr(texts))
    finally:
        srv.stop()


def drop_items(n0, n, text):
    return [{"guid": "g%d" % k, "title": "", "content": text % k,
             "published": "2026-11-25T0%d:%02d:00+08:00" % (1 + k // 60 % 8, k % 60)}
            for k in range(n0, n0 + n)]


def case_pipeline(c, jingyu, top):
    d = os.path.join(top, "pipe")
    inbox = os.path.join(d, "in")
    os.makedirs(inbox)
    db = os.path.join(d, "p.db")
    cfg = write_config(os.path.join(d, "c.yaml"), db,
                       [{"name": "投递", "type": "file-drop", "path": "in", "interval": 1,
                         "media_level": "local"}], extra=ANALYSIS)
    p = subprocess.Popen([jingyu, "--config", cfg, "collect"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    unanalysed, polls, seen = 0, 0, 0
    try:
        texts = ["清河县民警暴力执法打人 第%d条 网友称视频里的辅警动手了", "柳林镇夜市第%d次开张，人山人海",
                 "城关派出所民警打人事件 第%d条：当事人讲述经过，现场视频流传"]
        k = 0
        deadline = time.time() + 60
        for batch in range(12):
            rows = drop_items(k, 150, texts[batch % 3])
            k += 150
            tmp = os.path.join(d, "f%d.tmp" % batch)
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(jl(rows))
            os.rename(tmp, os.path.join(inbox, "f%d.jsonl" % batch))
            t_end = time.time() + 0.4
            while time.time() < t_end:
                if os.path.exists(db):
                    try:
                        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
                        # one statement, one snapshot (two would race the collector)
                        n_items, n_null, n_an = con.execute(
                            "SELECT count(*), count(*) - count(sentiment), "
                            "(SELECT count(*) FROM analysis) FROM items").fetchone()
                        con.close()
                        polls += 1
                        seen = max(seen, n_items)
                        if n_null or n_an != n_items:
                            unanalysed += 1
                    except sqlite3.Error:
                        pass
                time.sleep(0.01)
        while time.time() < deadline:
            got = query(db, "SELECT count(*) AS n FROM items")
            if got and got[0]["n"] >= k:
                break
            time.sleep(0.2)
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            _, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
    c.eq("pipeline-collect-exit0", p.returncode, 0)
    n = query(db, "SELECT count(*) AS n FROM items")[0]["n"]
    c.eq("pipeline-all-stored", n, k)
    c.check("pipeline-polled", polls > 20 and seen > 0, "polls %d, seen %d" % (polls, seen))
    c.eq("pipeline-never-unanalysed", unanalysed, 0)
    ev = query(db, "SELECT id, items, level, title, explanation FROM events ORDER BY items DESC")
    c.check("pipeline-events", ev and ev[0]["items"] >= 100, repr(ev[:3]))
    c.check("pipeline-event-explained", ev and json.loads(ev[0]["explanation"] or "[]"),
            repr(ev[:1]))
    matched = query(db, "SELECT count(*) AS n FROM items WHERE event_id IS NOT NULL")[0]["n"]
    c.check("pipeline-unmatched-no-event", 0 < matched <= k - 600, "matched %d of %d" % (matched, k))
    dups = query(db, "SELECT count(*) AS n FROM items WHERE dup_of IS NOT NULL")[0]["n"]
    bumped = query(db, "SELECT coalesce(sum(n), 0) AS n FROM item_dups")[0]["n"]
    c.check("pipeline-duplicates-linked", dups > 0 and dups == bumped,
            "dup_of %d, sum(dups) %d" % (dups, bumped))
    al = query(db, "SELECT * FROM alerts WHERE kind = 'event'")
    c.check("pipeline-alert-raised", al and all(a["latency"] is not None and a["latency"] >= 0
                                                for a in al), repr(al[:3]))
    keys = [a["dedup_key"] for a in al]
    c.eq("pipeline-alert-once-per-level", len(keys), len(set(keys)))
    c.check("pipeline-alert-waiting", al and all(a["acked_at"] is None for a in al), repr(al[:2]))

    # A second run: memory is restored from the database, so a new item of
    # the same story joins the same event, and no alert repeats.
    before = {e["id"]: e["items"] for e in query(db, "SELECT id, items FROM events")}
    n_alerts = len(query(db, "SELECT id FROM alerts"))
    big = max(before, key=before.get) if before else None
    with open(os.path.join(inbox, "late.jsonl"), "w", encoding="utf-8") as f:
        f.write(jl(drop_items(10000, 1, texts[0])))
    r = run(jingyu, ["--config", cfg, "collect", "--once"])
    c.check("pipeline-rerun-exit0", r.rc == 0, r.why())
    late = query(db, "SELECT event_id FROM items WHERE guid = 'g10000'")
    c.check("pipeline-restored-event", late and late[0]["event_id"] in before,
            "late item in event %r; events before %r" % (late, before))
    c.check("pipeline-restored-grows", big is None or
            query(db, "SELECT items FROM events WHERE id = ?", (late[0]["event_id"],))[0]["items"]
            == before.get(late[0]["event_id"], -1) + 1, repr(late))
    c.check("pipeline-no-repeat-alert", len(query(db, "SELECT id FROM alerts")) >= n_alerts and
            len(query(db, "SELECT dedup_key FROM alerts")) ==
            len({a["dedup_key"] for a in query(db, "SELECT dedup_key FROM alerts")}), "")

    # Items stored before analysis existed (as after the migration of an old
    # file): forget every analysis, event and alert and let a running
    # collector catch up in the background. Old stories are graded but raise
    # no alert: nobody is late for what happened before analysis existed.
    con = sqlite3.connect(db)
    con.execute("UPDATE items SET sentiment = NULL, dup_of = NULL, event_id = NULL")
    con.execute("DELETE FROM item_dups")
    con.execute("DELETE FROM analysis")
    con.execute("DELETE FROM alerts")
    con.execute("DELETE FROM events")
    con.execute("UPDATE analysis_state SET backlog_next = 1, "
                "backlog_upto = (SELECT max(id) FROM items)")
    con.commit()
    con.close()
    p = subprocess.Popen([jingyu, "--config", cfg, "collect"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    left = 300
    while time.time() < deadline:
        left = query(db, "SELECT count(*) AS n FROM items WHERE sentiment IS NULL")[0]["n"]
        if left == 0:
            break
        time.sleep(0.2)
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=20)
    c.eq("pipeline-backlog-analysed", left, 0)
    graded = query(db, "SELECT count(*) AS n FROM events WHERE level > 0")[0]["n"]
    c.check("pipeline-backlog-graded-no-alert",
            graded > 0 and query(db, "SELECT count(*) AS n FROM alerts WHERE kind = 'event'")
            == [{"n": 0}], "graded %d, alerts %r" % (graded, query(db, "SELECT * FROM alerts")))
    c.eq("pipeline-backlog-rows", query(db, "SELECT count(*) AS n FROM analysis")[0]["n"],
         query(db, "SELECT count(*) AS n FROM items")[0]["n"])


def case_missing_data(c, jingyu, top):
    """A broken installation (no lexicon) stops the collector at once with a
    message naming the file, not at its first new item with every fetch
    failing."""
    d = os.path.join(top, "nodata")
    os.makedirs(os.path.join(d, "in"))
    os.makedirs(os.path.join(d, "empty"))
    db = os.path.join(d, "n.db")
    cfg = write_config(os.path.join(d, "c.yaml"), db,
                       [{"name": "投递", "type": "file-drop", "path": "in", "interval": 60}],
                       extra=ANALYSIS)
    env = dict(os.environ, JINGYU_DATADIR=os.path.join(d, "empty"))
    r = run(jingyu, ["--config", cfg, "collect", "--once"], env=env)
    c.check("missing-lexicon-refused", r.rc != 0 and "lexicon/negative.txt" in r.err, r.why())
    # a lexicon line with a bad weight is refused at once with its line, not
    # when the first item is analysed (the check reads the files, it does not
    # only look for them)
    bad = os.path.join(d, "bad")
    shutil.copytree(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data"),
                    bad)
    with open(os.path.join(bad, "lexicon", "negative.txt"), "a", encoding="utf-8") as f:
        f.write("打砸\t很重\n")
    n_lines = sum(1 for _ in open(os.path.join(bad, "lexicon", "negative.txt"), encoding="utf-8"))
    env = dict(os.environ, JINGYU_DATADIR=bad)
    r = run(jingyu, ["--config", cfg, "collect", "--once"], env=env)
    c.check("bad-lexicon-refused", r.rc != 0 and "negative.txt:%d" % n_lines in r.err and
            "not a weight" in r.err, r.why())


def case_dark(c, jingyu, top):
    d = os.path.join(top, "dark")
    os.makedirs(os.path.join(d, "in"))
    db = os.path.join(d, "d.db")
    cfg = write_config(os.path.join(d, "c.yaml"), db,
                       [{"name": "静默信源", "type": "file-drop", "path": "in", "interval": 60}],
                       extra=ANALYSIS, dark_after=2)
    t0 = 1764000000
    env = dict(os.environ, JINGYU_FAKE_NOW=str(t0))
    r = run(jingyu, ["--config", cfg, "collect", "--once"], env=env)
    c.check("dark-first-exit0", r.rc == 0, r.why())
    c.eq("dark-not-yet", query(db, "SELECT count(*) AS n FROM alerts")[0]["n"], 0)
    for k in range(2):
        env = dict(os.environ, JINGYU_FAKE_NOW=str(t0 + 7200 + k * 120))
        r = run(jingyu, ["--config", cfg, "collect", "--once"], env=env)
        c.check("dark-run%d-exit0" % k, r.rc == 0, r.why())
    al = query(db, "SELECT * FROM alerts WHERE kind = 'source'")
    c.check("dark-alert-once", len(al) == 1 and "信源失联" in al[0]["title"] and
            "静默信源" in al[0]["title"], repr(al))


# Stories for the restart case: each a text long enough to be sketched, its
# near-duplicates (a prefix, a tail, a character changed) arriving a batch
# later, after a restart.
RESTART_STORIES = [
    "清河县城关派出所民警暴力执法打人，视频曝光后引发网友愤怒，当事人称被无故殴打第%d回",
    "柳林镇夜市今晚第%d次开张，摊主们早早出摊，烧烤、凉皮、冰粉一应俱全，游客络绎不绝",
    "网传清河县公安局辅警在高速路口收钱放行第%d辆货车，记者连夜赶赴现场核实情况",
    "县教育局发布通知：第%d批中小学教师暑期培训将于下周一开始，地点在县第一中学礼堂",
    "城关镇居民反映小区门口道路积水严重已有第%d天，雨天出行困难，希望有关部门尽快处理",
]


def restart_batches():
    """Six batches: new stories, and copies of the batch before's."""
    batches, k = [], 0
    for b in range(6):
        rows = []
        for i, story in enumerate(RESTART_STORIES):
            text = story % (b * 10 + i)
            rows.append(text)
            if b > 0:
                prev = story % ((b - 1) * 10 + i)
                rows.append("转发：" + prev)
                rows.append(prev + "，大家怎么看？")
                rows.append(prev.replace("，", "。", 1))
        batch = []
        for text in rows:
            batch.append({"guid": "r%d" % k, "title": "", "content": text,
                          "published": "2026-11-25T%02d:%02d:00+08:00" % (8 + b, k % 60)})
            k += 1
        batches.append(batch)
    return batches


def restart_outcome(db):
    """Per guid: the guid of its first copy and a name for its event (the
    smallest guid number in it), so that runs that gave different ids
    compare."""
    rows = query(db, "SELECT i.guid, f.guid AS first, i.event_id FROM items i "
                     "LEFT JOIN items f ON f.id = i.dup_of ORDER BY i.id")
    members = {}
    for r in rows:
        if r["event_id"] is not None:
            members.setdefault(r["event_id"], []).append(int(r["guid"][1:]))
    return [(r["guid"], r["first"], None if r["event_id"] is None else min(members[r["event_id"]]))
            for r in rows]


def case_restart_lazy(c, jingyu, top):
    """A restart files the first copies by what first_copies keeps and
    sketches a copy's text only when a look-up meets it: the near-duplicates
    and events of items collected after restarts are those of one
    uninterrupted collector, and those of the old full restore (every text
    read and sketched again, forced by emptying first_copies)."""
    batches = restart_batches()
    runs = {}
    for mode in ("uninterrupted", "lazy", "full", "upgraded"):
        d = os.path.join(top, "restart-" + mode)
        inbox = os.path.join(d, "in")
        os.makedirs(inbox)
        db = os.path.join(d, "r.db")
        cfg = write_config(os.path.join(d, "c.yaml"), db,
                           [{"name": "投递", "type": "file-drop", "path": "in", "interval": 1,
                             "media_level": "local"}], extra=ANALYSIS)
        p = None
        if mode == "uninterrupted":
            p = subprocess.Popen([jingyu, "--config", cfg, "collect"], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            total = 0
            for b, batch in enumerate(batches):
                tmp = os.path.join(d, "b%d.tmp" % b)
                with open(tmp, "w", encoding="utf-8") as f:
                    f.write(jl(batch))
                os.rename(tmp, os.path.join(inbox, "b%d.jsonl" % b))
                total += len(batch)
                if p:
                    deadline = time.time() + 30
                    while time.time() < deadline:
                        try:
                            got = query(db, "SELECT count(*) AS n FROM items")
                        except sqlite3.Error:  # not made yet
                            got = None
                        if got and got[0]["n"] >= total:
                            break
                        time.sleep(0.1)
                    continue
                # full: every restart reads every text (as before migration
                # 13); upgraded: a file of schema 12 from the fourth run on,
                # whose first restore reads them and backfills their rows
                if (mode == "full" and b > 0) or (mode == "upgraded" and b == 3):
                    con = sqlite3.connect(db)
                    con.execute("DELETE FROM first_copies")
                    con.execute("UPDATE first_copies_state SET complete_from = 1000000000")
                    con.commit()
                    con.close()
                r = run(jingyu, ["--config", cfg, "collect", "--once"])
                c.check("restart-%s-run%d" % (mode, b), r.rc == 0, r.why())
        finally:
            if p:
                p.send_signal(signal.SIGTERM)
                try:
                    p.communicate(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.communicate()
        runs[mode] = restart_outcome(db)
        if mode in ("lazy", "upgraded"):
            # every first copy long enough to be filed (or with no text) has its row
            missing = query(db, "SELECT count(*) AS n FROM items i JOIN analysis a ON "
                                "a.item_id = i.id WHERE i.dup_of IS NULL AND "
                                "(length(CAST(a.normalized AS BLOB)) = 0 OR "
                                "length(CAST(a.normalized AS BLOB)) >= 12) AND NOT EXISTS "
                                "(SELECT 1 FROM first_copies f WHERE f.item_id = i.id)")
            rows = query(db, "SELECT count(*) AS n FROM first_copies")
            c.check("restart-first-copies-kept-" + mode, missing[0]["n"] == 0 and rows[0]["n"] > 0,
                    "%r without a row, %r rows" % (missing, rows))
    n = sum(len(b) for b in batches)
    u, lz, full, up = runs["uninterrupted"], runs["lazy"], runs["full"], runs["upgraded"]
    c.check("restart-all-stored", len(u) == len(lz) == len(full) == n,
            "%d %d %d of %d" % (len(u), len(lz), len(full), n))
    dups = sum(1 for r in lz if r[1])
    c.check("restart-copies-found", dups >= 3 * len(RESTART_STORIES) * (len(batches) - 1) * 2 // 3,
            "%d near-duplicates" % dups)
    # the stories the schemes match (the first and the third) each grew one
    # event across the restarts
    ev = {}
    for guid, _, e in lz:
        ev.setdefault(e, set()).add(guid)
    c.check("restart-events-across-batches",
            sum(1 for e, g in ev.items() if e is not None and len(g) >= 10) >= 2,
            repr({e: len(g) for e, g in ev.items()}))
    c.check("restart-lazy-equals-full", lz == full,
            repr([(a, b) for a, b in zip(lz, full) if a != b][:5]))
    c.check("restart-upgraded-equals-full", up == full,
            repr([(a, b) for a, b in zip(up, full) if a != b][:5]))
    c.check("restart-lazy-equals-uninterrupted", lz == u,
            repr([(a, b) for a, b in zip(lz, u) if a != b][:5]))


def main():
    jingyu = binary_from_argv()
    c = Checks()
    with tempfile.TemporaryDirectory(prefix="jy-analysis-") as top:
        for case in (case_analyze_cli, case_analyze_threads, case_analyze_store, case_scheme_test, case_train, case_collect_http,
                     case_pipeline, case_missing_data, case_dark, case_restart_lazy):
            try:
                case(c, jingyu, top)
            except Exception as e:  # a crash in one case must not hide the others
                c.check(case.__name__, False, "%s: %s" % (type(e).__name__, e))
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
