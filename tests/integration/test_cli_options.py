#!/usr/bin/env python3
"""Every subcommand refuses an option it does not know: a message naming the
option, a usage line, exit status 2, and nothing written. One table covers
every command and verb of jingyu(1); a second checks that the options each
verb does take are still accepted.

Usage: test_cli_options.py PATH/TO/jingyu
Output: `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, binary_from_argv, query, write_config  # noqa: E402

# every command and verb, with what it needs besides the bogus option
REFUSED = [
    [], ["check-config"], ["inspect", "FEED"], ["collect"], ["status"],
    ["analyze"], ["scheme", "test", "民警"], ["train", "LABELS"], ["train", "--grading-labels"],
    ["person", "list"], ["person", "add", "wang", "--name", "王五", "--roles", "operator"],
    ["incident", "new", "--title", "x", "--category", "其他", "--level", "IV"],
    ["incident", "list"], ["incident", "show", "1"],
    ["incident", "assess", "1", "--version", "1", "--level", "IV", "--strategy", "s"],
    ["incident", "respond", "1", "--channel", "内部报告", "--content", "c"],
    ["incident", "verify", "1", "--version", "1", "--facts", "f", "--verified-by", "p"],
    ["incident", "move", "1", "response"], ["incident", "draft", "1", "--text", "t"],
    ["incident", "submit", "1"], ["incident", "approve", "1"],
    ["incident", "return", "1", "--comment", "c"],
    ["incident", "publish", "1", "--channel", "官方微博"],
    ["incident", "correct", "1", "--reason", "r"],
    ["incident", "close", "1", "--version", "1", "--outcome", "o", "--effective", "yes",
     "--why", "w"],
    ["incident", "link", "1", "--item", "1"],
    ["incident", "task", "1", "--department", "治安", "--text", "t", "--due", "2h"],
    ["incident", "feedback", "1", "--text", "t"],
    ["audit", "verify"], ["audit", "log"],
    ["kpi", "--from", "2026-12-01", "--to", "2026-12-02"],
    ["duty"], ["duty", "show"], ["duty", "gaps"], ["duty", "now"], ["duty", "generate"],
    ["duty", "set", "2026-12-01", "全天", "值班员"],
    ["duty", "swap", "2026-12-01", "2026-12-02", "--first", "zhang", "--second", "zhang"],
    ["handover"], ["handover", "prefill"], ["handover", "write"], ["handover", "ack", "1"],
    ["handover", "list"],
    ["notify"], ["notify", "status"], ["notify", "run", "--once"],
    ["notify", "send", "--subject", "s"],
    ["directory", "list", "units"], ["directory", "export", "units"],
    ["directory", "import", "units", "CSV"],
    ["silence", "add", "--event", "1", "--reason", "r", "--until", "2h"],
    ["silence", "list"], ["silence", "expire", "1"], ["completion", "bash"],
]

# options each verb takes: still accepted (exit status not 2)
ACCEPTED = [
    ["person", "list"], ["incident", "list", "--all", "--json"],
    ["kpi", "--from", "2026-12-01", "--to", "2026-12-02", "--json"],
    ["duty", "show", "--from", "2026-12-01", "--to", "2026-12-02"],
    ["handover", "list", "--search", "交接"], ["silence", "list", "--all", "--json"],
    ["audit", "log", "--limit", "5"], ["notify", "status"],
    ["directory", "list", "units", "--search", "派出所"],
]


def main():
    jingyu = binary_from_argv()
    c = Checks()
    with tempfile.TemporaryDirectory(prefix="jy-cli-") as top:
        db = os.path.join(top, "jy.db")
        cfg = write_config(os.path.join(top, "config.yaml"), db, [],
                           extra="identity: {from_env: true}\n")
        files = {"FEED": os.path.join(top, "feed.xml"), "LABELS": os.path.join(top, "l.jsonl"),
                 "CSV": os.path.join(top, "units.csv")}
        with open(files["FEED"], "w") as f:
            f.write("<rss><channel><title>t</title></channel></rss>")
        with open(files["LABELS"], "w") as f:
            f.write("")
        with open(files["CSV"], "w") as f:
            f.write("")
        env = dict(os.environ, JINGYU_USER="zhang")

        def run(args):
            p = subprocess.run([jingyu, "--config", cfg] + [files.get(a, a) for a in args],
                               capture_output=True, text=True, env=env, timeout=60,
                               stdin=subprocess.DEVNULL)
            return p.returncode, p.stdout, p.stderr
        run(["person", "add", "zhang", "--name", "张三", "--roles", "operator,leader,admin"])
        people = query(db, "SELECT count(*) n FROM people")[0]["n"]
        audit = query(db, "SELECT count(*) n FROM audit")[0]["n"]
        for args in REFUSED:
            for bogus in (["--bogus", "1"], ["--bogus"]):
                rc, out, err = run(args + bogus)
                name = " ".join(["jingyu"] + args[:2] + bogus)
                c.check("refused: " + name, rc == 2 and "--bogus" in err and "usage" in err,
                        "exit %d: %s" % (rc, err.strip()[:300]))
        c.eq("refused: nothing written",
             (query(db, "SELECT count(*) n FROM people")[0]["n"],
              query(db, "SELECT count(*) n FROM audit")[0]["n"]), (people, audit))
        for args in ACCEPTED:
            rc, out, err = run(args)
            c.check("accepted: jingyu " + " ".join(args), rc != 2, "exit %d: %s" % (rc, err))
        # the commands main.c handles without an option table: a stray
        # word or lone option right after the command name is refused too
        for args in (["status", "bogus"], ["check-config", "bogus"], ["collect", "bogus"],
                     ["collect", "--once", "bogus"], ["inspect", "FEED", "bogus"],
                     ["status", "-"], ["status", "--bogus"], ["check-config", "--bogus"],
                     ["collect", "--bogus"], ["inspect", "--bogus"], ["status", "-x"]):
            rc, out, err = run(args)
            c.check("refused: jingyu " + " ".join(args),
                    rc == 2 and args[-1] in err and "usage" in err,
                    "exit %d: %s" % (rc, err.strip()[:300]))
        # a word that names no command is refused, not taken for another
        # command (it used to fall through to train)
        for args in (["trian", "x.jsonl"], ["bogus"], ["incidents", "list"]):
            rc, out, err = run(args)
            c.check("unknown command: jingyu " + " ".join(args),
                    rc == 2 and "unknown command " + args[0] in err and "usage" in err,
                    "exit %d: %s" % (rc, err.strip()[:300]))
        # the console's options said many times are each taken once (main.c
        # wrote each repeat into a 4-slot array: a stack overflow)
        p = subprocess.run([jingyu, "--config", os.path.join(top, "none.yaml")] +
                           ["--no-collect", "--read-only"] * 4 + ["--exit-after", "1"] * 3,
                           capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        c.check("console options repeated", p.returncode == 2 and "none.yaml" in p.stderr
                and "runtime error" not in p.stderr and "AddressSanitizer" not in p.stderr,
                "exit %d: %s" % (p.returncode, p.stderr[:300]))
        # status on a fresh account makes the database's folder, as the
        # console and collect do, instead of failing to open the file
        fresh = write_config(os.path.join(top, "fresh.yaml"),
                             os.path.join(top, "fresh", "sub", "jy.db"), [])
        p = subprocess.run([jingyu, "--config", fresh, "status"], capture_output=True,
                           text=True, timeout=60, stdin=subprocess.DEVNULL)
        c.check("status makes the database's folder",
                p.returncode == 0 and "collector: none" in p.stdout
                and os.path.isdir(os.path.join(top, "fresh", "sub")),
                "exit %d: %s%s" % (p.returncode, p.stdout[:200], p.stderr[:300]))
        # the bash completion, made from the command table, works in bash
        comp = os.path.join(top, "jingyu.bash")
        rc, out, err = run(["completion", "bash"])
        with open(comp, "w") as f:
            f.write(out)

        def complete(*words):
            script = ("source %s; COMP_WORDS=(%s); COMP_CWORD=%d; _jingyu; "
                      "echo \"${COMPREPLY[*]}\"" % (comp, " ".join(words), len(words) - 1))
            p = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                               timeout=30)
            return p.stdout.split()
        c.check("completion: bash -n accepts it",
                rc == 0 and subprocess.run(["bash", "-n", comp]).returncode == 0, err)
        c.eq("completion: jingyu inc", complete("jingyu", "inc", ), ["incident"])
        c.eq("completion: jingyu incident app", complete("jingyu", "incident", "app"),
             ["approve"])
        c.eq("completion: jingyu --config f du", complete("jingyu", "--config", "f", "du"),
             ["duty"])
        c.eq("completion: jingyu db ", sorted(complete("jingyu", "db", "''")),
             ["archive", "stats", "vacuum"])
        # the console's own options belong to the console
        for args in (["--read-only", "person", "list"], ["status", "--once"],
                     ["--no-collect", "kpi"]):
            rc, out, err = run(args)
            c.check("refused: jingyu " + " ".join(args), rc == 2 and "unknown option" in err,
                    "exit %d: %s" % (rc, err))
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
