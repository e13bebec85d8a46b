#!/usr/bin/env python3
"""Integration test of alert noise control and grading labels through the
real jingyu binary, against a real SQLite file.

Usage: test_alerts.py PATH/TO/jingyu

- silences: `jingyu silence add` on an event and on a source (by name), with
  its refusals (no reason, unknown event, a time it cannot read, two
  targets, a viewer); `silence list` (text and --json) shows who set it, why
  and until when; `silence expire` ends one (twice is refused); a silence
  also ends by itself at its time; every add and expire is in the audit
  trail and the chain verifies.
- escalation held: `notify run --once` takes no step for a silenced event's
  waiting alert, and resumes after the silence, its clock starting at the
  end.
- grading labels: an assessment with a level that differs from the model's
  needs a reason and leaves a label; `train --grading-labels` prints it as a
  JSON line with the explanation; `--fit` prints suggested weights adding up
  to 100 and leaves the configuration alone.
Output: `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`."""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, binary_from_argv, query, write_config  # noqa: E402

T0 = 1796140800  # 2026-12-02 00:00:00 +08:00

EXPLANATION = json.dumps([
    {"indicator": k, "label": k, "value": v, "weight": w, "points": round(v * w, 1)}
    for k, v, w in [("content", 0.8, 35), ("attitude", 0.6, 10), ("intensity", 0.3, 27),
                    ("media", 0.5, 10), ("evolution", 0.5, 3), ("local", 0.5, 15)]])


class J:
    """Runs jingyu as a given person at a given (fake) time."""

    def __init__(self, jingyu, config):
        self.jingyu, self.config = jingyu, config

    def __call__(self, user, *args, now=T0):
        env = dict(os.environ)
        env["JINGYU_USER"] = user
        env["TZ"] = "Asia/Shanghai"
        env["JINGYU_FAKE_NOW"] = str(now)
        p = subprocess.run([self.jingyu, "--config", self.config] + [str(a) for a in args],
                           capture_output=True, timeout=60, env=env)
        return (p.returncode, p.stdout.decode("utf-8", "replace").strip(),
                p.stderr.decode("utf-8", "replace").strip())


def setup(top, name, jingyu):
    d = os.path.join(top, name)
    os.makedirs(d)
    db = os.path.join(d, "jy.db")
    cfg = write_config(os.path.join(d, "config.yaml"), db, [],
                       extra="identity:\n  from_env: true\n")
    j = J(jingyu, cfg)
    j("root", "person", "add", "admin", "--name", "管理员", "--roles", "admin")
    j("admin", "person", "add", "zhang", "--name", "张三", "--roles", "operator,leader")
    return j, db, cfg


def add_event(db, title="网传清河民警打人", level=3, score=55.2):
    con = sqlite3.connect(db)
    con.execute("INSERT OR IGNORE INTO sources (id, name, type, url, interval, created_at)"
                " VALUES (1, '某某日报', 'feed', 'http://127.0.0.1/', 60, ?)", (T0 - 86400,))
    cur = con.execute(
        "INSERT INTO events (title, first_seen, last_seen, first_collected, items, sources, "
        "negative, velocity, score, level, explanation, updated_at) VALUES (?, ?, ?, ?, 3, 1, 1, "
        "1, ?, ?, ?, ?)", (title, T0, T0, T0, score, level, EXPLANATION, T0))
    eid = cur.lastrowid
    con.commit()
    con.close()
    return eid


def add_alert(db, event_id, level, raised):
    con = sqlite3.connect(db)
    cur = con.execute(
        "INSERT INTO alerts (kind, dedup_key, event_id, level, first_level, title, raised_at, "
        "first_item_at, latency) VALUES ('event', ?, ?, ?, ?, 'fixture alert', ?, ?, 0)",
        ("event:%d:%d" % (event_id, level), event_id, level, level, raised, raised))
    con.commit()
    con.close()
    return cur.lastrowid


