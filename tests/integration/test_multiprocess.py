#!/usr/bin/env python3
"""Integration test of the collector lease across processes.

Usage: test_multiprocess.py PATH/TO/jingyu

One database, two sources: a file-drop folder and a loopback HTTP feed whose
item list grows. Two `jingyu collect` processes run against it: exactly one
holds the lease, the other says it waits. Files keep being dropped and the
feed keeps growing while the holder is killed with SIGKILL; the other must
take the lease within 20 s, and in the end every dropped and every published
item is stored exactly once. Both are stopped with SIGTERM and must exit 0.
First, the same with two consoles (in tmux) and one `jingyu collect`.
Output: `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (Checks, binary_from_argv, lease, query, register_me, run,  # noqa: E402
                    write_config)
from httpd import FixtureServer  # noqa: E402

FEED_PATH = "/grow.xml?case=mp"
COLLECT_LEASE_BEAT = 3  # src/collect/collect.h


class Proc:
    """A long-running `jingyu collect` with its output in files."""

    def __init__(self, jingyu, config, workdir, tag):
        self.out_path = os.path.join(workdir, tag + ".out")
        self.err_path = os.path.join(workdir, tag + ".err")
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        self.p = subprocess.Popen([jingyu, "--config", config, "collect"],
                                  stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.err)
        self.pid = self.p.pid
        self.tag = tag

    def alive(self):
        return self.p.poll() is None

    def log(self):
        self.out.flush()
        self.err.flush()
        with open(self.out_path, "rb") as f:
            text = f.read()
        with open(self.err_path, "rb") as f:
            text += f.read()
        return text.decode("utf-8", "replace")

    def tail(self, n=6):
        return " | ".join(self.log().strip().splitlines()[-n:]) or "(no output)"

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.alive():
            self.p.send_signal(sig)
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None


class Producer(threading.Thread):
    """Drops a .jsonl file (written elsewhere, then renamed in, so the
    collector never sees half a file) and adds an item to the feed each tick."""

    def __init__(self, srv, drop_dir, stage_dir, tick=0.25, per_file=4):
        super().__init__(daemon=True)
        self.srv, self.drop_dir, self.stage_dir = srv, drop_dir, stage_dir
        self.tick, self.per_file = tick, per_file
        self.dropped = []   # guids written to drop files
        self.published = []  # guids in the feed
        self.n_files = 0
        self.halt = threading.Event()
        self.publish_feed()

    def publish_feed(self):
        entries = []
        for g in reversed(self.published[-200:]):
            entries.append("<item><title>滚动快讯 %s</title><guid isPermaLink=\"false\">%s</guid>"
                           "<description>清河县融媒体中心滚动快讯。</description></item>" % (g, g))
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                "<title>清河滚动快讯</title>%s</channel></rss>\n" % "".join(entries))
        self.srv.set_body(FEED_PATH, body.encode("utf-8"))

    def step(self):
        n = self.n_files
        guids = ["mp-%04d-%d" % (n, k) for k in range(self.per_file)]
        stage = os.path.join(self.stage_dir, "drop-%04d.jsonl" % n)
        with open(stage, "w", encoding="utf-8") as f:
            for g in guids:
                f.write(json.dumps({"guid": g, "title": "群众来信摘要 %s" % g,
                                    "content": "投递测试条目 %s，柳林镇。" % g,
                                    "author": "县信访局"}, ensure_ascii=False) + "\n")
        os.rename(stage, os.path.join(self.drop_dir, "drop-%04d.jsonl" % n))
        self.dropped += guids
        self.n_files += 1
        self.published.append("feed-%04d" % n)
        self.publish_feed()

    def run(self):
        while not self.halt.is_set():
            self.step()
            self.halt.wait(self.tick)


def wait_for(pred, timeout, step=0.1):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def stored_counts(db, source_name):
    rows = query(db, "SELECT items.guid AS guid, COUNT(*) AS n FROM items JOIN sources "
                     "ON sources.id = items.source_id WHERE sources.name = ? GROUP BY items.guid",
                 (source_name,))
    return {r["guid"]: r["n"] for r in rows}


def lease_pid(db):
    try:
        le = lease(db)
    except Exception:  # the schema may not exist yet in the first milliseconds
        return None
    return le["pid"] if le else None


class Console:
    """A `jingyu` console in a private tmux server (TERM=screen, 100x30)."""

    def __init__(self, jingyu, config, tag):
        self.sock = "jymp-%d-%s" % (os.getpid(), tag)
        cmd = "exec env TERM=screen LANG=C.UTF-8 %s --config %s" % (jingyu, config)
        subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", "new-session", "-d",
                        "-x", "100", "-y", "30", cmd], check=True)
        out = subprocess.run(["tmux", "-L", self.sock, "display-message", "-p",
                              "#{pane_pid}"], capture_output=True, text=True)
        self.pid = int(out.stdout.strip())
        self.tag = tag

    def screen(self):
        out = subprocess.run(["tmux", "-L", self.sock, "capture-pane", "-p"],
                             capture_output=True, text=True)
        return out.stdout

    def alive(self):
        try:
            os.kill(self.pid, 0)
            return True
        except OSError:
            return False

    def close(self):
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True)


def scenario(prefix, jingyu_binary):
    """A temp folder with a drop folder, a loopback feed server and a config
    with both as sources: (top, drop, stage, db, config, server)."""
    top = tempfile.mkdtemp(prefix=prefix)
    drop = os.path.join(top, "in")
    stage = os.path.join(top, "stage")
    os.makedirs(drop)
    os.makedirs(stage)
    db = os.path.join(top, "jingyu.db")
    config = os.path.join(top, "config.yaml")
    srv = FixtureServer()
    srv.start()
    write_config(config, db, [
        {"name": "信访投递", "type": "file-drop", "path": drop, "interval": 1},
        {"name": "滚动快讯", "url": srv.url(FEED_PATH), "interval": 1},
    ], timeout=5)
    register_me(jingyu_binary, config)  # a viewer's console would not collect
    return top, drop, stage, db, config, srv


def consoles_and_collector(c, jingyu):
    """The issue's own scenario: two consoles and one `jingyu collect` on one
    file. Exactly one collects; kill -9 it; another takes over; nothing lost
    or stored twice; the consoles' headers say who collects."""
    if not shutil.which("tmux"):
        print("# tmux missing: consoles scenario skipped")
        return
    top, drop, stage, db, config, srv = scenario("jingyu-mp2-", jingyu)
    producer = Producer(srv, drop, stage)
    consoles, procs = [], []
    try:
        consoles.append(Console(jingyu, config, "c1"))
        wait_for(lambda: lease_pid(db) is not None, 10)
        consoles.append(Console(jingyu, config, "c2"))
        procs.append(Proc(jingyu, config, top, "collect"))
        pids = {x.pid for x in consoles + procs}
        time.sleep(COLLECT_LEASE_BEAT + 1)
        holder_pid = lease_pid(db)
        c.check("3proc-one-holder", holder_pid in pids,
                "lease pid=%r, processes %r" % (holder_pid, sorted(pids)))
        c.check("3proc-all-running", all(x.alive() for x in consoles + procs),
                "a process died early")
        # each console says who collects: itself (本机) or someone else
        def headers_agree():
            for con in consoles:
                head = con.screen().splitlines()[:1]
                if not head:
                    return False
                want = "采集：本机" if con.pid == holder_pid else "采集："
                if want not in head[0]:
                    return False
                if con.pid != holder_pid and "采集：本机" in head[0]:
                    return False
            return True
        c.check("3proc-headers-say-who-collects", wait_for(headers_agree, 5),
                " / ".join(con.screen().splitlines()[0] if con.screen() else "" for con in consoles))
        producer.start()
        time.sleep(3)
        victim = next(x for x in consoles + procs if x.pid == holder_pid)
        os.kill(holder_pid, signal.SIGKILL)
        if isinstance(victim, Proc):
            victim.p.wait(5)
        killed_at = time.time()
        took = wait_for(lambda: lease_pid(db) not in (None, holder_pid), 25, step=0.2)
        delay = time.time() - killed_at
        new_pid = lease_pid(db)
        c.check("3proc-takeover-within-20s", took and delay <= 20 and new_pid in pids,
                "lease pid=%r after %.1fs (killed %d)" % (new_pid, delay, holder_pid))
        print("# consoles scenario: takeover after %.1f s by %s" %
              (delay, "a console" if new_pid in {x.pid for x in consoles} else "jingyu collect"),
              flush=True)
        time.sleep(3)
        producer.halt.set()
        producer.join()
        want_drop, want_feed = set(producer.dropped), set(producer.published)

        def all_in():
            return want_drop <= set(stored_counts(db, "信访投递")) and \
                want_feed <= set(stored_counts(db, "滚动快讯"))
        wait_for(all_in, 30, step=0.5)
        drops, feed = stored_counts(db, "信访投递"), stored_counts(db, "滚动快讯")
        c.check("3proc-none-lost", want_drop <= set(drops) and want_feed <= set(feed),
                "%d drop and %d feed items missing" % (len(want_drop - set(drops)),
                                                       len(want_feed - set(feed))))
        c.check("3proc-exactly-once", all(n == 1 for n in list(drops.values()) +
                                          list(feed.values())), "duplicates stored")
    except Exception as e:
        c.check("3proc-completed", False, "%s: %s" % (type(e).__name__, e))
    finally:
        producer.halt.set()
        for con in consoles:
            con.close()
        for p in procs:
            if p.alive():
                p.stop(signal.SIGTERM, timeout=10)
        srv.stop()
        shutil.rmtree(top, ignore_errors=True)


