#!/usr/bin/env python3
"""Integration test of retention through the real jingyu binary, against
real SQLite files.

Usage: test_retention.py PATH/TO/jingyu

- `db archive --dry-run` counts and changes nothing; a viewer is refused
  (exit 3), an unknown option is a usage error (exit 2), and a hand run is
  refused while a collector holds the lease.
- the collector archives by itself (retention.months: 3): January's and
  February's items leave for archive/jingyu-2026-01.db and -02.db, with an
  audit row each; an alerted event and its items stay.
- `db archive` killed with SIGKILL at random moments, again and again, then
  run to its end: every item is in exactly one file.
- `search --archive MONTH` and `--archives` find archived items, the live
  search does not; `db stats` lists the archives; `db vacuum` gives pages
  back (an admin's; audited) and the audit chain verifies.
Output: `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`."""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, binary_from_argv, query, write_config  # noqa: E402

JAN, FEB, MAR, JUL = 1768406400, 1771084800, 1773504000, 1784044800  # the 15th, 00:00 UTC+8
NOW = JUL + 5 * 86400


def env_for(user, now):
    env = dict(os.environ)
    env.update({"JINGYU_USER": user, "TZ": "Asia/Shanghai", "JINGYU_FAKE_NOW": str(now)})
    return env


def j(jingyu, cfg, user, *args, now=NOW, stdin=None):
    p = subprocess.run([jingyu, "--config", cfg] + [str(a) for a in args], input=stdin,
                       capture_output=True, timeout=120, env=env_for(user, now))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


TEXTS = {"a": "%s派出所处置第%d起纠纷，编号%d，群众满意。", "b": "%s派出所处置第%d起纠纷，编号%d，群众满意。",
         "c": "据%s居民反映，第%d号路段夜间施工扰民，工单%d已转交城管。",
         "d": "%s交警提醒：第%d条道路因雨封闭，绕行编号%d。"}


def lines(tag, n, place):
    return "".join(json.dumps({"id": "%s%d" % (tag, i), "title": "%s通报%d号" % (place, i),
                               "text": TEXTS[tag] % (place, i, i * 7919),
                               "source": "微博"}, ensure_ascii=False) + "\n"
                   for i in range(n)).encode()


def all_ids(db, arch):
    """Item ids per file: {file: [ids]}."""
    out = {"live": [r["id"] for r in query(db, "SELECT id FROM items")]}
    if os.path.isdir(arch):
        for f in sorted(os.listdir(arch)):
            if f.endswith(".db"):
                # a run killed mid-commit leaves a hot journal, which a
                # read-only reader cannot roll back: settle it the way
                # jingyu's own archive reader does (a read by a writer)
                con = sqlite3.connect(os.path.join(arch, f))
                con.execute("SELECT count(*) FROM sqlite_master").fetchall()
                con.close()
                # a stopped move's rows are still live until a later run settles it
                out[f] = [r["id"] for r in query(os.path.join(arch, f), (
                    "SELECT id FROM items WHERE id NOT IN "
                    "(SELECT id FROM arc_pending WHERE kind = 'item')"))]
    return out


def once_each(ids, total):
    seen = [i for v in ids.values() for i in v]
    return len(seen) == len(set(seen)) and len(seen) == total


