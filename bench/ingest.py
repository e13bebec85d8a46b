#!/usr/bin/env python3
"""ingest: the collection benchmarks against local feeds (feed_server.py).

  ingest.py JINGYU WORKDIR FEEDS ITEMS REPEATS

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
"""
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request

LAST_CPU = [0.0]
HERE = os.path.dirname(os.path.abspath(__file__))


def start_server(feeds, items):
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "feed_server.py"), str(feeds),
                          str(items)], stdout=subprocess.PIPE, text=True)
    port, origin = p.stdout.readline().split()
    return p, int(port), origin


def http(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.read()


def stats(port):
    return json.loads(http(port, "/stats"))


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


def main():
    jingyu, work, feeds, items, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4]), int(sys.argv[5])
    os.makedirs(work, exist_ok=True)
    total = feeds * items
    server, port, origin = start_server(feeds, items)
    res = {}
    try:
        cfg = os.path.join(work, "jingyu.yaml")
        db = os.path.join(work, "ingest.db")
        write_jingyu_config(cfg, db, port, feeds)
        print(f"ingest: {feeds} feeds x {items} items ({origin} text) from 127.0.0.1:{port}")

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
            http(port, "/reset")
            w, m, rc, err = run_timed(jy_argv)
            cpu = LAST_CPU[0]
            n = count(db, "SELECT count(*) FROM items")
            s1 = stats(port)
            http(port, "/reset")
            w2, m2, rc2, err2 = run_timed(jy_argv)
            s2 = stats(port)
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
            http(port, "/reset")
            w, m, rc, err = run_timed(nb_argv, env=nb_env, cwd=work)
            cpu = LAST_CPU[0]
            n = count(nb_cache, "SELECT count(*) FROM rss_item")
            s1 = stats(port)
            # newsboat 2.21 sends no validators on its second reload of a feed
            # (newsboat issue #2734: it stores them only from the second
            # answer on), so one untimed reload comes before the all-304 pass
            wu, _, _, _ = run_timed(nb_argv, env=nb_env, cwd=work)
            http(port, "/reset")
            w2, m2, rc2, err2 = run_timed(nb_argv, env=nb_env, cwd=work)
            s2 = stats(port)
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
        # bodies thrown away), which is mostly this Python server's time
        curl = shutil.which("curl")
        if curl:
            floor = []
            for _ in range(repeats):
                w, _, _, _ = run_timed([curl, "-s", "-Z", "--parallel-max", "8", "-o", "/dev/null",
                                        f"http://127.0.0.1:{port}/feed/[0-{feeds - 1}].xml"])
                floor.append(w)
            res["FETCH_FLOOR_S"] = fmt(statistics.median(floor))
            print(f"download floor: curl fetching the {feeds} feeds 8 at a time, bodies discarded: "
                  f"{res['FETCH_FLOOR_S']} s (median of {repeats})")
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
        http(port, "/reset")
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
        server.terminate()
        server.wait()
    for k, v in res.items():
        print(f"RESULT {k}={v}")


if __name__ == "__main__":
    main()