def main():
    jingyu = binary_from_argv()
    c = Checks()
    consoles_and_collector(c, jingyu)
    top, drop, stage, db, config, srv = scenario("jingyu-mp-", jingyu)
    procs = []
    producer = Producer(srv, drop, stage)
    hosts = {socket.gethostname(), os.uname().nodename}
    try:
        a = Proc(jingyu, config, top, "a")
        procs.append(a)
        c.check("first-takes-lease", wait_for(lambda: lease_pid(db) == a.pid, 15),
                "lease pid=%r, a=%d; a: %s" % (lease_pid(db), a.pid, a.tail()))
        b = Proc(jingyu, config, top, "b")
        procs.append(b)
        time.sleep(2.5)
        c.check("both-running", a.alive() and b.alive(),
                "a alive=%s (%s) b alive=%s (%s)" % (a.alive(), a.tail(), b.alive(), b.tail()))
        le = lease(db)
        c.check("exactly-one-holder", le is not None and le["pid"] == a.pid, "lease=%r" % le)
        if le:
            c.check("lease-host", le["host"] in hosts, "host=%r, want one of %r" % (le["host"],
                                                                                    hosts))
            c.check("lease-heartbeat-fresh", abs(time.time() - (le["heartbeat"] or 0)) < 15,
                    "heartbeat=%r" % le["heartbeat"])
        c.check("other-says-it-waits", any(w in b.log().lower() for w in ("wait", "等待")),
                "b's output: %s" % b.tail())

        once = run(jingyu, ["--config", config, "collect", "--once"], timeout=60)
        c.check("once-refused-while-held", once.rc != 0,
                "collect --once exited 0 while pid %d holds the lease" % a.pid)
        st = run(jingyu, ["--config", config, "status"], timeout=30)
        c.check("status-names-holder", st.rc == 0 and str(a.pid) in st.out, st.why())

        producer.start()
        time.sleep(4)
        holder = a if lease_pid(db) == a.pid else b
        other = b if holder is a else a
        c.check("holder-collects-meanwhile",
                wait_for(lambda: len(stored_counts(db, "信访投递")) > 0, 10),
                "nothing stored while %s held the lease: %s" % (holder.tag, holder.tail()))
        os.kill(holder.pid, signal.SIGKILL)
        killed_at = time.time()
        # Reap it at once: a zombie still "exists" for kill(pid, 0), which
        # would hide the dead-holder check behind the lease's TTL.
        c.eq("killed-holder-status", holder.p.wait(5), -signal.SIGKILL)
        took = wait_for(lambda: lease_pid(db) == other.pid, 25, step=0.2)
        delay = time.time() - killed_at
        c.check("takeover-within-20s", took and delay <= 20,
                "lease pid=%r after %.1fs (holder %d killed, other %d): %s" %
                (lease_pid(db), delay, holder.pid, other.pid, other.tail()))
        print("# takeover after %.1f s" % delay, flush=True)
        c.check("takeover-dead-pid-fast", delay <= COLLECT_LEASE_BEAT + 2,
                "%.1fs: a holder on this host that no longer exists should be replaced at the "
                "next beat, not after the TTL" % delay)
        time.sleep(3)
        producer.halt.set()
        producer.join()

        want_drop = set(producer.dropped)
        want_feed = set(producer.published)

        def all_in():
            return want_drop <= set(stored_counts(db, "信访投递")) and \
                want_feed <= set(stored_counts(db, "滚动快讯"))
        wait_for(all_in, 30, step=0.5)
        drops = stored_counts(db, "信访投递")
        feed = stored_counts(db, "滚动快讯")
        lost = sorted(want_drop - set(drops))
        c.check("drops-none-lost", not lost, "%d of %d dropped items missing, e.g. %r" %
                (len(lost), len(want_drop), lost[:5]))
        c.check("drops-exactly-once", all(n == 1 for n in drops.values()),
                repr({g: n for g, n in drops.items() if n != 1}))
        c.check("drops-nothing-extra", set(drops) <= want_drop, repr(set(drops) - want_drop))
        c.check("drop-folder-emptied", not [f for f in os.listdir(drop) if f.endswith(".jsonl")],
                "left in folder: %r" % sorted(os.listdir(drop)))
        failed = os.path.join(drop, "failed")
        c.check("drops-none-failed", not (os.path.isdir(failed) and os.listdir(failed)),
                "failed/: %r" % (os.listdir(failed) if os.path.isdir(failed) else None))
        lostf = sorted(want_feed - set(feed))
        c.check("feed-none-lost", not lostf, "%d of %d feed items missing, e.g. %r" %
                (len(lostf), len(want_feed), lostf[:5]))
        c.check("feed-exactly-once", all(n == 1 for n in feed.values()),
                repr({g: n for g, n in feed.items() if n != 1}))
        print("# %d files, %d dropped items, %d feed items" %
              (producer.n_files, len(want_drop), len(want_feed)), flush=True)

        rc = other.stop(signal.SIGTERM)
        c.eq("survivor-sigterm-exit0", rc, 0)
        le = lease(db)
        c.check("lease-released", le is None or le["pid"] != other.pid or
                not le["host"], "lease still names the stopped pid: %r" % le)
        once = run(jingyu, ["--config", config, "collect", "--once"], timeout=60)
        c.check("once-after-release-exit0", once.rc == 0, once.why())

        # SIGINT works the same way as SIGTERM.
        d = Proc(jingyu, config, top, "d")
        procs.append(d)
        got = wait_for(lambda: lease_pid(db) == d.pid, 15)
        c.check("restart-takes-lease", got, "lease pid=%r: %s" % (lease_pid(db), d.tail()))
        c.eq("sigint-exit0", d.stop(signal.SIGINT), 0)
    except Exception as e:
        c.check("completed", False, "%s: %s" % (type(e).__name__, e))
    finally:
        producer.halt.set()
        for p in procs:
            if p.alive():
                p.stop(signal.SIGKILL, timeout=5)
        srv.stop()
        if os.environ.get("JINGYU_KEEP_TMP"):
            print("kept %s" % top)
        else:
            shutil.rmtree(top, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
