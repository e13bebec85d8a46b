#!/usr/bin/env python3
"""cascades: early warning on repost cascades, as issue 14's held-out judge
measures it.

  cascades.py JINGYU CONFIG [N_CASCADES]

Builds N_CASCADES (default 200) cascades from the police corpus: each starts
from one distinct original post (no //@ chain of its own) and grows by
reposts written `<comment> //@<user>:<text>` (a third of them repost a
repost, so the chain has two levels), whose comments are the own words of
real reposts in the corpus (short reactions such as 等通报 or 转发微博).
Sizes are heavy-tailed (lognormal, 3 to 2,000); each cascade decays with a
time constant of its own (half an hour to half a day), so the first hour
says something about the final size but not everything. Cascades start
over ten days and are interleaved in time order, from self-media in
清河县. Cascades split into dev (tuned on) and held (never tuned on) by a
hash of the original's text.

Figures, for dev and held:
- B-cubed precision, recall and F1 of the events against the cascades
  (an item in no event is a cluster of its own);
- the share of items graded (in an event with a level);
- AUC of the highest risk score in a cascade's first hour, and of its
  first-hour item count, for telling the cascades that end in the top
  quarter of size.
Prints human lines, then RESULT KEY=VALUE lines."""
import hashlib
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("JINGYU_SHARED", os.path.join(HERE, "..", "..", "shared"))
POLICE = os.path.join(SHARED, "corpus", "weibo_police_2020.jsonl")
T0 = 1550000000  # 2019: every date is before today (later dates are not believed)


def build(n, seed=20261207):
    rng = random.Random(seed)
    with open(POLICE, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    originals, seen, comments = [], set(), []
    for t in texts:
        if "//@" in t:
            own = t.split("//@")[0].strip()
            if 0 < len(own) <= 40:
                comments.append(own)
            continue
        key = re.sub(r"\W", "", t)[:40]
        if len(t) >= 30 and key not in seen:
            seen.add(key)
            originals.append(t)
    comments += ["转发微博"] * (len(comments) // 3)
    rng.shuffle(originals)
    originals = originals[:n]
    items = []
    cascades = []
    for c, orig in enumerate(originals):
        size = int(min(2000, max(3, rng.lognormvariate(4.2, 1.3))))
        tau = rng.uniform(1800, 43200)
        start = T0 + rng.uniform(0, 10 * 86400)
        split = "held" if int(hashlib.sha1(orig.encode()).hexdigest(), 16) % 3 == 0 else "dev"
        cascades.append({"size": size, "start": start, "split": split})
        items.append((start, c, orig, "原作者%d" % c))
        level1 = []
        for k in range(1, size):
            at = start + rng.expovariate(1.0 / tau)
            comment = rng.choice(comments)
            user = "网友%d_%d" % (c, k)
            if level1 and rng.random() < 0.33:
                pu, pc = rng.choice(level1)
                text = f"{comment} //@{pu}:{pc} //@原作者{c}:{orig}"
            else:
                text = f"{comment} //@原作者{c}:{orig}"
                level1.append((user, comment))
            items.append((at, c, text, user))
    items.sort()
    return items, cascades


def auc(scores, labels):
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return float("nan")
    wins = 0.0
    for p in pos:
        for q in neg:
            wins += 1.0 if p > q else 0.5 if p == q else 0.0
    return wins / (len(pos) * len(neg))


def bcubed(gold, pred):
    """gold, pred: lists of cluster keys per item."""
    by_pred, by_gold = defaultdict(list), defaultdict(list)
    for i, (g, p) in enumerate(zip(gold, pred)):
        by_pred[p].append(i)
        by_gold[g].append(i)
    pair = defaultdict(int)
    for g, p in zip(gold, pred):
        pair[(g, p)] += 1
    prec = sum(pair[(g, p)] / len(by_pred[p]) for g, p in zip(gold, pred)) / len(gold)
    rec = sum(pair[(g, p)] / len(by_gold[g]) for g, p in zip(gold, pred)) / len(gold)
    return prec, rec, 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    jingyu, config = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    if not os.path.exists(POLICE):
        print(f"cascades: skipped, {POLICE} not found")
        return 0
    items, cascades = build(n)
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "in.jsonl")
        with open(inp, "w", encoding="utf-8") as f:
            for i, (at, c, text, user) in enumerate(items):
                f.write(json.dumps({"id": i + 1, "text": text, "published": int(at),
                                    "author": user, "source": "微博·清河县",
                                    "media_level": "self-media", "region": "清河县"},
                                   ensure_ascii=False) + "\n")
        with open(inp, "rb") as fin:
            out = subprocess.run([jingyu, "--config", config, "analyze"], stdin=fin,
                                 capture_output=True, check=True).stdout.decode().splitlines()
    first_score = defaultdict(float)
    first_count = defaultdict(int)
    pred, graded = [], []
    for line, (at, c, _, _) in zip(out, items):
        o = json.loads(line)
        ev = o.get("event")
        pred.append(("e", ev) if ev is not None else ("i", o["id"]))
        graded.append(bool(o.get("level")))
        if at - cascades[c]["start"] <= 3600:
            first_count[c] += 1
            first_score[c] = max(first_score[c], o.get("risk_score") or 0)
    sizes = sorted(x["size"] for x in cascades)
    top = sizes[int(len(sizes) * 0.75)]
    print(f"cascades: {len(cascades)} cascades, {len(items)} posts in time order "
          f"(sizes {sizes[0]}..{sizes[-1]}, top quarter >= {top})")
    for part in ("dev", "held"):
        idx = [i for i, (_, c, _, _) in enumerate(items) if cascades[c]["split"] == part]
        cs = [c for c in range(len(cascades)) if cascades[c]["split"] == part]
        p, r, f1 = bcubed([items[i][1] for i in idx], [pred[i] for i in idx])
        g = sum(graded[i] for i in idx) / len(idx)
        labels = [cascades[c]["size"] >= top for c in cs]
        a_score = auc([first_score[c] for c in cs], labels)
        a_count = auc([first_count[c] for c in cs], labels)
        print(f"  {part:5} {len(cs):3} cascades, {len(idx):6} posts   B-cubed P {p:.3f} R {r:.3f} "
              f"F1 {f1:.3f}   graded {g:.0%}   AUC first-hour score {a_score:.3f}, "
              f"count {a_count:.3f}")
        up = part.upper()
        print(f"RESULT CASCADE_{up}_BCUBED_P={p:.3f}")
        print(f"RESULT CASCADE_{up}_BCUBED_F1={f1:.3f}")
        print(f"RESULT CASCADE_{up}_GRADED={g:.3f}")
        print(f"RESULT CASCADE_{up}_AUC_SCORE={a_score:.3f}")
        print(f"RESULT CASCADE_{up}_AUC_COUNT={a_count:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
