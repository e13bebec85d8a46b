"""Shared helpers of the integration tests: named checks, running jingyu,
writing configs, and read-only queries of the database it wrote.

Python standard library only. Every check prints `ok NAME` or
`FAIL NAME: why`; finish() prints `N passed, N failed` (the line
tests/summary.py counts) and gives the exit status."""
import json
import os
import pty
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, cond, why=""):
        if cond:
            self.passed += 1
            print("ok %s" % name, flush=True)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, why), flush=True)
        return bool(cond)

    def eq(self, name, got, want):
        return self.check(name, got == want, "got %r, want %r" % (got, want))

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 1 if self.failed else 0


class Run:
    """One finished jingyu process."""

    def __init__(self, args, rc, out, err, maxrss_kb, elapsed, timed_out):
        self.args, self.rc, self.out, self.err = args, rc, out, err
        self.maxrss_kb, self.elapsed, self.timed_out = maxrss_kb, elapsed, timed_out

    def why(self):
        tail = (self.out + self.err).strip().splitlines()[-12:]
        return "exit %s%s after %.1fs; output: %s" % (
            self.rc, " (killed: too slow)" if self.timed_out else "", self.elapsed,
            " | ".join(tail) or "(none)")


def run(binary, args, timeout=90, env=None):
    """Runs binary with args to completion; returns a Run with its own peak RSS
    (from wait4, so other children do not count)."""
    argv = [binary] + list(args)
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        start = time.time()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe, env=env)
        timed_out = []

        def kill():
            timed_out.append(True)
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
        elapsed = time.time() - start
        fo.seek(0)
        fe.seek(0)
        out = fo.read().decode("utf-8", "replace")
        err = fe.read().decode("utf-8", "replace")
    return Run(argv, p.returncode, out, err, ru.ru_maxrss, elapsed, bool(timed_out))


def yq(v):
    """A YAML scalar: JSON strings are valid YAML double-quoted scalars."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(str(v), ensure_ascii=False)


def write_config(path, database, sources, extra="", **collector):
    """Writes a config file. sources: list of dicts (name, type, url, path,
    interval, ...); extra: YAML text appended as is (e.g. an analysis:
    section); collector: overrides of the test defaults."""
    coll = {"parallel": 4, "timeout": 10, "connect_timeout": 3, "max_body": "20M",
            "max_redirects": 3, "min_interval": 1, "max_backoff": 600, "dark_after": 6,
            "user_agent": "jingyu-test/1"}
    coll.update(collector)
    lines = ["# written by jingyu's integration tests", "database: %s" % yq(database),
             "collector:"]
    for k, v in coll.items():
        lines.append("  %s: %s" % (k, yq(v)))
    lines.append("sources:")
    for s in sources:
        s = dict(s)
        s.setdefault("interval", 60)
        first = True
        for k, v in s.items():
            if isinstance(v, list):
                val = "[" + ", ".join(yq(x) for x in v) + "]"
            else:
                val = yq(v)
            lines.append("%s%s: %s" % ("  - " if first else "    ", k, val))
            first = False
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n" + extra)
    return path


def db_connect(database):
    con = sqlite3.connect("file:%s?mode=ro" % database, uri=True, timeout=10)
    con.row_factory = sqlite3.Row
    return con


def query(database, sql, params=()):
    """Read-only query; returns a list of dicts ([] when the file is missing).
    Never touch items_fts here: it needs jingyu's tokenizer."""
    if not os.path.exists(database):
        return []
    con = db_connect(database)
    try:
        return [dict(r) for r in con.execute(sql, params)]
    finally:
        con.close()


def source(database, name):
    rows = query(database, "SELECT * FROM sources WHERE name = ?", (name,))
    return rows[0] if rows else None


def items(database, name):
    return query(database,
                 "SELECT items.* FROM items JOIN sources ON sources.id = items.source_id "
                 "WHERE sources.name = ? ORDER BY items.id", (name,))


def lease(database):
    rows = query(database, "SELECT * FROM lease WHERE name = 'collector'")
    return rows[0] if rows else None


def mentions(text, words):
    t = (text or "").lower()
    return any(w.lower() in t for w in words)


def binary_from_argv():
    if len(sys.argv) < 2:
        print("usage: %s PATH/TO/jingyu" % sys.argv[0], file=sys.stderr)
        sys.exit(2)
    b = os.path.abspath(sys.argv[1])
    if not os.access(b, os.X_OK):
        print("not executable: %s" % b, file=sys.stderr)
        sys.exit(2)
    return b


def register_me(binary, config, roles="operator,admin"):
    """Registers the Unix login running the tests (the first person needs
    nobody's leave): consoles and commands then act as a person with roles,
    as `make run` does for the demo (a viewer's console writes nothing)."""
    import getpass
    r = run(binary, ["--config", config, "person", "add", getpass.getuser(), "--name", "测试值班员",
                     "--roles", roles])
    if r.rc != 0:
        raise RuntimeError("person add: " + r.why())


def console_pty(argv, env, keys=b"", stderr=subprocess.DEVNULL):
    """Runs a console (argv includes its --exit-after) on a pseudo-terminal:
    keys typed after a moment. Returns (exit status, screen output with its
    escapes, the stderr pipe's text or "")."""
    master, slave = pty.openpty()
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=stderr, env=env)
    os.close(slave)
    out, sent, start = b"", False, time.time()
    while p.poll() is None and time.time() - start < 60:
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                out += os.read(master, 65536)
            except OSError:
                break
        if not sent and time.time() - start > 1.0:
            if keys:
                os.write(master, keys)
            sent = True
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    os.close(master)
    err = p.stderr.read().decode("utf-8", "replace") if p.stderr else ""
    return p.returncode, out, err