def case_silences(c, jingyu, top):
    j, db, _ = setup(top, "silences", jingyu)
    eid = add_event(db)
    add_alert(db, eid, 3, T0)
    now = T0 + 10

    rc, out, err = j("zhang", "silence", "add", "--event", eid, "--until", "2h", now=now)
    c.check("silence-needs-reason", rc == 3 and "理由" in err, "%s %s" % (rc, err))
    rc, out, err = j("zhang", "silence", "add", "--event", 999, "--reason", "x", "--until", "2h",
                     now=now)
    c.check("silence-unknown-event", rc == 3 and "#999" in err, "%s %s" % (rc, err))
    rc, out, err = j("zhang", "silence", "add", "--event", eid, "--reason", "x", "--until",
                     "later", now=now)
    c.check("silence-bad-until", rc == 2 and "--until" in err, "%s %s" % (rc, err))
    rc, out, err = j("zhang", "silence", "add", "--event", eid, "--source", 1, "--reason", "x",
                     "--until", "2h", now=now)
    c.check("silence-one-target", rc == 2, "%s %s" % (rc, err))
    rc, out, err = j("nobody", "silence", "add", "--event", eid, "--reason", "x", "--until", "2h",
                     now=now)
    c.check("silence-viewer-refused", rc == 3, "%s %s" % (rc, err))
    c.eq("silence-refusals-wrote-nothing", query(db, "SELECT count(*) n FROM silences")[0]["n"], 0)

    rc, out, err = j("zhang", "silence", "add", "--event", eid, "--reason", "已核实为旧闻",
                     "--until", "1h", now=now)
    c.check("silence-add-event", rc == 0 and out == "1", "%s %s %s" % (rc, out, err))
    rc, out, err = j("zhang", "silence", "add", "--source", "某某日报", "--reason", "信源维护",
                     "--until", "2026-12-03 00:00", now=now)
    c.check("silence-add-source-by-name", rc == 0 and out == "2", "%s %s %s" % (rc, out, err))
    rows = query(db, "SELECT * FROM silences ORDER BY id")
    c.check("silence-rows",
            len(rows) == 2 and rows[0]["event_id"] == eid and rows[0]["created_by"] == "zhang"
            and rows[0]["until"] == now + 3600 and rows[1]["source_id"] == 1
            and rows[1]["until"] == T0 + 86400, rows)

    rc, out, err = j("zhang", "silence", "list", now=now + 60)
    c.check("silence-list", rc == 0 and len(out.splitlines()) == 2 and "已核实为旧闻" in out
            and "zhang" in out and "2026-12-02 01:00" in out and "某某日报" in out, out)
    rc, out, err = j("zhang", "silence", "list", "--json", now=now + 60)
    js = [json.loads(l) for l in out.splitlines()] if rc == 0 else []
    c.check("silence-list-json",
            len(js) == 2 and js[1]["kind"] == "event" and js[1]["event_id"] == eid
            and js[1]["owner"] == "zhang" and js[1]["reason"] == "已核实为旧闻"
            and js[1]["until"] == now + 3600 and js[1]["active"] is True, out)

    # held: no escalation step while silenced (the III window has long passed)
    rc, out, err = j("zhang", "notify", "run", "--once", now=T0 + 3000)
    c.eq("silence-holds-escalation", query(db, "SELECT count(*) n FROM escalations")[0]["n"], 0)

    # it ends by itself at its time; the chain starts at the end
    rc, out, err = j("zhang", "silence", "list", now=now + 3600)
    c.check("silence-ends-by-time", rc == 0 and "已核实为旧闻" not in out and "某某日报" in out,
            out)
    rc, out, err = j("zhang", "notify", "run", "--once", now=now + 3600 + 60)
    steps = [r["step"] for r in query(db, "SELECT step FROM escalations ORDER BY step")]
    c.check("silence-escalation-resumes-from-end", steps == [0], "%s %s" % (steps, err))

    rc, out, err = j("zhang", "silence", "expire", 2, now=now + 120)
    c.check("silence-expire", rc == 0, "%s %s" % (rc, err))
    rc, out, err = j("zhang", "silence", "expire", 2, now=now + 130)
    c.check("silence-expire-twice-refused", rc == 3 and "已结束" in err, "%s %s" % (rc, err))
    rc, out, err = j("zhang", "silence", "expire", 42, now=now + 130)
    c.check("silence-expire-unknown", rc == 3, "%s %s" % (rc, err))
    rc, out, err = j("zhang", "silence", "list", now=now + 140)
    c.check("silence-list-after-expire", rc == 0 and "某某日报" not in out, out)
    rc, out, err = j("zhang", "silence", "list", "--all", now=now + 140)
    c.check("silence-list-all", rc == 0 and len(out.splitlines()) == 2
            and "已由 zhang" in out and "解除" in out, out)
    row = query(db, "SELECT expired_by, expired_at FROM silences WHERE id = 2")[0]
    c.check("silence-expired-row", row["expired_by"] == "zhang" and row["expired_at"] == now + 120,
            row)

    audit = query(db, "SELECT actor, action, object_id, after FROM audit WHERE object = 'silence' "
                      "ORDER BY id")
    c.check("silence-audit-rows",
            [(a["action"], a["object_id"], a["actor"]) for a in audit]
            == [("silence.add", 1, "zhang"), ("silence.add", 2, "zhang"),
                ("silence.expire", 2, "zhang")]
            and json.loads(audit[0]["after"])["reason"] == "已核实为旧闻", audit)
    rc, out, err = j("zhang", "audit", "verify", now=now + 200)
    c.check("silence-audit-verifies", rc == 0 and "ok" in out, "%s %s %s" % (rc, out, err))


