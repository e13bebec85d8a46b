#!/usr/bin/env python3
"""console: times the ncurses console on a large database through a private
tmux server, the way an operator sees it.

  console.py JINGYU CONFIG KEYS [--terms FILE] [--writer STORE_BENCH DB WCONFIG SECONDS]

- first screen: from starting `jingyu --no-collect` in a fresh tmux session
  until capture-pane shows a feed row (a line with a bench source's name).
  Baseline, same run: a session running `echo` of a marker, until the marker
  shows (what tmux and the polling cost by themselves).
- keypress to redraw: KEYS times, send `j` and poll capture-pane (with
  attributes, so the moved highlight counts; without the header line, whose
  clock ticks) until the screen differs. Baseline, same loop with no key sent:
  the cost of one capture-pane and compare, i.e. the measuring floor.
- other keys, 10 times each, key -> redraw: Tab (to the risk board and
  back), Enter on the board's event and q back, i (the incidents) and q, R
  (the roster) and q.
- with --terms (gen_db's terms file): each term typed after `/`, then Enter
  -> the results drawn, then Esc; 5 times each.
- with --writer: the console's CPU (utime + stime from /proc) over SECONDS
  while `STORE_BENCH write DB SECONDS WCONFIG` commits like a collector, and
  over the same time with nobody writing (the baseline).
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


PID = None  # the console's process, for its CPU time


def cpu_ns(pid):
    """Nanoseconds the process's threads have run (schedstat: exact, unlike ticks)."""
    total = 0
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                total += int(f.read().split()[0])
    except OSError:
        pass
    return total


def key_latency(keys, settle=None, timeout=2.0):
    """Sends keys (send-keys arguments) and returns (seconds until the
    screen, without the header, differs; the console's CPU seconds for it,
    measured to 30 ms after the redraw), or (None, None). settle: text the
    screen must show before it counts (a view's title), None for any change."""
    prev = capture()
    c0 = cpu_ns(PID) if PID else 0
    t0 = time.monotonic()
    tmux("send-keys", "-t", "jb", *keys)
    while True:
        s = capture()
        if s != prev and (settle is None or settle in capture(attrs=False)):
            wall = time.monotonic() - t0
            time.sleep(0.03)
            return wall, ((cpu_ns(PID) - c0) / 1e9 if PID else None)
        if time.monotonic() - t0 > timeout:
            return None, None


def console_pid():
    pane = tmux("display-message", "-p", "-t", "jb", "#{pane_pid}").strip()
    todo = [pane]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip().startswith("jingyu"):
                    return int(pid)
            for t in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{t}/children") as f:
                    todo += f.read().split()
        except OSError:
            pass
    return None


def report_keys(res, name, label, lat):
    ok = [x[0] for x in lat if x[0] is not None]
    cpu = [x[1] for x in lat if x[1] is not None]
    if not ok:
        print(f"console {label}: never redrew")
        return
    res[f"CON_{name}_MED_MS"] = f"{statistics.median(ok) * 1e3:.1f}"
    res[f"CON_{name}_MAX_MS"] = f"{max(ok) * 1e3:.1f}"
    if cpu:
        res[f"CON_{name}_CPU_MS"] = f"{statistics.median(cpu) * 1e3:.2f}"
        res[f"CON_{name}_CPU_MAX_MS"] = f"{max(cpu) * 1e3:.2f}"
    miss = len(lat) - len(ok)
    print(f"console {label}: console CPU median {res.get(f'CON_{name}_CPU_MS', 'n/a')} ms, max "
          f"{res.get(f'CON_{name}_CPU_MAX_MS', 'n/a')} ms; on screen after median "
          f"{res[f'CON_{name}_MED_MS']} ms, max {res[f'CON_{name}_MAX_MS']} ms ({len(ok)} presses"
          + (f", {miss} changed nothing within 2 s" if miss else "") + ")")


def more_keys(res):
    lat = {"TAB": [], "EVENT": [], "EVENT_BACK": [], "INCIDENTS": [], "INC_BACK": [],
           "ROSTER": [], "ROSTER_BACK": []}
    for _ in range(10):
        lat["TAB"].append(key_latency(["Tab"]))
        lat["EVENT"].append(key_latency(["Enter"]))
        time.sleep(0.05)
        lat["EVENT_BACK"].append(key_latency(["q"]))
        lat["TAB"].append(key_latency(["Tab"]))
        lat["INCIDENTS"].append(key_latency(["i"]))
        time.sleep(0.05)
        lat["INC_BACK"].append(key_latency(["q"]))
        lat["ROSTER"].append(key_latency(["R"]))
        time.sleep(0.05)
        lat["ROSTER_BACK"].append(key_latency(["q"]))
    labels = {"TAB": "Tab -> redraw", "EVENT": "Enter on the board (event view)",
              "EVENT_BACK": "q from the event view", "INCIDENTS": "i (incident list)",
              "INC_BACK": "q from the incident list", "ROSTER": "R (roster)",
              "ROSTER_BACK": "q from the roster"}
    for k, v in lat.items():
        report_keys(res, k, labels[k], v)


