#!/usr/bin/env python3
"""What a `jingyu collect --once` costs to start on a large store.

Usage: once_start.py JINGYU DB WORKDIR [JINGYU_BASE]

A copy of DB (never DB itself) gets a folder source; each run drops one file
of 50 new items and runs `collect --once`, whose first new item makes the
analyzer restore its memory (the week's first copies and the open events)
from the store. Three runs: on a file of an older schema the first one also
migrates it and gives the week's first copies their rows in first_copies;
the later ones are what every start costs from then on. The same on an
empty store is the floor (making the analyzer, one file of items). With
JINGYU_BASE, the other binary does the same on a fresh copy, for before/after
figures from one sitting. Prints RESULT ONCE_* lines for bench/run.sh."""
import json
import os
import shutil
import subprocess
import sys
import time


def run(argv):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    return {"wall": time.monotonic() - t0, "cpu": ru.ru_utime + ru.ru_stime,
            "rss": ru.ru_maxrss / 1024.0, "rc": os.waitstatus_to_exitcode(status),
            "err": err.decode(errors="replace")[-300:]}


def drop(inbox, k):
    rows = [{"guid": "once-%d-%d" % (k, i), "title": "",
             "content": "第%d批第%d条：城关镇居民反映小区门口道路积水已有多日，希望有关部门尽快处理%d"
                        % (k, i, i * 7919 + k)} for i in range(50)]
    tmp = os.path.join(inbox, ".b%d.tmp" % k)
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    os.rename(tmp, os.path.join(inbox, "b%d.jsonl" % k))


def series(jingyu, src, work, tag, runs=3):
    d = os.path.join(work, "once-" + tag)
    shutil.rmtree(d, ignore_errors=True)
    inbox = os.path.join(d, "in")
    os.makedirs(inbox, mode=0o700)
    os.chmod(d, 0o700)
    db = os.path.join(d, "store.db")
    if src:
        shutil.copyfile(src, db)
        os.chmod(db, 0o600)
    cfg = os.path.join(d, "c.yaml")
    with open(cfg, "w") as f:
        f.write("database: %s\nsources:\n  - name: once-bench\n    type: file-drop\n"
                "    path: %s\n    interval: 60\n" % (db, inbox))
    out = []
    for k in range(runs):
        drop(inbox, k)
        r = run([jingyu, "--config", cfg, "collect", "--once"])
        if r["rc"]:
            print("  %s run %d: exit %d: %s" % (tag, k + 1, r["rc"], r["err"]))
        out.append(r)
    shutil.rmtree(d, ignore_errors=True)
    return out


def main():
    jingyu, src, work = sys.argv[1], sys.argv[2], sys.argv[3]
    base = sys.argv[4] if len(sys.argv) > 4 else None
    os.makedirs(work, exist_ok=True)
    res = {}
    print("collect --once of one file of 50 new items (restoring the analyzer's memory first)")
    print("%-6s %-13s %8s %8s %9s" % ("binary", "store", "wall s", "CPU s", "RSS MiB"))
    for tag, binary in [("new", jingyu)] + ([("base", base)] if base else []):
        empty = series(binary, None, work, tag + "-empty", runs=1)[0]
        print("%-6s %-13s %8.2f %8.2f %9.0f" % (tag, "empty", empty["wall"], empty["cpu"],
                                                empty["rss"]))
        runs = series(binary, src, work, tag)
        for k, r in enumerate(runs):
            print("%-6s %-13s %8.2f %8.2f %9.0f" % (tag, "large, run %d" % (k + 1), r["wall"],
                                                    r["cpu"], r["rss"]))
        key = "ONCE" if tag == "new" else "ONCE_BASE"
        res[key + "_EMPTY_CPU_S"] = "%.2f" % empty["cpu"]
        res[key + "_FIRST_CPU_S"] = "%.2f" % runs[0]["cpu"]
        res[key + "_CPU_S"] = "%.2f" % min(r["cpu"] for r in runs[1:])
        res[key + "_RSS_MB"] = "%.0f" % min(r["rss"] for r in runs[1:])
    print("(run 1 on a file of an older schema also migrates it and backfills first_copies;"
          " runs 2-3: every later start)")
    for k, v in res.items():
        print("RESULT %s=%s" % (k, v))


if __name__ == "__main__":
    main()
