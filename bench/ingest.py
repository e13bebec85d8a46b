#!/usr/bin/env python3
"""ingest: the collection benchmarks against local feeds.

  ingest.py JINGYU WORKDIR FEEDS ITEMS REPEATS

The feeds (built by feed_server.py) are served by nginx when it is installed,
as real sources are served by real web servers, and otherwise by
feed_server.py itself, whose per-request cost then is most of the all-304
figures (BENCH_FEED_SERVER=python forces it). Both answer conditional GETs
with 304; the 200/304 answers are counted from nginx's access log or from
feed_server.py's /stats.

1. jingyu `collect --once` into a fresh database (fetch, parse, store and
   index FEEDS x ITEMS items), then again with unchanged feeds (every answer
   a 304); the same two passes with `newsboat -x reload` when newsboat is
   installed, interleaved with jingyu's so drift hits both alike. Wall time
   is measured here, peak RSS comes from wait4() for that one child. Figures
   are medians over REPEATS runs.
2. index lag end to end: a fresh database, `jingyu collect` running in the
   background (not --once), and this script polling the file every 20 ms:
   the time from start until every item is committed, and until the
   full-text index covers all of them (fts_state.indexed_upto reaches the
   newest id; the search API itself then uses no scan).

Prints human lines and, last, KEY=VALUE lines (prefixed "RESULT ") for run.sh.

  ingest.py --sweep JINGYU WORKDIR ITEMS FEEDS,FEEDS,... [JINGYU_BASE]

3. the scale sweep: one server holding the largest number of feeds, and for
   each count N a fresh database filled by one `collect --once` of the first N
   feeds. Prints the cost per feed (wall and CPU ms), the blocks read and
   written per item (getrusage), and with strace installed a second, untimed
   pass counting fsync/fdatasync calls, and the share of items stored as
   near-duplicates (the feeds repeat the corpus's 12,621 posts, so it rises
   with N: 50% at 200 feeds x 50 items, 87% at 1,000). With JINGYU_BASE (another binary)
   each count runs both, alternating, so the two are measured in one sitting.
"""
import ctypes
import grp
import json
import os
import pwd
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

LAST_CPU = [0.0]
HERE = os.path.dirname(os.path.abspath(__file__))


