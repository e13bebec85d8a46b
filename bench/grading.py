#!/usr/bin/env python3
"""grading: does the risk model tell a crisis from a good-news story?

  grading.py JINGYU CONFIG [LABELS]

Mirrors the held-out judge of issue 14 on our own hand labels
(bench/labels/police_labels.tsv: posts of the police corpus labelled high,
mid or low with the issue's rubric, split into a dev part we tune on and a
held part we never tune on). Each labelled post gets the same synthetic
cascade: 30 neutral reposts in 30 minutes, written `<comment> //@<user>:<post>`,
from self-media in 清河县, so only the words differ. CONFIG is the
checkout's config.yaml plus one scheme that matches police words (the
caller writes it). Cascades are 60 hours apart, so no event spans two.

Figures, for dev and held: Spearman(band, score) of the original's event at
the end of its cascade; the share of `high` posts graded III or above, and
of `mid` and `low`; the share of reposts that joined their original's
event. Prints human lines, then RESULT KEY=VALUE lines."""
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("JINGYU_SHARED", os.path.join(HERE, "..", "..", "shared"))
POLICE = os.path.join(SHARED, "corpus", "weibo_police_2020.jsonl")
BAND = {"low": 0, "mid": 1, "high": 2}
LEVEL = {"I": 1, "II": 2, "III": 3, "IV": 4}
COMMENTS = ["转发微博", "转发", "看看", "关注", "mark", "转", "路过", "顶", "了解一下", "围观"]
T0 = 1500000000 - 261 * 7 * 86400  # a whole number of weeks before 1.5e9 (the same minute,
# hour and weekday as before: the velocity indicators count clock hours), early enough that
# 1481 cascades 60 h apart end before today (later dates are not believed)


def read_labels(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or line.startswith("line\t"):
                continue
            p = line.rstrip("\n").split("\t")
            rows.append({"line": int(p[0]), "sha": p[1], "band": p[2], "sent": p[3],
                         "cat": p[4], "split": p[5]})
    return rows


def spearman(xs, ys):
    def ranks(v):
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2.0 + 1
            i = j + 1
        return r
    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy) if vx and vy else 0.0


def run(jingyu, config, posts):
    """posts: list of (key, text). Returns {key: (score, level, joined, n)}."""
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "in.jsonl")
        ids = {}
        with open(inp, "w", encoding="utf-8") as f:
            seq = 0
            for k, (key, text) in enumerate(posts):
                base = T0 + k * 60 * 3600
                seq += 1
                ids[seq] = (key, "orig")
                f.write(json.dumps({"id": seq, "text": text, "published": base,
                                    "author": "原帖作者", "source": "微博·清河县",
                                    "media_level": "self-media", "region": "清河县"},
                                   ensure_ascii=False) + "\n")
                for r in range(30):
                    seq += 1
                    ids[seq] = (key, "repost")
                    body = f"{COMMENTS[r % len(COMMENTS)]} //@原帖作者:{text}"
                    f.write(json.dumps({"id": seq, "text": body, "published": base + 60 * (r + 1),
                                        "author": f"网友{r}", "source": "微博·清河县",
                                        "media_level": "self-media", "region": "清河县"},
                                       ensure_ascii=False) + "\n")
        with open(inp, "rb") as fin:
            out = subprocess.run([jingyu, "--config", config, "analyze"], stdin=fin,
                                 capture_output=True, check=True).stdout
    res = {}
    orig_event = {}
    final = {}
    joined = {}
    for line in out.decode().splitlines():
        o = json.loads(line)
        key, kind = ids[o["id"]]
        ev = o.get("event")
        if kind == "orig":
            orig_event[key] = ev
            joined[key] = 0
            final[key] = (o.get("risk_score") or 0, o.get("level"))
        elif ev is not None and ev == orig_event.get(key):
            joined[key] += 1
            final[key] = (o.get("risk_score") or 0, o.get("level"))
    for key in orig_event:
        score, level = final[key]
        res[key] = (score, level, joined[key])
    return res


def report(name, rows, res):
    bands = [BAND[r["band"]] for r in rows]
    scores = [res[r["line"]][0] for r in rows]
    rho = spearman(bands, scores)
    def share(band):
        sel = [r for r in rows if r["band"] == band]
        if not sel:
            return float("nan"), 0
        up = sum(1 for r in sel if LEVEL.get(res[r["line"]][1], 9) <= 3)
        return up / len(sel), len(sel)
    hi, nh = share("high")
    mid, nm = share("mid")
    lo, nl = share("low")
    joined = sum(res[r["line"]][2] for r in rows) / (30.0 * len(rows))
    # The judge's set is about as many posts of each band; ours is mostly
    # low. Spearman on balanced draws (as many of each band as the rarest
    # has, 200 draws) says what the same grades give on such a set.
    rng = random.Random(7)
    per = min(nh, nm, nl)
    bal = []
    for _ in range(200 if per else 0):
        pick = []
        for band in ("high", "mid", "low"):
            pick += rng.sample([r for r in rows if r["band"] == band], per)
        bal.append(spearman([BAND[r["band"]] for r in pick], [res[r["line"]][0] for r in pick]))
    rho_bal = sum(bal) / len(bal) if bal else float("nan")
    print(f"  {name:5} n={len(rows):4}  Spearman(band, score) {rho:.3f} (balanced {rho_bal:.3f})   "
          f">=III: high {hi:.0%} (of {nh}), mid {mid:.0%} (of {nm}), low {lo:.0%} (of {nl})   "
          f"reposts joined {joined:.0%}")
    print(f"RESULT GRADING_{name.upper()}_SPEARMAN={rho:.3f}")
    print(f"RESULT GRADING_{name.upper()}_SPEARMAN_BALANCED={rho_bal:.3f}")
    print(f"RESULT GRADING_{name.upper()}_HIGH_III={hi:.3f}")
    print(f"RESULT GRADING_{name.upper()}_LOW_III={lo:.3f}")
    print(f"RESULT GRADING_{name.upper()}_JOINED={joined:.3f}")


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    jingyu, config = sys.argv[1], sys.argv[2]
    labels = sys.argv[3] if len(sys.argv) > 3 else os.path.join(HERE, "labels", "police_labels.tsv")
    if not os.path.exists(POLICE):
        print(f"grading: skipped, {POLICE} not found")
        return 0
    with open(POLICE, encoding="utf-8") as f:
        corpus = [json.loads(line)["text"] for line in f]
    rows = read_labels(labels)
    changed = [r for r in rows
               if hashlib.sha1(corpus[r["line"] - 1].encode()).hexdigest()[:12] != r["sha"]]
    if changed:
        print(f"grading: {len(changed)} labelled lines no longer match the corpus; skipped")
        rows = [r for r in rows if r not in changed]
    res = run(jingyu, config, [(r["line"], corpus[r["line"] - 1]) for r in rows])
    print("grading: each labelled post + 30 neutral reposts in 30 minutes (self-media, 清河县)")
    for part in ("dev", "held"):
        report(part, [r for r in rows if r["split"] == part], res)
    if os.environ.get("GRADING_SHOW"):
        for r in rows:
            if r["split"] != "dev":
                continue
            s, lv, _ = res[r["line"]]
            print(f"{r['band']:4} {lv or '-':4} {s:5.1f} {r['cat']:11} {corpus[r['line'] - 1][:70]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