def case_grading(c, jingyu, top):
    j, db, cfg = setup(top, "grading", jingyu)
    eid = add_event(db, level=3, score=55.2)
    rc, out, err = j("zhang", "train", "--grading-labels", "--db", db)
    c.check("grading-none-yet", rc == 0 and out == "", "%s %s %s" % (rc, out, err))
    rc, out, err = j("zhang", "incident", "new", "--event", eid, "--category", "执法争议",
                     now=T0 + 60)
    c.check("grading-incident", rc == 0 and out == "1", "%s %s %s" % (rc, out, err))
    rc, out, err = j("zhang", "incident", "assess", 1, "--version", 1, "--level", "II",
                     "--strategy", "先核实", now=T0 + 120)
    c.check("grading-reason-required", rc == 3 and "level_reason" in err and "III" in err,
            "%s %s" % (rc, err))
    rc, out, err = j("zhang", "incident", "assess", 1, "--version", 1, "--level", "II",
                     "--strategy", "先核实", "--reason", "视频已被央媒转发", now=T0 + 180)
    c.check("grading-regrade-saved", rc == 0, "%s %s" % (rc, err))
    rc, out, err = j("zhang", "train", "--grading-labels", "--db", db)
    lines = out.splitlines() if rc == 0 else []
    lab = json.loads(lines[0]) if len(lines) == 1 else {}
    c.check("grading-labels-json",
            lab.get("event_id") == eid and lab.get("incident_id") == 1
            and lab.get("model_level") == "III" and abs(lab.get("model_score", 0) - 55.2) < 1e-6
            and lab.get("officer_level") == "II" and lab.get("reason") == "视频已被央媒转发"
            and lab.get("labelled_by") == "zhang" and lab.get("labelled_at") == T0 + 180
            and [e["indicator"] for e in lab.get("explanation", [])][:2] == ["content",
                                                                              "attitude"],
            out + err)
    with open(cfg, "rb") as f:
        before = f.read()
    rc, out, err = j("zhang", "train", "--grading-labels", "--fit", "--db", db)
    w = {}
    for line in out.splitlines():
        if line.startswith("weights: {"):
            for part in line[len("weights: {"):-1].split(","):
                k, v = part.split(":")
                w[k.strip()] = float(v)
    c.check("grading-fit-suggests-weights",
            rc == 0 and sorted(w) == sorted(["content", "attitude", "intensity", "media",
                                              "evolution", "local"])
            and abs(sum(w.values()) - 100) < 0.5 and all(v >= 0 for v in w.values())
            and "not applied" in out, out + err)
    with open(cfg, "rb") as f:
        c.check("grading-fit-leaves-config", f.read() == before)
    # agreeing with the model later removes the label
    rc, out, err = j("zhang", "incident", "assess", 1, "--version", 2, "--level", "III",
                     "--strategy", "先核实", now=T0 + 240)
    c.check("grading-agree-removes",
            rc == 0 and query(db, "SELECT count(*) n FROM grading_labels")[0]["n"] == 0,
            "%s %s" % (rc, err))


def main():
    jingyu = binary_from_argv()
    c = Checks()
    with tempfile.TemporaryDirectory(prefix="jy-alerts-") as top:
        case_silences(c, jingyu, top)
        case_grading(c, jingyu, top)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
