#!/usr/bin/env python3
"""Integration test of the collector's upkeep of the audit chain (issue 15,
point 12): the lease's holder seals the chain with audit.key and appends
its head to audit.anchor once a day at audit.anchor_at, on a fake clock
(JINGYU_FAKE_NOW, a test build's only).

Usage: test_seal.py PATH/TO/jingyu

- a collector started before 06:00 anchors at once (never anchored), one
  restarted past 06:00 gains exactly one line, with the head of its seal,
  which `audit verify` verifies; one restarted at 06:30 adds none;
- a second collector, without the lease, neither seals nor anchors; once
  the holder leaves it takes the lease and seals;
- an anchor file that cannot be written: `jingyu status` says FAILING and
  why, the collector says so, a console says so and its sources view
  warns, and the drop folder is still collected;
- with a seal beyond them, rows cut off the end (head rewritten) and rows
  cut then written again are both caught by `audit verify`.
Output: `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`."""
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, binary_from_argv, console_pty, query, write_config  # noqa: E402

TZ = "Asia/Shanghai"


def day_start(days_ahead):
    """Local (+08:00) midnight some days after today: the fake clock runs
    ahead of the real one, so that files dropped now are not from its
    future. "T+" is a fake clock that starts at T and runs."""
    now = int(time.time())
    return (now + 8 * 3600) // 86400 * 86400 - 8 * 3600 + days_ahead * 86400


BASE = day_start(2)
T_0600 = BASE + 6 * 3600 + 30
T_0630 = BASE + 6 * 3600 + 30 * 60
T_0640 = BASE + 6 * 3600 + 40 * 60
NEXT_0601 = BASE + 86400 + 6 * 3600 + 60


def config_text(db, secrets, anchor, extra_audit=""):
    audit = ""
    if anchor is not None:
        audit = ("audit:\n  key: audit_hmac\n  anchor: %s\n  anchor_at: \"06:00\"\n"
                 "  seal_every: 1h\n%s" % (anchor, extra_audit))
    return ("identity:\n  from_env: true\nnotify:\n  secrets: %s\n%s" % (secrets, audit))


