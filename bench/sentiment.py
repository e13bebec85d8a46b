#!/usr/bin/env python3
"""sentiment: how well jingyu tells negative posts from the rest.

  sentiment.py [JINGYU] [--quiet] [--dev-only] [--set=emotion|police]
                                      (default: build-bench/jingyu, else build/jingyu)

--dev-only measures the dev parts alone (what to look at while tuning: the
held parts are looked at once, at the end); --set= measures one set.

The figure is macro-F1 over two classes, negative against the rest (the mean
of the F1 of "negative" and the F1 of "not negative"), which is what a duty
officer acts on. Two labelled sets:

  emotion  $JINGYU_SHARED/corpus/weibo_emotion_2020.jsonl, general Weibo talk
           labelled with emotions: fear, disgust, sadness, anger are negative;
           optimism and gratitude positive, surprise neutral (for training).
           The corpus repeats itself; each distinct text is kept once.
  police   posts of $JINGYU_SHARED/corpus/weibo_police_2020.jsonl labelled by
           hand (bench/labels/police_labels.tsv: line number and label only,
           never the text; skipped when absent).

Every set is split for good into a third "held" (never look at it while
tuning) and the rest "dev". The police set takes its split from the label
file's split column, the one bench/grading.py uses, so that a post is held
in both benches (the file's rule: held when the first 12 hex digits of the
SHA-1 of the text, as a number, are divisible by 3; used when a row has no
split). The emotion set has no label file: it is split by the first 8 hex
digits of the SHA-1 of each text (as it always was, so its figures stay
comparable).
Reported for both parts:

  lexicon          `jingyu analyze` out of the box
  emotion-trained  after `jingyu train` on the emotion set's dev part
  police-trained   after `jingyu train` on the police set's dev part

A model's dev figure on its own set cannot come from texts it trained on: it
is three-fold cross-validation within dev (train on two thirds, score the
third); its held figure is the model trained on all of dev.

Prints human lines, then KEY=VALUE lines prefixed "RESULT " (for run.sh).
Corpora come from $JINGYU_SHARED (default ../shared beside the repository);
the script skips what it cannot find and exits 0."""
import getpass
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
SHARED = os.environ.get("JINGYU_SHARED", os.path.join(TOP, "..", "shared"))
EMOTION = os.path.join(SHARED, "corpus", "weibo_emotion_2020.jsonl")
POLICE = os.path.join(SHARED, "corpus", "weibo_police_2020.jsonl")
LABELS = os.path.join(HERE, "labels", "police_labels.tsv")

EMOTION_CLASS = {"fear": "negative", "disgust": "negative", "sadness": "negative",
                 "anger": "negative", "optimism": "positive", "gratitude": "positive",
                 "surprise": "neutral"}
POLICE_CLASS = {"neg": "negative", "neu": "neutral", "pos": "positive"}


def held(text, digits=8):
    """A third of the texts, by a hash of the text (the label file's rule
    with digits=12)."""
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:digits], 16) % 3 == 0


