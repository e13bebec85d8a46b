#!/usr/bin/env python3
"""analysis: the analysis benchmarks (issue: schemes, near-duplicates, events,
sentiment, risk).

  analysis.py JINGYU WORKDIR ITEMS FEEDS FEED_ITEMS REPEATS [BASELINE_JINGYU]

1. `jingyu analyze` on the police corpus repeated to ITEMS lines (one stream
   in time order from 2020 to a month ago, see write_input), with
   200 schemes and 5,000 term slots from bench/gen_schemes.py: items/s, MB/s
   of input, CPU seconds and peak RSS of the one process. `analyze` runs on
   two threads (the second reads and makes the items' text analysis ahead),
   so CPU seconds may exceed wall seconds; the same input with
   `--threads 1` says what one core does. The baseline in the same run is
   the same input with one scheme of 25 terms: their ratio says how much
   200 schemes cost over one.
2. Near-duplicates on the corpus (one pass, 12,621 posts): groups of
   `duplicate_of` against groups of identical normalised text (what an exact
   match after normalisation would merge). Recovered: exact groups that the
   near-duplicate groups hold whole. Extra merges: near-duplicate links whose
   two normalised texts differ. Five examples of each for a person to judge.
3. collect -> analyse -> store from FEEDS local feeds of FEED_ITEMS items
   (`collect --once` into a fresh database, median of REPEATS): jingyu with
   the 200 schemes against BASELINE_JINGYU, the foundation's binary, which
   stores without analysis. The analysis should cost under half (ratio < 1.5).
4. The trainer (bench/train.sh): macro-F1 on the held-back fifth of the
   labelled emotion corpus, against the lexicon alone.

Sections that need the corpus are skipped without it. Prints human lines,
then KEY=VALUE lines prefixed "RESULT " for run.sh."""
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ingest  # noqa: E402  (the feed server and timing helpers)

SHARED = os.environ.get("JINGYU_SHARED", os.path.join(HERE, "..", "..", "shared"))
POLICE = os.path.join(SHARED, "corpus", "weibo_police_2020.jsonl")
RESULTS = {}


