#!/usr/bin/env python3
"""run.py BUILD_DIR SECONDS [NAME...]: runs each libFuzzer harness of
tests/fuzz (built in BUILD_DIR by `make fuzz`) for SECONDS, seeded from the
repository's own fixtures (tests/fixtures, data/demo, config.yaml), from
the inputs that once crashed it (tests/fuzz/regress/NAME/) and from what
earlier runs found (BUILD_DIR/fuzz-corpus/NAME, kept between runs). A crash, leak, timeout or sanitizer report leaves its input in
BUILD_DIR/fuzz-artifacts/ and makes the exit status 1. Prints one line per
harness, then `fuzz: N harnesses, N crashed`."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys

# A fixed seed: the same build explores the same way (the number of runs
# still depends on the machine's speed). FUZZ_SEED=0 lets libFuzzer choose.
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "1"))
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))

DATES = ["Sat, 07 Sep 2002 00:00:01 GMT", "2003-12-31T10:14:55Z", "2003-12-31T10:14:55.1234-08:00",
         "2020-05-01 08:30:00", "Thu, 5 Jun 2003 09:00 +0800", "2003-12", "2003", "2003-335",
         "2003-W01-2", "20031231T101455Z", "Mon, 31 Dec 2003 12:00:00 PST", "1588291200"]
EXPRS = ["(抢孩子 OR 面包车 OR \"网传\" OR 谣言) AND (实验小学 OR 家长 OR 报警)\n网传实验小学门口有人抢孩子",
         "警察 AND NOT 演练\n民警在检查站执勤", "(a OR (b AND c)) AND NOT \"d e\"\nb c d"]


def files(pattern):
    return sorted(p for p in glob.glob(os.path.join(ROOT, pattern), recursive=True) if os.path.isfile(p))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def demo_lines():
    out = []
    for p in files("data/demo/*.jsonl"):
        out += [l for l in read(p).split(b"\n") if l.strip()]
    return out


def demo_texts():
    texts = []
    for line in demo_lines():
        o = json.loads(line)
        title = o.get("title", "")
        texts.append((title + "\t" + o.get("content", o.get("text", ""))).encode())
    return texts


def seeds(name):
    feeds = [read(p) for p in files("tests/fixtures/feeds/*") + files("tests/fixtures/http/*")]
    if name == "feed":
        return [b"\0" + f for f in feeds] + [b"\2" + f for f in feeds[:3]]
    if name == "charset":
        return [bytes([i * 37 & 0xff]) + f for i, f in enumerate(feeds)]
    if name in ("jsonl", "jsonpick"):
        return demo_lines()[:40] + [b'{"a":1,"a":"x","title":"\\u6807\\ud83d\\ude00"}', b"{}"]
    if name == "date":
        return [d.encode() for d in DATES]
    if name == "scheme":
        return [e.encode() for e in EXPRS]
    if name == "config":
        return [read(p) for p in files("tests/fixtures/config/**/*.yaml")] + [read(os.path.join(ROOT, "config.yaml"))]
    if name == "analyzer":
        texts = demo_texts()
        # a few stories as whole inputs, items a few minutes apart
        return [b"\n".join(bytes([3]) + t for t in texts[i:i + 12]) for i in range(0, len(texts), 12)]
    return []


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    build, seconds = os.path.abspath(sys.argv[1]), int(sys.argv[2])
    names = sys.argv[3:] or sorted(os.path.basename(p)[5:-2] for p in glob.glob(os.path.join(HERE, "fuzz_*.c")))
    artifacts = os.path.join(build, "fuzz-artifacts")
    os.makedirs(artifacts, exist_ok=True)
    crashed = 0
    for name in names:
        exe = os.path.join(build, "tests", "fuzz", "fuzz_" + name)
        if not os.access(exe, os.X_OK):
            print(f"fuzz_{name}: not built ({exe})")
            crashed += 1
            continue
        corpus = os.path.join(build, "fuzz-corpus", name)
        os.makedirs(corpus, exist_ok=True)
        for i, s in enumerate(seeds(name)):
            with open(os.path.join(corpus, f"seed-{i:03d}"), "wb") as f:
                f.write(s)
        # inputs that once crashed a harness stay in its corpus for good
        for p in files(f"tests/fuzz/regress/{name}/*"):
            shutil.copy(p, os.path.join(corpus, "regress-" + os.path.basename(p)))
        env = dict(os.environ, LANG="C.UTF-8", JINGYU_DATADIR=os.path.join(ROOT, "data"),
                   ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1",
                   UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
        cmd = [exe, corpus, f"-max_total_time={seconds}", f"-seed={FUZZ_SEED}", "-timeout=20", "-rss_limit_mb=2048",
               "-max_len=65536", "-print_final_stats=1", f"-artifact_prefix={artifacts}/{name}-"]
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        log = p.stdout.decode("utf-8", "replace")
        with open(os.path.join(build, f"fuzz-{name}.log"), "w") as f:
            f.write(log)
        runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", log)
        cov = re.findall(r"cov: (\d+)", log)
        if p.returncode != 0:
            crashed += 1
            tail = "\n".join(log.splitlines()[-40:])
            print(f"fuzz_{name}: FAILED (status {p.returncode}); log {build}/fuzz-{name}.log\n{tail}")
        else:
            print(f"fuzz_{name}: ok, {runs.group(1) if runs else '?'} runs in {seconds} s, "
                  f"coverage {cov[-1] if cov else '?'} edges")
    print(f"fuzz: {len(names)} harnesses, {crashed} crashed")
    sys.exit(1 if crashed else 0)


if __name__ == "__main__":
    main()