def searches(res, terms_file):
    terms = {}
    with open(terms_file, encoding="utf-8") as f:
        for ln in f:
            m = re.match(r"TERM_(\w+)='(.*)'", ln.strip())
            if m:
                terms[m.group(1)] = m.group(2)
    for name in ("common2", "rare2", "common4", "rare4"):
        if name not in terms:
            continue
        lat = []
        for _ in range(5):
            tmux("send-keys", "-t", "jb", "/")
            wait_for(lambda s: "搜索：" in s, 2)
            tmux("send-keys", "-t", "jb", "-l", terms[name])
            wait_for(lambda s: terms[name] in s, 2)
            lat.append(key_latency(["Enter"], settle="搜索：" + terms[name] + " ("))
            tmux("send-keys", "-t", "jb", "Escape")
            wait_for(lambda s: "实时信息" in s, 2)
            time.sleep(0.05)
        report_keys(res, "SEARCH_" + name.upper(), f"search {name} {terms[name]} Enter -> results",
                    lat)


def cpu_under_writes(res, writer):
    store_bench, db, wcfg, secs = writer[0], writer[1], writer[2], int(writer[3])
    pid = PID
    if not pid:
        print("console: cannot find the console's process; CPU not measured")
        return
    c0 = cpu_ns(pid)
    time.sleep(secs)
    idle = (cpu_ns(pid) - c0) / 1e9 / secs * 100
    w = subprocess.Popen([store_bench, "write", db, str(secs), wcfg], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    c0 = cpu_ns(pid)
    out = w.communicate()[0].decode(errors="replace").strip()
    busy = (cpu_ns(pid) - c0) / 1e9 / secs * 100
    res["CON_CPU_IDLE_PCT"] = f"{idle:.2f}"
    res["CON_CPU_WRITES_PCT"] = f"{busy:.2f}"
    print(f"console CPU over {secs} s: {busy:.2f}% while a writer commits ({out}); "
          f"{idle:.2f}% with nobody writing")


def main():
    args = sys.argv[1:]
    terms_file, writer = None, None
    if "--terms" in args:
        i = args.index("--terms")
        terms_file = args[i + 1]
        del args[i:i + 2]
    if "--writer" in args:
        i = args.index("--writer")
        writer = args[i + 1:i + 5]
        del args[i:i + 5]
    jingyu, cfg, keys = args[0], args[1], int(args[2])
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
        first, first_cpu = [], []
        for attempt in range(3):
            t0 = time.monotonic()
            start(f"TERM=screen LANG=C.UTF-8 NO_COLOR= {jingyu} --config {cfg} --no-collect"
                  f" 2>/dev/null; sleep 30")
            ok = wait_for(lambda s: ROW.search(s) is not None, 60)
            first.append(time.monotonic() - t0)
            pid = console_pid()
            if pid:
                first_cpu.append(cpu_ns(pid) / 1e9)
            if not ok:
                print("console: no feed row within 60 s; the screen was:\n" + capture(False))
                return 1
            if attempt < 2:
                tmux("kill-server")
        res["CON_FIRST_MS"] = f"{statistics.median(first) * 1e3:.0f}"
        res["CON_FIRST_BASE_MS"] = f"{statistics.median(base) * 1e3:.0f}"
        if first_cpu:
            res["CON_FIRST_CPU_MS"] = f"{statistics.median(first_cpu) * 1e3:.0f}"
            print(f"console first screen: the console's own CPU until then (median of 3): "
                  f"{res['CON_FIRST_CPU_MS']} ms")
        print(f"console first screen (median of 3): {res['CON_FIRST_MS']} ms from start to the "
              f"first feed row; baseline (tmux session running echo): {res['CON_FIRST_BASE_MS']} ms")

        time.sleep(0.5)  # let the first refresh tick pass
        global PID
        PID = console_pid()
        jl = [key_latency(["j"]) for _ in range(min(keys, 30))]
        report_keys(res, "J", "j -> redraw", jl)
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
        more_keys(res)
        if terms_file:
            searches(res, terms_file)
        if writer:
            cpu_under_writes(res, writer)
    finally:
        tmux("kill-server")
        shutil.rmtree(SOCK_DIR, ignore_errors=True)
    for k, v in res.items():
        print(f"RESULT {k}={v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