def die_with_parent():
    """preexec_fn: the server gets SIGTERM when this script dies, however it
    dies, instead of staying behind holding its port."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class PythonServer:
    """feed_server.py: counts its answers itself (/stats, /reset)."""

    def __init__(self, feeds, items):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "feed_server.py"),
                                      str(feeds), str(items)], stdout=subprocess.PIPE, text=True,
                                      preexec_fn=die_with_parent)
        port, self.origin = self.proc.stdout.readline().split()
        self.port = int(port)
        self.name = "python"
        self.desc = "bench/feed_server.py (Python ThreadingHTTPServer)"

    def reset(self):
        http(self.port, "/reset")

    def stats(self):
        return json.loads(http(self.port, "/stats"))

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def nginx_version(nginx):
    out = subprocess.run([nginx, "-V"], capture_output=True, text=True).stderr
    m = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out)
    return (tuple(int(x) for x in m.groups()) if m else (0, 0, 0)), out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NginxServer:
    """nginx serving the feeds as static files from a temporary prefix, in the
    foreground as the current user. It answers If-None-Match (ETag from the
    file's mtime and size) and If-Modified-Since with 304 itself; the
    answers are counted from its access log."""

    def __init__(self, nginx, feeds, items, work):
        self.prefix = tempfile.mkdtemp(prefix="nginx.", dir=work)
        os.mkdir(os.path.join(self.prefix, "tmp"))     # nginx makes only the last level
        www = os.path.join(self.prefix, "www")
        out = subprocess.run([sys.executable, os.path.join(HERE, "feed_server.py"), "--write",
                              www, str(feeds), str(items)],
                             capture_output=True, text=True, check=True).stdout
        self.origin = out.split()[0]
        version, vinfo = nginx_version(nginx)
        self.name = "nginx/" + ".".join(map(str, version))
        self.desc = f"{self.name} (2 workers, static files)"
        self.log = os.path.join(self.prefix, "access.log")
        self.mark = 0
        self.proc = None
        for _ in range(5):
            self.port = free_port()
            conf = self.write_conf(www, vinfo)
            argv = [nginx, "-p", self.prefix + "/", "-c", conf]
            # -e (1.19.5 on) keeps even the messages before the configuration
            # is read out of the compiled-in error log path
            if version >= (1, 19, 5):
                argv[1:1] = ["-e", os.path.join(self.prefix, "error.log")]
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         preexec_fn=die_with_parent)
            if self.wait_ready():
                return
            self.stop()
        raise RuntimeError("nginx did not start: " + self.error_tail())

    def write_conf(self, www, vinfo):
        p = self.prefix
        # temp paths of every compiled-in module inside the prefix, or nginx
        # creates (and as root chowns) them under /var/lib/nginx
        temps = "".join(f"    {mod}_temp_path {p}/tmp/{mod};\n"
                        for mod, name in (("client_body", "client-body"), ("proxy", "proxy"),
                                          ("fastcgi", "fastcgi"), ("uwsgi", "uwsgi"),
                                          ("scgi", "scgi"))
                        if mod == "client_body" or
                        (f"--http-{name}-temp-path" in vinfo and
                         f"--without-http_{mod}_module" not in vinfo))
        # as root the workers would drop to nobody, who cannot read a 0700
        # temporary directory: keep them as the user running the benchmark
        user = ""
        if os.geteuid() == 0:
            user = (f"user {pwd.getpwuid(os.geteuid()).pw_name} "
                    f"{grp.getgrgid(os.getegid()).gr_name};\n")
        conf = os.path.join(p, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""daemon off;
master_process on;
worker_processes 2;
{user}error_log {p}/error.log;
pid {p}/nginx.pid;
lock_file {p}/nginx.lock;
events {{ worker_connections 1024; }}
http {{
    types {{ application/rss+xml xml; }}
    default_type application/octet-stream;
    charset utf-8;
    log_format bench '$status $request_uri';
    access_log {p}/access.log bench;
{temps}    sendfile on;
    keepalive_requests 10000;
    etag on;
    server {{
        listen 127.0.0.1:{self.port};
        root {www};
    }}
}}
""")
        return conf

    def wait_ready(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.02)
        return False

    def error_tail(self):
        try:
            with open(os.path.join(self.prefix, "error.log"), errors="replace") as f:
                lines = f.read().strip().splitlines()
                return lines[-1] if lines else "(empty error log)"
        except OSError:
            return "(no error log)"

    def counts(self):
        try:
            with open(self.log, "rb") as f:
                f.seek(self.mark)
                data = f.read()
        except FileNotFoundError:
            data = b""
        c = {"200": 0, "304": 0}
        for line in data.splitlines():
            code, _, uri = line.decode(errors="replace").partition(" ")
            if uri.startswith("/feed/"):
                c[code] = c.get(code, 0) + 1
        return c, len(data)

    def reset(self):
        _, n = self.counts()
        self.mark += n

    def stats(self):
        # a worker writes the log line once the answer is sent, which may be
        # a moment after the client saw it: read until it stops growing
        c, n = self.counts()
        for _ in range(100):
            time.sleep(0.02)
            c2, n2 = self.counts()
            if n2 == n:
                break
            c, n = c2, n2
        return c

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()       # the master takes its workers down
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_server(feeds, items, work):
    """nginx when installed (BENCH_FEED_SERVER=python forces feed_server.py)."""
    want = os.environ.get("BENCH_FEED_SERVER", "auto")
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None)
    if want != "python" and nginx:
        try:
            return NginxServer(nginx, feeds, items, work)
        except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
            print(f"ingest: nginx could not serve the feeds ({e}); using feed_server.py")
    elif want == "nginx":
        print("ingest: BENCH_FEED_SERVER=nginx but nginx is not installed")
    elif want != "python":
        print("ingest: nginx is not installed (apt-get install nginx-light): "
              "serving the feeds with feed_server.py, which caps the all-304 figures")
    return PythonServer(feeds, items)