def timed(argv, stdin_path=None, stdout_path=os.devnull):
    """(wall s, CPU s, peak RSS MiB, exit status) of one child."""
    with open(stdin_path or os.devnull, "rb") as fin, open(stdout_path, "wb") as fout:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdin=fin, stdout=fout, stderr=subprocess.PIPE)
        err = p.stderr.read()
        _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    rc = os.waitstatus_to_exitcode(status)
    if rc:
        print(f"  {os.path.basename(argv[0])} exited {rc}: {err.decode(errors='replace')[-300:]}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0, rc


def corpus_rows():
    with open(POLICE, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def write_input(rows, n, path, real_dates=False):
    """n analyze input lines from rows, repeated, as one stream in time order:
    pass p of the corpus (January to May 2020) is squeezed into its own
    stretch of the years from January 2020 to a month ago, so the stream
    never goes back in time nor into the future, whatever n is."""
    days = [date.fromisoformat(r["date"]) for r in rows]
    d0, d1 = min(days), max(days)
    span = (d1 - d0).days + 1
    passes = -(-n // len(rows))
    stretch = ((date.today() - timedelta(days=30)) - d0).days * 86400 / passes
    if real_dates:  # one pass on the corpus's own dates
        passes, stretch = 1, span * 86400
    start = datetime(d0.year, d0.month, d0.day, tzinfo=timezone.utc)
    k = 0
    with open(path, "w", encoding="utf-8") as out:
        while k < n:
            p = k // len(rows)
            for r, d in zip(rows, days):
                at = start + timedelta(seconds=p * stretch +
                                       ((d - d0).days + 0.33) / span * stretch)
                out.write(json.dumps({"id": k + 1, "text": r["text"],
                                      "published": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                      "source": "微博", "media_level": "self-media"},
                                     ensure_ascii=False) + "\n")
                k += 1
                if k == n:
                    break
    return os.path.getsize(path)


def schemes_config(path, schemes, terms):
    subprocess.run([sys.executable, os.path.join(HERE, "gen_schemes.py"), POLICE, path,
                    str(schemes), str(terms)], check=True, stdout=subprocess.DEVNULL)
    return path


def throughput(jingyu, work, n):
    print(f"\n-- 1. jingyu analyze: {n} items (the police corpus repeated) --")
    big = schemes_config(os.path.join(work, "s200.yaml"), 200, 5000)
    one = schemes_config(os.path.join(work, "s1.yaml"), 1, 25)
    inp = os.path.join(work, "items.jsonl")
    size = write_input(corpus_rows(), n, inp)
    rows = {}
    for name, cfg, extra in (("1 scheme / 25 terms", one, []),
                             ("200 schemes / 5000 terms", big, []),
                             ("200 schemes, one thread", big, ["--threads", "1"])):
        wall, cpu, rss, rc = timed([jingyu, "--config", cfg, "analyze"] + extra, inp)
        rows[name] = (wall, cpu, rss)
        print(f"  {name:26s} {wall:7.2f} s wall, {cpu:7.2f} s CPU: {n / wall:9.0f} items/s, "
              f"{size / wall / 1e6:6.1f} MB/s, peak RSS {rss:.0f} MiB")
    w200, w1 = rows["200 schemes / 5000 terms"][0], rows["1 scheme / 25 terms"][0]
    print(f"  input {size / 1e6:.0f} MB; 200 schemes cost {w200 / w1:.2f}x one scheme "
          f"(target: at least 65,000 items/s, aiming at 150,000)")
    RESULTS.update(AN_IPS=f"{n / w200:.0f}", AN_MBS=f"{size / w200 / 1e6:.1f}",
                   AN_RSS_MB=f"{rows['200 schemes / 5000 terms'][2]:.0f}",
                   AN_IPS_ONE=f"{n / w1:.0f}", AN_RATIO_ONE=f"{w200 / w1:.2f}", AN_ITEMS=str(n),
                   AN_IPS_T1=f"{n / rows['200 schemes, one thread'][0]:.0f}")
    return big


def near_duplicates(jingyu, work, cfg):
    print("\n-- 2. near-duplicates against exact groups after normalisation (corpus, one pass) --")
    rows = corpus_rows()
    inp = os.path.join(work, "corpus.jsonl")
    write_input(rows, len(rows), inp, real_dates=True)
    out = os.path.join(work, "corpus.out")
    timed([jingyu, "--config", cfg, "analyze"], inp, out)
    with open(out, encoding="utf-8") as f:
        res = [json.loads(line) for line in f]
    norm = {r["id"]: r["normalized"] for r in res}
    root = {}
    for r in res:
        d = r["duplicate_of"]
        root[r["id"]] = root.get(d, d) if d is not None else r["id"]
    exact = defaultdict(list)
    for r in res:
        exact[r["normalized"]].append(r["id"])
    exact_groups = [g for g in exact.values() if len(g) > 1]
    near = defaultdict(list)
    for i, rt in root.items():
        near[rt].append(i)
    near_groups = [g for g in near.values() if len(g) > 1]
    recovered = [g for g in exact_groups if len({root[i] for i in g}) == 1]
    missed = [g for g in exact_groups if len({root[i] for i in g}) > 1]
    extra = [(r["id"], r["duplicate_of"]) for r in res
             if r["duplicate_of"] is not None and norm[r["id"]] != norm[r["duplicate_of"]]]
    short = sum(1 for g in missed if len(norm[g[0]].encode()) < 12)
    print(f"  {len(res)} posts; exact groups (2+ identical normalised texts): {len(exact_groups)} "
          f"holding {sum(map(len, exact_groups))} posts")
    print(f"  near-duplicate groups: {len(near_groups)} holding {sum(map(len, near_groups))} posts")
    print(f"  exact groups recovered whole: {len(recovered)} of {len(exact_groups)} "
          f"({100.0 * len(recovered) / max(1, len(exact_groups)):.1f}%); missed {len(missed)} "
          f"({short} of them shorter than 12 bytes, too short to call duplicates)")
    print(f"  extra merges (linked, normalised texts differ): {len(extra)}")

    def clip(s, n=70):
        return s if len(s) <= n else s[:n] + "…"

    def around_difference(a, b, n=60):
        """Both texts from a little before the first character where they
        differ, so that a reader sees what the merge ignored."""
        k = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        start = max(0, k - 15)
        pre = "…" if start else ""
        return pre + clip(a[start:], n), pre + clip(b[start:], n)
    print("  five extra merges (item | its first copy, from just before they differ):")
    step = max(1, len(extra) // 5)
    for i, d in extra[::step][:5]:
        a, b = around_difference(norm[i], norm[d])
        print(f"    - {a}\n      {b}")
    print("  five recovered exact groups (size: text):")
    big_first = sorted(recovered, key=len, reverse=True)
    for g in big_first[:3] + big_first[len(big_first) // 2:len(big_first) // 2 + 2]:
        print(f"    - {len(g)}: {clip(norm[g[0]])}")
    if missed:
        print("  missed exact groups (size: text):")
        for g in missed[:5]:
            print(f"    - {len(g)}: {clip(norm[g[0]])!r}")
    RESULTS.update(DUP_EXACT=str(len(exact_groups)), DUP_RECOVERED=str(len(recovered)),
                   DUP_EXTRA=str(len(extra)), DUP_NEAR=str(len(near_groups)))


def pipeline(jingyu, baseline, work, feeds, items, repeats, schemes):
    print(f"\n-- 3. collect -> analyse -> store: {feeds} local feeds x {items} items --")
    server = ingest.start_server(feeds, items, work)
    try:
        plain = os.path.join(work, "plain.yaml")
        db = os.path.join(work, "pipe.db")
        ingest.write_jingyu_config(plain, db, server.port, feeds)
        with_schemes = os.path.join(work, "analysed.yaml")
        with open(with_schemes, "w", encoding="utf-8") as f, \
                open(plain, encoding="utf-8") as p, open(schemes, encoding="utf-8") as s:
            f.write(p.read())
            f.write("".join(line for line in s if not line.startswith(("database:", "sources:"))))
        runs = {"analysed": [], "baseline": []}
        for _ in range(repeats):
            for kind, argv in (("baseline", [baseline, "--config", plain, "collect", "--once"]),
                               ("analysed", [jingyu, "--config", with_schemes, "collect",
                                             "--once"])):
                if kind == "baseline" and not baseline:
                    continue
                ingest.remove_db(db)
                server.reset()
                wall, cpu, rss, rc = timed(argv)
                n = ingest.count(db, "SELECT count(*) FROM items")
                note = ""
                if kind == "analysed":
                    ev = ingest.count(db, "SELECT count(*) FROM events")
                    un = ingest.count(db, "SELECT count(*) FROM items WHERE sentiment IS NULL")
                    note = f", {ev} events, {un} items without analysis"
                print(f"  {kind:9s} {wall:6.2f} s (CPU {cpu:.2f} s, {n} items, "
                      f"{n / wall:.0f} items/s, {rss:.0f} MiB{note})")
                runs[kind].append(wall)
        a = statistics.median(runs["analysed"])
        RESULTS.update(PIPE_S=f"{a:.2f}", PIPE_IPS=f"{feeds * items / a:.0f}")
        if runs["baseline"]:
            b = statistics.median(runs["baseline"])
            print(f"  median: analysed {a:.2f} s, foundation without analysis {b:.2f} s: "
                  f"analysis costs {a / b:.2f}x (target under 1.5x)")
            RESULTS.update(PIPE_BASE_S=f"{b:.2f}", PIPE_RATIO=f"{a / b:.2f}")
        else:
            print("  no baseline binary (the foundation's build): ratio not measured")
    finally:
        server.stop()


def trainer(jingyu):
    print("\n-- 4. the trainer: macro-F1 on the held-back fifth --")
    p = subprocess.run(["sh", os.path.join(HERE, "train.sh"), jingyu], capture_output=True,
                       text=True)
    print("  " + (p.stdout + p.stderr).strip().replace("\n", "\n  "))
    m = re.search(r"macro-F1: model ([0-9.]+), lexicon ([0-9.]+)", p.stdout)
    if m:
        RESULTS.update(TRAIN_F1=m.group(1), TRAIN_LEX_F1=m.group(2))


def main():
    jingyu, work = sys.argv[1], sys.argv[2]
    n, feeds, items, repeats = (int(x) for x in sys.argv[3:7])
    baseline = sys.argv[7] if len(sys.argv) > 7 and os.access(sys.argv[7], os.X_OK) else None
    os.makedirs(work, exist_ok=True)
    have = os.path.exists(POLICE)
    if have:
        schemes = throughput(jingyu, work, n)
        near_duplicates(jingyu, work, schemes)
    else:
        print(f"analysis: {POLICE} not found: sections 1 and 2 skipped, 3 runs with no schemes")
        schemes = os.path.join(work, "none.yaml")
        with open(schemes, "w") as f:
            f.write("database: x.db\nsources: []\n")
    pipeline(jingyu, baseline, work, feeds, items, repeats, schemes)
    trainer(jingyu)
    for k, v in RESULTS.items():
        print(f"RESULT {k}={v}")


if __name__ == "__main__":
    main()