class Env:
    def __init__(self, top, name):
        self.dir = os.path.join(top, name)
        os.makedirs(self.dir)
        self.db = os.path.join(self.dir, "data", "jy.db")
        self.drop = os.path.join(self.dir, "in")
        os.makedirs(self.drop)
        self.secrets = os.path.join(self.dir, "secrets")
        with open(self.secrets, "w") as f:
            f.write("audit_hmac: 5e1c7f0a-another long random key\n")
        os.chmod(self.secrets, 0o600)
        self.anchor = os.path.join(self.dir, "anchors")
        self.sources = [{"name": "drop", "type": "file-drop", "path": self.drop, "interval": 1}]

    def config(self, name, anchor="default", extra_audit=""):
        anchor = self.anchor if anchor == "default" else anchor
        return write_config(os.path.join(self.dir, name), self.db, self.sources,
                            extra=config_text(self.db, self.secrets, anchor, extra_audit))

    def env(self, now, user="admin"):
        e = dict(os.environ, JINGYU_USER=user, TZ=TZ, JINGYU_FAKE_NOW=str(now))
        return e

    def cli(self, config, now, *args, user="admin"):
        p = subprocess.run([JINGYU, "--config", config] + [str(a) for a in args],
                           capture_output=True, timeout=120, env=self.env(now, user))
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"))

    def start(self, config, now, tag):
        err = open(os.path.join(self.dir, tag + ".err"), "wb")
        p = subprocess.Popen([JINGYU, "--config", config, "collect"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=err, env=self.env(now))
        p.err_path, p.err_file = err.name, err
        return p

    def anchor_lines(self, path=None):
        path = path or self.anchor
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return f.read().splitlines()

    def seals(self):
        return query(self.db, "SELECT id, rows, hash, at FROM audit_seals ORDER BY id")

    def drop_file(self, name, guid):
        stage = os.path.join(self.dir, name + ".tmp")
        with open(stage, "w") as f:
            f.write('{"guid": "%s", "title": "柳林镇夜市开张 %s", "content": "测试",'
                    ' "link": "https://qinghe.example.cn/%s"}\n' % (guid, guid, guid))
        os.utime(stage, (time.time() - 5, time.time() - 5))
        os.rename(stage, os.path.join(self.drop, name))

    def items(self):
        return [r["guid"] for r in query(self.db, "SELECT guid FROM items ORDER BY id")]


def console(e, config, now, keys, ticks=12):
    """A console (--no-collect) on a pseudo-terminal: keys typed after a
    moment; it exits by itself after `ticks` refreshes. Returns its screen
    output, escapes and all."""
    env = dict(e.env(now), TERM="screen", LANG="C.UTF-8")
    _, out, _ = console_pty([JINGYU, "--config", config, "--no-collect", "--exit-after",
                             str(ticks)], env, keys)
    return out.decode("utf-8", "replace")


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        p.wait(20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    p.err_file.close()
    with open(p.err_path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def wait_for(cond, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.2)
    return bool(cond())


def holder(db):
    rows = query(db, "SELECT pid FROM lease WHERE name = 'collector'")
    return rows[0]["pid"] if rows else None


def parse_line(line):
    w = line.split()
    return dict(zip(w[1::2], w[2::2]))


def case_daily(c, top):
    e = Env(top, "daily")
    cfg = e.config("config.yaml")
    e.cli(cfg, BASE + 3600, "person", "add", "admin", "--name", "管理员", "--roles", "admin",
          user="root")
    e.cli(cfg, BASE + 3600, "incident", "new", "--title", "t1", "--category", "其他",
          "--level", "IV")
    # a running clock from 05:59:45: never anchored, so at once
    p = e.start(cfg, "%d+" % (T_0600 - 45), "a")
    c.check("first-anchor", wait_for(lambda: len(e.anchor_lines()) == 1), e.anchor_lines())
    c.check("first-seal", wait_for(lambda: len(e.seals()) == 1), e.seals())
    e.drop_file("a.jsonl", "drop-a")
    c.check("collects-meanwhile", wait_for(lambda: "drop-a" in e.items()), e.items())
    # new rows before 06:00, sealed with the day's anchor
    e.cli(cfg, T_0600 - 60, "incident", "new", "--title", "t2", "--category", "其他",
          "--level", "IV")
    # past 06:00: exactly one line more, with the new head
    c.check("daily-anchor", wait_for(lambda: len(e.anchor_lines()) == 2, 60), e.anchor_lines())
    time.sleep(6)  # a turn of the upkeep (every 5 s) more
    log = stop(p)
    lines = e.anchor_lines()
    c.eq("exactly-one-line-gained", len(lines), 2)
    seals = e.seals()
    head = query(e.db, "SELECT rows, hash FROM audit_head")[0]
    last = parse_line(lines[-1]) if lines else {}
    c.check("line-has-seal-head", seals and last.get("head") == seals[-1]["hash"] and
            int(last.get("rows", -1)) == seals[-1]["rows"], "%r %r" % (last, seals[-1:]))
    c.check("seal-covers-new-rows", seals and seals[-1]["rows"] == head["rows"],
            "%r %r" % (seals[-1:], head))
    c.check("sealed-at-anchor-time", seals and seals[-1]["at"] >= T_0600 - 30, seals[-1:])
    c.check("no-error-said", "audit chain upkeep" not in log, log)
    rc, out, err = e.cli(cfg, T_0600, "audit", "verify")
    c.check("verify-verifies-seal", rc == 0 and "audit chain ok" in out and
            ("%d seals ok" % len(seals)) in out, out + err)
    screen = console(e, cfg, T_0600 + 60, b"s")
    c.check("console-sources-no-warning", "锚定到文件" in screen and "警告" not in screen,
            screen[-2000:])
    rc, out, err = e.cli(cfg, T_0600 + 60, "status")
    c.check("status-shows-anchor", rc == 0 and "audit anchor file" in out and "[ok]" in out and
            "last success" in out and "FAILING" not in out, out + err)
    # later the same day: nothing more
    p = e.start(cfg, "%d+" % T_0630, "c")
    time.sleep(7)
    stop(p)
    c.eq("no-second-line-same-day", len(e.anchor_lines()), 2)
    return e, cfg


def case_no_lease(c, top):
    e = Env(top, "lease")
    keyed = e.config("config.yaml", extra_audit="")
    plain = e.config("plain.yaml", anchor=None)
    e.cli(keyed, BASE + 3600, "person", "add", "admin", "--name", "管理员", "--roles", "admin",
          user="root")
    # the holder is configured without a key or an anchor
    a = e.start(plain, "%d+" % T_0640, "holder")
    c.check("holder-has-lease", wait_for(lambda: holder(e.db) == a.pid), holder(e.db))
    e.cli(keyed, T_0640, "incident", "new", "--title", "t", "--category", "其他", "--level", "IV")
    b = e.start(keyed, "%d+" % T_0640, "standby")
    time.sleep(7)  # longer than a lease beat and an upkeep turn
    c.eq("standby-no-seal", len(e.seals()), 0)
    c.eq("standby-no-anchor", len(e.anchor_lines()), 0)
    c.eq("standby-no-lease", holder(e.db), a.pid)
    stop(a)  # the holder leaves: the standby takes over and seals
    c.check("takeover-lease", wait_for(lambda: holder(e.db) == b.pid), holder(e.db))
    c.check("takeover-seals", wait_for(lambda: len(e.seals()) == 1), e.seals())
    c.check("takeover-anchors", wait_for(lambda: len(e.anchor_lines()) == 1), e.anchor_lines())
    stop(b)


def case_failing_anchor(c, top):
    e = Env(top, "failing")
    # a file's path under a regular file: unwritable even for root
    bad = os.path.join(e.secrets, "anchors")
    cfg = e.config("config.yaml", anchor=bad)
    e.cli(cfg, BASE + 3600, "person", "add", "admin", "--name", "管理员", "--roles", "admin",
          user="root")
    p = e.start(cfg, "%d+" % NEXT_0601, "a")
    c.check("failing-noted", wait_for(lambda: query(
        e.db, "SELECT error FROM audit_upkeep WHERE kind = 'anchor:file' AND error IS NOT NULL")),
        query(e.db, "SELECT * FROM audit_upkeep"))
    e.drop_file("b.jsonl", "drop-b")
    c.check("failing-still-collects", wait_for(lambda: "drop-b" in e.items()), e.items())
    c.check("failing-still-seals", wait_for(lambda: len(e.seals()) == 1), e.seals())
    rc, out, err = e.cli(cfg, NEXT_0601, "status")
    c.check("status-says-failing", rc == 0 and "FAILING" in out and "Not a directory" in out,
            out + err)
    log = stop(p)
    c.check("collector-says-failing", "audit chain upkeep" in log and bad in log, log)
    screen = console(e, cfg, NEXT_0601 + 60, b"s")
    c.check("console-sources-warns", "锚定到文件" in screen and "警告" in screen and
            "Not a" in screen and "审计链：封存或锚定" in screen, screen[-2000:])
    c.check("collector-went-on", "lost" not in log, log)


def tamper(db, sql, params=()):
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER IF EXISTS audit_no_update")
    con.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    con.execute("DROP TRIGGER IF EXISTS audit_head_forward")
    con.execute(sql, params)
    con.commit()
    con.close()


def case_truncation(c, top, e, cfg):
    """The daily case's database: sealed up to its head."""
    seals = e.seals()
    rows = seals[-1]["rows"] if seals else 0
    c.check("trunc-has-rows", rows >= 3, seals)
    if rows < 3:
        return
    keep = rows - 2
    prev = query(e.db, "SELECT hash FROM audit WHERE id = ?", (keep,))[0]["hash"]
    tamper(e.db, "DELETE FROM audit WHERE id > ?", (keep,))
    tamper(e.db, "UPDATE audit_head SET rows = ?, hash = ?", (keep, prev))
    rc, out, err = e.cli(cfg, T_0630, "audit", "verify")
    c.check("trunc-cut-tail-caught", rc == 1 and "BROKEN" in out and "missing" in out, out + err)
    # written again from the cut: the plain chain is whole, the seal is not fooled
    for k in range(3):
        e.cli(cfg, T_0630, "incident", "new", "--title", "x%d" % k, "--category", "其他",
              "--level", "IV")
    rc, out, err = e.cli(cfg, T_0630, "audit", "verify")
    c.check("trunc-rewritten-caught", rc == 1 and "BROKEN" in out and "changed" in out,
            out + err)
    # the collector does not seal a broken chain, and says so where it is seen
    p = e.start(cfg, "%d+" % NEXT_0601, "broken")
    c.check("broken-noted", wait_for(lambda: query(
        e.db, "SELECT error FROM audit_upkeep WHERE kind = 'seal' AND error LIKE '%BROKEN%'")),
        query(e.db, "SELECT * FROM audit_upkeep"))
    stop(p)
    c.eq("broken-not-sealed", len(e.seals()), len(seals))
    rc, out, err = e.cli(cfg, NEXT_0601, "status")
    c.check("status-says-broken", "FAILING" in out and "BROKEN" in out, out + err)


def main():
    global JINGYU
    JINGYU = binary_from_argv()
    c = Checks()
    with tempfile.TemporaryDirectory(prefix="jy-seal-") as top:
        e, cfg = case_daily(c, top)
        case_no_lease(c, top)
        case_failing_anchor(c, top)
        case_truncation(c, top, e, cfg)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