def main():
    jingyu = binary_from_argv()
    c = Checks()
    top = tempfile.mkdtemp(prefix="jy-retention-")
    db = os.path.join(top, "jy.db")
    arch = os.path.join(top, "archive")
    cfg = write_config(os.path.join(top, "c.yaml"), db, [],
                       extra="identity:\n  from_env: true\nretention:\n  months: 3\n")
    j(jingyu, cfg, "root", "person", "add", "admin", "--name", "管理员", "--roles", "admin")
    j(jingyu, cfg, "admin", "person", "add", "zhang", "--name", "张三", "--roles", "operator")
    for tag, n, place, now in [("a", 300, "城关镇", JAN), ("b", 300, "河西乡", FEB),
                               ("d", 50, "东港镇", JUL)]:
        rc, out, err = j(jingyu, cfg, "admin", "analyze", "--db", db, "--store",
                         stdin=lines(tag, n, place), now=now)
        c.check("store-%s" % tag, rc == 0, err[-300:])
    total = 650
    # an alerted event pins its items (as the KPIs need them)
    con = sqlite3.connect(db)
    con.execute("INSERT INTO events (id, title, first_seen, last_seen, first_collected, items, "
                "sources, negative, velocity, score, level, updated_at) VALUES "
                "(900, 'E', 0, 0, 0, 1, 1, 0, 0, 0, 3, 0)")
    con.execute("UPDATE items SET event_id = 900 WHERE id = 5")
    con.execute("INSERT INTO alerts (kind, dedup_key, event_id, level, title, raised_at) "
                "VALUES ('event', 'k', 900, 3, 'a', 0)")
    con.commit()
    con.close()

    rc, out, err = j(jingyu, cfg, "admin", "db", "archive", "--dry-run")
    c.check("dry-run", rc == 0 and "2026-01 299 items" in out and "2026-02 300 items" in out
            and not os.path.exists(arch), out + err)
    rc, out, err = j(jingyu, cfg, "zhang", "db", "archive")
    c.check("viewer-refused", rc == 3 and not os.path.exists(arch), "%s %s" % (rc, err))
    for args in (["db", "archive", "--bogus"], ["db", "stats", "x"], ["db", "vacuum", "--step"],
                 ["search", "x", "--bogus"], ["db"]):
        rc, out, err = j(jingyu, cfg, "admin", *args)
        c.check("usage-" + "-".join(args), rc == 2 and "usage" in err, "%s %s" % (rc, err))

    # the collector holds the lease: a hand run is refused; it archives itself
    p = subprocess.Popen([jingyu, "--config", cfg, "collect"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=env_for("admin", NOW))
    try:
        deadline = time.time() + 15
        while time.time() < deadline and not query(db, "SELECT pid FROM lease"):
            time.sleep(0.1)
        rc, out, err = j(jingyu, cfg, "admin", "db", "archive")
        c.check("refused-while-collecting", rc == 3 and "lease" in err, "%s %s" % (rc, err))
        deadline = time.time() + 60
        while time.time() < deadline and len(query(
                db, "SELECT id FROM audit WHERE action = 'db.archive'")) < 2:
            time.sleep(0.2)
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
    ids = all_ids(db, arch)
    c.check("collector-archived", sorted(ids) == ["jingyu-2026-01.db", "jingyu-2026-02.db", "live"]
            and len(ids["jingyu-2026-01.db"]) == 299 and len(ids["jingyu-2026-02.db"]) == 300
            and 5 in ids["live"] and once_each(ids, total), repr({k: len(v) for k, v in ids.items()}))
    # archives are no more open than the live file (0700 folder, 0600 files)
    modes = {f: os.stat(os.path.join(arch, f)).st_mode & 0o7777 for f in os.listdir(arch)}
    c.check("archive-modes", os.stat(arch).st_mode & 0o7777 == 0o700
            and all(m == 0o600 for f, m in modes.items() if f.endswith(".db")),
            "%o %r" % (os.stat(arch).st_mode & 0o7777, {f: "%o" % m for f, m in modes.items()}))
    audit = query(db, "SELECT actor, after FROM audit WHERE action = 'db.archive' ORDER BY id")
    c.check("collector-audited", len(audit) == 2 and audit[0]["actor"] == "jingyu"
            and json.loads(audit[0]["after"])["month"] == "2026-01", repr(audit))

    # March's items: the hand run, killed again and again
    rc, out, err = j(jingyu, cfg, "admin", "analyze", "--db", db, "--store",
                     stdin=lines("c", 2500, "北关街"), now=MAR)
    total += 2500
    rnd = random.Random(15)
    kills = 0
    for attempt in range(25):
        q = subprocess.Popen([jingyu, "--config", cfg, "db", "archive"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=env_for("admin", NOW))
        time.sleep(rnd.uniform(0.05, 0.6))
        if q.poll() is None:
            q.kill()
            kills += 1
        q.wait()
        if not once_each(all_ids(db, arch), total):
            break
        if q.returncode == 0:
            break
    ids = all_ids(db, arch)
    c.check("killed-never-lost-or-twice", once_each(ids, total),
            "after %d kills: %r" % (kills, {k: len(v) for k, v in ids.items()}))
    rc, out, err = j(jingyu, cfg, "admin", "db", "archive")
    ids = all_ids(db, arch)
    c.check("killed-then-finished", rc == 0 and once_each(ids, total)
            and len(ids.get("jingyu-2026-03.db", [])) == 2500
            and not query(os.path.join(arch, "jingyu-2026-03.db"), "SELECT * FROM arc_pending"),
            "kills %d rc %s %s %r" % (kills, rc, err, {k: len(v) for k, v in ids.items()}))
    print("# %d kills during the March run" % kills)

    rc, out, err = j(jingyu, cfg, "zhang", "search", "城关镇", "--archive", "2026-01", "--limit", "5")
    c.check("search-archive", rc == 0 and len(out.splitlines()) == 5
            and all("\t2026-01\t" in ln for ln in out.splitlines()), out + err)
    rc, out, err = j(jingyu, cfg, "zhang", "search", "北关街", "--archives", "--limit", "3000")
    c.check("search-archives", rc == 0 and len(out.splitlines()) == 2500, "%d %s" % (
        len(out.splitlines()), err))
    rc, out, err = j(jingyu, cfg, "zhang", "search", "城关镇")
    c.check("search-live", rc == 0 and len(out.splitlines()) == 1, out + err)
    rc, out, err = j(jingyu, cfg, "zhang", "db", "stats")
    c.check("stats", rc == 0 and "archive 2026-03" in out and "items by month" in out
            and "auto_vacuum: incremental" in out, out + err)
    rc, out, err = j(jingyu, cfg, "zhang", "db", "vacuum")
    c.check("vacuum-viewer-refused", rc == 3, "%s %s" % (rc, err))
    rc, out, err = j(jingyu, cfg, "admin", "db", "vacuum", "--step", "50")
    freed = query(db, "PRAGMA freelist_count")
    c.check("vacuum", rc == 0 and "pages given back" in out and "freed" in out, out + err)
    c.check("vacuum-audited", query(db, "SELECT count(*) n FROM audit WHERE action = 'db.vacuum'")
            == [{"n": 1}], repr(freed))
    rc, out, err = j(jingyu, cfg, "admin", "audit", "verify")
    c.check("audit-verifies", rc == 0, out + err)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
