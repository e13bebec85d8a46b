#!/usr/bin/env python3
"""console: times the ncurses console on a large database through a private
tmux server, the way an operator sees it.

  console.py JINGYU CONFIG KEYS

- first screen: from starting `jingyu --no-collect` in a fresh tmux session
  until capture-pane shows a feed row (a line with a bench source's name).
  Baseline, same run: a session running `echo` of a marker, until the marker
  shows (what tmux and the polling cost by themselves).
- keypress to redraw: KEYS times, send `j` and poll capture-pane (with
  attributes, so the moved highlight counts; without the header line, whose
  clock ticks) until the screen differs. Baseline, same loop with no key sent:
  the cost of one capture-pane and compare, i.e. the measuring floor.
Prints human lines and KEY=VALUE lines prefixed "RESULT ".
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SOCK_DIR = tempfile.mkdtemp(prefix="jybench-tmux.")  # private servers, removed at exit
SOCK = ""
N_SESSIONS = 0
ROW = re.compile(r"\bbench-\d\d\b")


def tmux(*args):
    return subprocess.run(["tmux", "-S", SOCK, *args], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, check=False).stdout.decode(errors="replace")


def capture(attrs=True, header=False):
    out = tmux("capture-pane", "-p", *(["-e"] if attrs else []), "-t", "jb")
    if header:
        return out
    return out.split("\n", 1)[1] if "\n" in out else ""  # drop the header (its clock ticks)


def start(cmd):
    # a new server (socket) for every session: a new session on a socket
    # whose server was just told to exit can land on the dying server
    global SOCK, N_SESSIONS
    N_SESSIONS += 1
    SOCK = os.path.join(SOCK_DIR, f"s{N_SESSIONS}")
    tmux("-f", "/dev/null", "new-session", "-d", "-s", "jb", "-x", "100", "-y", "30", cmd)


def wait_for(pred, timeout):
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        s = capture(attrs=False, header=True)
        if pred(s):
            return True
        time.sleep(0.002)
    return False


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))]


def main():
    jingyu, cfg, keys = sys.argv[1], sys.argv[2], int(sys.argv[3])
    res = {}
    try:
        # baseline first screen: a trivial program in the same kind of session
        base = []
        for _ in range(3):
            t0 = time.monotonic()
            start("echo JYBENCH-READY; sleep 30")
            ok = wait_for(lambda s: "JYBENCH-READY" in s, 10)
            base.append(time.monotonic() - t0)
            tmux("kill-server")
            if not ok:
                print("console: tmux baseline session never showed its marker")
        first = []
        for attempt in range(3):
            t0 = time.monotonic()
            start(f"TERM=screen LANG=C.UTF-8 NO_COLOR= {jingyu} --config {cfg} --no-collect"
                  f" 2>/dev/null; sleep 30")
            ok = wait_for(lambda s: ROW.search(s) is not None, 60)
            first.append(time.monotonic() - t0)
            if not ok:
                print("console: no feed row within 60 s; the screen was:\n" + capture(False))
                return 1
            if attempt < 2:
                tmux("kill-server")
        res["CON_FIRST_MS"] = f"{statistics.median(first) * 1e3:.0f}"
        res["CON_FIRST_BASE_MS"] = f"{statistics.median(base) * 1e3:.0f}"
        print(f"console first screen (median of 3): {res['CON_FIRST_MS']} ms from start to the "
              f"first feed row; baseline (tmux session running echo): {res['CON_FIRST_BASE_MS']} ms")

        time.sleep(0.5)  # let the first refresh tick pass
        prev = capture()
        floor, lat, timeouts = [], [], 0
        for _ in range(keys):
            t0 = time.monotonic()
            s = capture()
            floor.append(time.monotonic() - t0)
            if s != prev:
                prev = s  # something redrew on its own (a refresh tick): take it in
            t0 = time.monotonic()
            tmux("send-keys", "-t", "jb", "j")
            while True:
                s = capture()
                if s != prev:
                    break
                if time.monotonic() - t0 > 2:
                    timeouts += 1
                    break
            lat.append(time.monotonic() - t0)
            prev = s
        res["CON_KEY_MED_MS"] = f"{statistics.median(lat) * 1e3:.1f}"
        res["CON_KEY_P95_MS"] = f"{pct(lat, 0.95) * 1e3:.1f}"
        res["CON_KEY_FLOOR_MS"] = f"{statistics.median(floor) * 1e3:.1f}"
        res["CON_KEY_FLOOR_P95_MS"] = f"{pct(floor, 0.95) * 1e3:.1f}"
        print(f"console keypress j -> redraw ({keys} presses): median {res['CON_KEY_MED_MS']} ms, "
              f"p95 {res['CON_KEY_P95_MS']} ms; baseline one capture-pane with no key: median "
              f"{res['CON_KEY_FLOOR_MS']} ms, p95 {res['CON_KEY_FLOOR_P95_MS']} ms"
              + (f"; {timeouts} presses changed nothing within 2 s" if timeouts else ""))
        last = [ln for ln in capture(False).splitlines() if ln.strip()]
        print("console screen after the presses (first rows):")
        for ln in last[:4]:
            print("  | " + ln)
    finally:
        tmux("kill-server")
        shutil.rmtree(SOCK_DIR, ignore_errors=True)
    for k, v in res.items():
        print(f"RESULT {k}={v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