def emotion_set():
    if not os.path.exists(EMOTION):
        return None
    seen, rows = set(), []
    with open(EMOTION, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            c = EMOTION_CLASS.get(r.get("emotion"))
            if c and r["text"] not in seen:
                seen.add(r["text"])
                rows.append((r["text"], c, "held" if held(r["text"]) else "dev"))
    return rows


def police_set():
    if not (os.path.exists(POLICE) and os.path.exists(LABELS)):
        return None
    want = {}
    with open(LABELS, encoding="utf-8") as f:
        header = f.readline()
        while header.startswith("#"):  # the file opens with a comment on how it was made
            header = f.readline()
        header = header.rstrip("\n").split("\t")
        for line in f:
            cols = dict(zip(header, line.rstrip("\n").split("\t")))
            c = POLICE_CLASS.get(cols.get("sent", "").strip())
            split = cols.get("split", "").strip()
            if c and cols.get("line", "").strip().isdigit():
                want[int(cols["line"])] = (c, split if split in ("dev", "held") else None)
    seen, rows = set(), []
    with open(POLICE, encoding="utf-8") as f:
        for k, line in enumerate(f, 1):
            if k in want:
                text = json.loads(line)["text"]
                if text not in seen:  # the same post twice would sit in both counts
                    seen.add(text)
                    c, split = want[k]
                    rows.append((text, c, split or ("held" if held(text, 12) else "dev")))
    return rows


def macro_f1(truth, pred):
    """Negative against the rest."""
    f1 = 0.0
    for neg in (True, False):
        tp = sum(1 for t, p in zip(truth, pred) if (t == "negative") == neg and
                 (p == "negative") == neg)
        n_t = sum(1 for t in truth if (t == "negative") == neg)
        n_p = sum(1 for p in pred if (p == "negative") == neg)
        f1 += 2.0 * tp / (n_t + n_p) if n_t + n_p else 0.0
    return f1 / 2


def analyze(jingyu, cfg, texts, db=None):
    """jingyu analyze's sentiment for each text, in order."""
    inp = "".join(json.dumps({"id": i + 1, "text": t}, ensure_ascii=False) + "\n"
                  for i, t in enumerate(texts))
    argv = [jingyu, "--config", cfg, "analyze"] + (["--db", db] if db else [])
    p = subprocess.run(argv, input=inp.encode("utf-8"), capture_output=True, check=True)
    out = [json.loads(line)["sentiment"] for line in p.stdout.decode("utf-8").splitlines()]
    if len(out) != len(texts):
        raise RuntimeError("jingyu analyze gave %d lines for %d texts" % (len(out), len(texts)))
    return out


def train(jingyu, cfg, work, name, rows, quiet=False):
    """Trains a model on rows into a scratch database; its path, or None."""
    path = os.path.join(work, name + ".jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for text, c in rows:
            f.write(json.dumps({"text": text, "label": c}, ensure_ascii=False) + "\n")
    db = os.path.join(work, name + ".db")
    # replacing a database's model is an admin's: the scratch database's
    # first person (who needs nobody's leave) is whoever runs the benchmark
    own = os.path.join(work, name + ".yaml")
    with open(own, "w") as f:
        f.write("database: %s\nsources: []\n" % db)
    subprocess.run([jingyu, "--config", own, "person", "add", getpass.getuser(), "--name", "基准",
                    "--roles", "admin"], capture_output=True, check=True)
    t0 = time.monotonic()
    p = subprocess.run([jingyu, "--config", cfg, "train", path, "--holdout", "0", "--db", db],
                       capture_output=True, text=True)
    if p.returncode:
        print(f"  jingyu train ({name}) failed: {p.stderr.strip()[-300:]}")
        return None
    if not quiet:
        print(f"  trained {name} on {len(rows)} texts in {time.monotonic() - t0:.1f} s")
    return db


def cross_validate(jingyu, cfg, work, name, rows, folds=3):
    """(rows, predictions): each fold scored by a model trained on the others."""
    out_rows, pred = [], []
    for k in range(folds):
        fit = [r for i, r in enumerate(rows) if i % folds != k]
        test = [r for i, r in enumerate(rows) if i % folds == k]
        db = train(jingyu, cfg, work, "%s-cv%d" % (name, k), fit, quiet=True)
        if not db:
            return [], []
        out_rows += test
        pred += analyze(jingyu, cfg, [t for t, _ in test], db)
    return out_rows, pred


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    dev_only = "--dev-only" in sys.argv[1:]
    only = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--set=")]
    jingyu = args[0] if args else None
    if not jingyu:
        for cand in ("build-bench/jingyu", "build/jingyu"):
            if os.access(os.path.join(TOP, cand), os.X_OK):
                jingyu = os.path.join(TOP, cand)
                break
    if not jingyu or not os.access(jingyu, os.X_OK):
        print("sentiment: no jingyu binary (build first)")
        return 1
    sets = {"emotion": emotion_set(), "police": police_set()}
    if sets["emotion"] is None:
        print(f"sentiment: {EMOTION} not found: emotion set skipped")
    if sets["police"] is None:
        print(f"sentiment: {LABELS} or {POLICE} not found: police set skipped")
    sets = {k: v for k, v in sets.items() if v and (not only or k in only)}
    if not sets:
        return 0
    results = {}
    with tempfile.TemporaryDirectory(prefix="jy-sent-") as work:
        cfg = os.path.join(work, "c.yaml")
        with open(cfg, "w") as f:
            f.write("database: %s\nsources: []\n" % os.path.join(work, "none.db"))
        parts = {}
        for name, rows in sets.items():
            dev = [(t, c) for t, c, split in rows if split == "dev"]
            hld = [(t, c) for t, c, split in rows if split == "held"]
            parts[name] = {"dev": dev, "held": hld}
            neg = sum(1 for r in rows if r[1] == "negative")
            print(f"  {name}: {len(rows)} texts ({neg} negative), dev {len(dev)}, held {len(hld)}")
        models = {"lexicon": None}
        for name in ("emotion", "police"):
            if name in parts:
                db = train(jingyu, cfg, work, name, parts[name]["dev"])
                if db:
                    models[name + "-trained"] = db
        print(f"  {'macro-F1 (negative vs rest)':30s} {'dev':>6s} {'held':>6s}")
        for set_name, p in parts.items():
            for model, db in models.items():
                row = []
                for part in ("dev",) if dev_only else ("dev", "held"):
                    rows = p[part]
                    if part == "dev" and model == set_name + "-trained":
                        rows, pred = cross_validate(jingyu, cfg, work, set_name, rows)
                    else:
                        pred = analyze(jingyu, cfg, [t for t, _ in rows], db)
                    f1 = macro_f1([c for _, c in rows], pred)
                    row.append(f1)
                    results[f"SENT_{set_name}_{model}_{part}".upper().replace("-", "_")] = \
                        f"{f1:.3f}"
                note = "  (dev: 3-fold cross-validation)" if model == set_name + "-trained" else ""
                held_f1 = f"{row[1]:6.3f}" if len(row) > 1 else "     -"
                print(f"  {set_name + ' / ' + model:30s} {row[0]:6.3f} {held_f1}{note}")
    for k, v in results.items():
        print(f"RESULT {k}={v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