def http(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.read()


def run_timed(argv, env=None, cwd=None):
    """Runs argv; returns (wall seconds, peak RSS in MiB, exit status, stderr tail); the
    child's CPU seconds go to LAST_CPU."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    LAST_CPU[0] = ru.ru_utime + ru.ru_stime
    return wall, ru.ru_maxrss / 1024.0, p.returncode, err.decode(errors="replace")[-400:]


def remove_db(path):
    for sfx in ("", "-wal", "-shm", "-journal", ".lock"):
        try:
            os.unlink(path + sfx)
        except FileNotFoundError:
            pass


def write_jingyu_config(path, db, port, feeds):
    with open(path, "w") as f:
        f.write(f"database: {db}\n"
                "collector:\n  parallel: 8\n  timeout: 30\n  min_interval: 1\n  max_body: 20M\n"
                "sources:\n")
        for k in range(feeds):
            f.write(f"  - name: feed{k:03d}\n    type: feed\n"
                    f"    url: http://127.0.0.1:{port}/feed/{k}.xml\n    interval: 3600\n")


def count(db, sql):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def fmt(x):
    return f"{x:.3f}"


def sweep_one(jingyu, work, port, n, tag):
    """collect --once of the first n feeds into a fresh database; returns a dict."""
    cfg = os.path.join(work, f"sweep-{tag}-{n}.yaml")
    db = os.path.join(work, f"sweep-{tag}.db")
    write_jingyu_config(cfg, db, port, n)
    remove_db(db)
    t0 = time.monotonic()
    p = subprocess.Popen([jingyu, "--config", cfg, "collect", "--once"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    items = count(db, "SELECT count(*) FROM items")
    # the corpus has 12,621 posts: past that many items every one is a
    # near-duplicate of an earlier item, a different load on the store
    dups = count(db, "SELECT count(*) FROM items WHERE dup_of IS NOT NULL")
    r = {"dups": dups, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "items": items,
         "inblock": ru.ru_inblock, "oublock": ru.ru_oublock, "rc": os.waitstatus_to_exitcode(status),
         "err": err.decode(errors="replace")[-300:], "fsync": None}
    strace = shutil.which("strace")
    if strace and os.environ.get("BENCH_STRACE", "1") != "0":
        remove_db(db)
        out = os.path.join(work, "strace.out")
        subprocess.run([strace, "-f", "-c", "-o", out, "-e", "trace=fsync,fdatasync,pread64,pwrite64",
                        jingyu, "--config", cfg, "collect", "--once"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        calls = {}
        try:
            with open(out) as f:
                for line in f:
                    w = line.split()
                    if len(w) >= 5 and w[-1] in ("fsync", "fdatasync", "pread64", "pwrite64"):
                        calls[w[-1]] = int(w[3])
        except OSError:
            pass
        r["fsync"] = calls.get("fsync", 0) + calls.get("fdatasync", 0)
        r["preads"] = calls.get("pread64", 0)
        r["pwrites"] = calls.get("pwrite64", 0)
    remove_db(db)
    return r


def sweep(argv):
    jingyu, work, items, counts = argv[0], argv[1], int(argv[2]), \
        [int(x) for x in argv[3].split(",")]
    base = argv[4] if len(argv) > 4 else None
    os.makedirs(work, exist_ok=True)
    server = start_server(max(counts), items, work)
    res = {}
    try:
        print(f"ingest sweep: the first N of {max(counts)} feeds x {items} items, fresh database "
              f"each, one `collect --once`; feeds served by {server.desc}")
        bins = [("new", jingyu)] + ([("base", base)] if base else [])
        print(f"{'feeds':>6} {'binary':>6} {'items':>7} {'wall s':>7} {'ms/feed':>8} "
              f"{'CPU ms/feed':>11} {'us/item':>8} {'blk r/item':>10} {'blk w/item':>10} "
              f"{'fsyncs':>6} {'pread/item':>10} {'pwrite/item':>11} {'dup %':>5}")
        for n in counts:
            for tag, binary in (bins if n % 2 else bins[::-1]):
                r = sweep_one(binary, work, server.port, n, tag)
                if r["rc"] or r["items"] != n * items:
                    print(f"  {tag} at {n} feeds: exit {r['rc']}, {r['items']} items: {r['err']}")
                it = max(r["items"], 1)
                fs = "-" if r["fsync"] is None else str(r["fsync"])
                pr = "-" if r["fsync"] is None else f"{r['preads'] / it:.2f}"
                pw = "-" if r["fsync"] is None else f"{r['pwrites'] / it:.2f}"
                print(f"{n:>6} {tag:>6} {r['items']:>7} {r['wall']:>7.2f} "
                      f"{r['wall'] * 1e3 / n:>8.2f} {r['cpu'] * 1e3 / n:>11.2f} "
                      f"{r['cpu'] * 1e6 / it:>8.1f} {r['inblock'] / it:>10.2f} "
                      f"{r['oublock'] / it:>10.2f} {fs:>6} {pr:>10} {pw:>11} "
                      f"{100 * r['dups'] / it:>5.1f}", flush=True)
                key = "SWEEP" if tag == "new" else "SWEEP_BASE"
                res[f"{key}_{n}_MS_FEED"] = f"{r['wall'] * 1e3 / n:.2f}"
                res[f"{key}_{n}_CPU_MS_FEED"] = f"{r['cpu'] * 1e3 / n:.2f}"
                res[f"{key}_{n}_BLK_W_ITEM"] = f"{r['oublock'] / it:.2f}"
                if r["fsync"] is not None:
                    res[f"{key}_{n}_FSYNC"] = str(r["fsync"])
        lo, hi = counts[0], counts[-1]
        # what one more feed costs between two counts: the start (config,
        # analyzer, sources) drops out, and so does the all-at-once tail
        for key in ("SWEEP", "SWEEP_BASE"):
            cpu = {n: float(res[f"{key}_{n}_CPU_MS_FEED"]) * n for n in counts
                   if f"{key}_{n}_CPU_MS_FEED" in res}
            steps = [(a, b) for a, b in zip(counts, counts[1:]) if a in cpu and b in cpu]
            if steps:
                marg = [(cpu[b] - cpu[a]) / (b - a) for a, b in steps]
                print(f"{'this binary' if key == 'SWEEP' else 'base binary'}: CPU ms per "
                      f"added feed " + ", ".join(f"{a}->{b}: {m:.2f}"
                                                 for (a, b), m in zip(steps, marg)))
                res[f"{key}_MARGINAL_LAST"] = f"{marg[-1]:.2f}"
                res[f"{key}_MARGINAL_FIRST"] = f"{marg[0]:.2f}"
        for key in ("SWEEP", "SWEEP_BASE"):
            a, b = res.get(f"{key}_{lo}_CPU_MS_FEED"), res.get(f"{key}_{hi}_CPU_MS_FEED")
            if a and b:
                res[f"{key}_GROWTH"] = f"{float(b) / float(a):.2f}"
                print(f"{'this binary' if key == 'SWEEP' else 'base binary'}: CPU per feed at "
                      f"{hi} feeds / at {lo} feeds = {res[f'{key}_GROWTH']} (flat: 1.0)")
    finally:
        server.stop()
    for k, v in res.items():
        print(f"RESULT {k}={v}")


def main():
    if sys.argv[1:2] == ["--sweep"]:
        return sweep(sys.argv[2:])
    jingyu, work, feeds, items, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4]), int(sys.argv[5])
    os.makedirs(work, exist_ok=True)
    total = feeds * items
    server = start_server(feeds, items, work)
    port, origin = server.port, server.origin
    res = {"FEED_SERVER": server.name}
    try:
        cfg = os.path.join(work, "jingyu.yaml")
        db = os.path.join(work, "ingest.db")
        write_jingyu_config(cfg, db, port, feeds)
        print(f"ingest: {feeds} feeds x {items} items ({origin} text) from 127.0.0.1:{port}, "
              f"served by {server.desc}")

        nb = shutil.which("newsboat")
        nb_home = os.path.join(work, "nbhome")
        if nb:
            os.makedirs(nb_home, exist_ok=True)
            with open(os.path.join(work, "nb.urls"), "w") as f:
                for k in range(feeds):
                    f.write(f"http://127.0.0.1:{port}/feed/{k}.xml\n")
            with open(os.path.join(work, "nb.conf"), "w") as f:
                f.write("reload-threads 8\nauto-reload no\nshow-read-feeds yes\n"
                        "suppress-first-reload yes\nnotify-program \"\"\n"
                        "download-timeout 30\ncleanup-on-quit yes\n")
            nb_env = dict(os.environ, HOME=nb_home, XDG_CONFIG_HOME=os.path.join(nb_home, ".config"),
                          XDG_DATA_HOME=os.path.join(nb_home, ".local/share"),
                          XDG_CACHE_HOME=os.path.join(nb_home, ".cache"))
            nb_cache = os.path.join(work, "nb.cache.db")
            nb_argv = [nb, "-x", "reload", "-u", os.path.join(work, "nb.urls"), "-c", nb_cache,
                       "-C", os.path.join(work, "nb.conf")]
        else:
            print("ingest: newsboat is not installed: no baseline (apt-get install newsboat)")

        runs = {k: [] for k in ("jy_fresh", "jy_304", "nb_fresh", "nb_304")}
        rss = {k: 0.0 for k in runs}
        jy_argv = [jingyu, "--config", cfg, "collect", "--once"]
        for r in range(repeats):
            remove_db(db)
            server.reset()
            w, m, rc, err = run_timed(jy_argv)
            cpu = LAST_CPU[0]
            n = count(db, "SELECT count(*) FROM items")
            s1 = server.stats()
            server.reset()
            w2, m2, rc2, err2 = run_timed(jy_argv)
            s2 = server.stats()
            lag = count(db, "SELECT count(*) FROM items WHERE id > "
                            "(SELECT indexed_upto FROM fts_state)")
            print(f"  run {r + 1} jingyu:   fresh {w:6.2f} s (CPU {cpu:.2f} s, {n} items, "
                  f"{s1['200']} x 200, "
                  f"index lag after {lag}, {m:.0f} MiB)   all-304 {w2:6.3f} s "
                  f"({s2['304']} x 304, {s2['200']} x 200, {m2:.0f} MiB)")
            if rc or rc2:
                print(f"  jingyu exited {rc}/{rc2}: {err or err2}")
            if n != total or s2["304"] != feeds:
                print(f"  WARNING: expected {total} items and {feeds} answers 304")
            runs["jy_fresh"].append(w)
            runs["jy_304"].append(w2)
            rss["jy_fresh"] = max(rss["jy_fresh"], m)
            rss["jy_304"] = max(rss["jy_304"], m2)
            if not nb:
                continue
            remove_db(nb_cache)
            server.reset()
            w, m, rc, err = run_timed(nb_argv, env=nb_env, cwd=work)
            cpu = LAST_CPU[0]
            n = count(nb_cache, "SELECT count(*) FROM rss_item")
            s1 = server.stats()
            # newsboat 2.21 sends no validators on its second reload of a feed
            # (newsboat issue #2734: it stores them only from the second
            # answer on), so one untimed reload comes before the all-304 pass
            wu, _, _, _ = run_timed(nb_argv, env=nb_env, cwd=work)
            server.reset()
            w2, m2, rc2, err2 = run_timed(nb_argv, env=nb_env, cwd=work)
            s2 = server.stats()
            print(f"  run {r + 1} newsboat: fresh {w:6.2f} s (CPU {cpu:.2f} s, {n} items, "
                  f"{s1['200']} x 200, "
                  f"{m:.0f} MiB)   all-304 {w2:6.3f} s ({s2['304']} x 304, {s2['200']} x 200, "
                  f"{m2:.0f} MiB; after an untimed unconditional reload of {wu:.2f} s)")
            if s2["304"] != feeds:
                print(f"  WARNING: newsboat's all-304 pass got {s2['304']} answers 304")
            if rc or rc2:
                print(f"  newsboat exited {rc}/{rc2}: {err or err2}")
            runs["nb_fresh"].append(w)
            runs["nb_304"].append(w2)
            rss["nb_fresh"] = max(rss["nb_fresh"], m)
            rss["nb_304"] = max(rss["nb_304"], m2)

        # the floor under both: just downloading the feeds (curl, 8 at a time,
        # bodies thrown away), which is mostly the server's time
        curl = shutil.which("curl")
        if curl:
            floor = []
            for _ in range(repeats):
                w, _, _, _ = run_timed([curl, "-s", "-Z", "--parallel-max", "8", "-o", "/dev/null",
                                        f"http://127.0.0.1:{port}/feed/[0-{feeds - 1}].xml"])
                floor.append(w)
            res["FETCH_FLOOR_S"] = fmt(statistics.median(floor))
            print(f"download floor: curl fetching the {feeds} feeds 8 at a time, bodies discarded: "
                  f"{res['FETCH_FLOOR_S']} s (median of {repeats}; server {server.name})")
        med = {k: statistics.median(v) for k, v in runs.items() if v}
        res["INGEST_ITEMS"] = total
        res["JY_FRESH_S"] = fmt(med["jy_fresh"])
        res["JY_FRESH_IPS"] = f"{total / med['jy_fresh']:.0f}"
        res["JY_FRESH_RSS_MB"] = f"{rss['jy_fresh']:.0f}"
        res["JY_304_S"] = fmt(med["jy_304"])
        res["JY_304_RSS_MB"] = f"{rss['jy_304']:.0f}"
        print(f"ingest jingyu (median of {repeats}): fresh {med['jy_fresh']:.2f} s = "
              f"{total / med['jy_fresh']:.0f} items/s, peak RSS {rss['jy_fresh']:.0f} MiB; "
              f"all-304 {med['jy_304']:.3f} s, peak RSS {rss['jy_304']:.0f} MiB")
        if nb:
            res["NB_FRESH_S"] = fmt(med["nb_fresh"])
            res["NB_304_S"] = fmt(med["nb_304"])
            res["NB_FRESH_RSS_MB"] = f"{rss['nb_fresh']:.0f}"
            res["RATIO_FRESH"] = f"{med['nb_fresh'] / med['jy_fresh']:.1f}"
            res["RATIO_304"] = f"{med['nb_304'] / med['jy_304']:.1f}"
            print(f"ingest newsboat (median of {repeats}): fresh {med['nb_fresh']:.2f} s = "
                  f"{total / med['nb_fresh']:.0f} items/s, peak RSS {rss['nb_fresh']:.0f} MiB; "
                  f"all-304 {med['nb_304']:.3f} s, peak RSS {rss['nb_304']:.0f} MiB")
            print(f"ingest speed-up jingyu vs newsboat (newsboat time / jingyu time): "
                  f"fresh {res['RATIO_FRESH']}x (target 10x), all-304 {res['RATIO_304']}x "
                  f"(target 20x)")

        # 2: background collector, end-to-end index lag
        remove_db(db)
        server.reset()
        t0 = time.monotonic()
        p = subprocess.Popen([jingyu, "--config", cfg, "collect"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        t_commit = t_index = None
        deadline = t0 + 120
        while time.monotonic() < deadline and p.poll() is None:
            try:
                n, upto, top = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) \
                    .execute("SELECT count(*), (SELECT indexed_upto FROM fts_state), "
                             "coalesce(max(id), 0) FROM items").fetchone()
            except sqlite3.Error:
                n, upto, top = 0, 0, 0
            now = time.monotonic()
            if t_commit is None and n >= total:
                t_commit = now - t0
            if t_commit is not None and upto >= top:
                t_index = now - t0
                break
            time.sleep(0.02)
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            print("  jingyu collect did not stop within 30 s of SIGTERM")
        if t_commit is None or t_index is None:
            print(f"index lag (background collect): did not finish within 120 s "
                  f"(committed at {t_commit}, indexed at {t_index}); stderr: "
                  f"{p.stderr.read().decode(errors='replace')[-300:]}")
        else:
            res["LAG_E2E_COMMIT_S"] = fmt(t_commit)
            res["LAG_E2E_S"] = fmt(t_index - t_commit)
            print(f"index lag (background `jingyu collect`, polled every 20 ms): all {total} items "
                  f"committed {t_commit:.2f} s after start; index covered them all "
                  f"{t_index - t_commit:.2f} s later ({t_index:.2f} s after start)")
    finally:
        server.stop()
    for k, v in res.items():
        print(f"RESULT {k}={v}")


if __name__ == "__main__":
    main()
