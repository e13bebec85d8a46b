#!/usr/bin/env python3
"""Reads meson's testlog.json and prints the closing line `N passed, N failed`.

A cmocka binary counts its test cases; a script that prints its own
`N passed, N failed` line counts those; any other test counts as one. A test
whose process failed but whose output claims no failure counts one failure
more, so a crash is never hidden."""
import json
import re
import sys

CMOCKA_PASSED = re.compile(r"^\[  PASSED  \] (\d+) test", re.M)
CMOCKA_FAILED = re.compile(r"^\[  FAILED  \] (\d+) test", re.M)
CMOCKA_SKIPPED = re.compile(r"^\[  SKIPPED \] (\d+) test", re.M)
PLAIN = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$", re.M)


def main(path):
    passed = failed = skipped = 0
    bad = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            t = json.loads(line)
            out = (t.get("stdout") or "") + "\n" + (t.get("stderr") or "")
            ok = t.get("result") in ("OK", "EXPECTEDFAIL")
            p = f_ = s = 0
            m = PLAIN.findall(out)
            if m:
                p, f_ = int(m[-1][0]), int(m[-1][1])
                s = int(m[-1][2] or 0)
            elif CMOCKA_PASSED.search(out) or CMOCKA_FAILED.search(out):
                p = sum(int(x) for x in CMOCKA_PASSED.findall(out))
                f_ = sum(int(x) for x in CMOCKA_FAILED.findall(out))
                s = sum(int(x) for x in CMOCKA_SKIPPED.findall(out))
            elif t.get("result") == "SKIP":
                s = 1
            else:
                p, f_ = (1, 0) if ok else (0, 1)
            if not ok and t.get("result") != "SKIP" and f_ == 0:
                f_ = 1
            if f_:
                bad.append(t.get("name"))
            passed += p
            failed += f_
            skipped += s
    for name in bad:
        print("FAILED:", name)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build-test/meson-logs/testlog.json"))
