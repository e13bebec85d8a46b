#!/usr/bin/env python3
"""Integration test of the duty schedule and handover through the real
jingyu binary (fake clock, Beijing time).

Usage: test_duty.py PATH/TO/jingyu

- rotations generate the schedule across a month end; a regeneration keeps
  overrides and swaps;
- only a leader or an admin plans; a swap is made by either of the two
  people (or a leader) and its audit row names both;
- gaps: empty required posts listed, exit status 1;
- who is on duty at a moment (a 24-hour shift from 08:30 runs into the next
  day);
- the handover note starts with the waiting alerts, the open incidents and
  the deadlines of the next shift; its writer cannot acknowledge it; notes
  are searchable;
- a bad zone or a rotation on a post its shift lacks is a config error.
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

DUTY = """identity:
  from_env: true
duty:
  timezone: Asia/Shanghai
  gap_days: 5
  shifts:
    - {name: 全天, start: "08:30", hours: 24, posts: [带班领导, 值班员]}
  rotations:
    - {post: 值班员, people: [zhang, wang, zhao], start: 2026-11-29}
    - {post: 带班领导, people: [li, chen], start: 2026-11-30, every: 2}
"""


class J:
    def __init__(self, jingyu, config):
        self.jingyu, self.config = jingyu, config

    def __call__(self, user, *args, now=T0 + 12 * 3600):
        env = dict(os.environ, JINGYU_USER=user, TZ="UTC", JINGYU_FAKE_NOW=str(now))
        p = subprocess.run([self.jingyu, "--config", self.config] + [str(a) for a in args],
                           capture_output=True, timeout=60, env=env)
        return (p.returncode, p.stdout.decode("utf-8", "replace").strip(),
                p.stderr.decode("utf-8", "replace").strip())


def day_no(s):
    y, m, d = map(int, s.split("-"))
    import datetime
    return (datetime.date(y, m, d) - datetime.date(1970, 1, 1)).days


def main():
    jingyu = binary_from_argv()
    c = Checks()
    with tempfile.TemporaryDirectory(prefix="jy-duty-") as top:
        db = os.path.join(top, "jy.db")
        cfg = write_config(os.path.join(top, "config.yaml"), db, [], extra=DUTY)
        j = J(jingyu, cfg)
        j("root", "person", "add", "admin", "--name", "管理员", "--roles", "admin")
        for login, name, roles in (("li", "李四", "leader"), ("chen", "陈七", "leader"),
                                   ("zhang", "张三", "operator"), ("wang", "王五", "operator"),
                                   ("zhao", "赵六", "operator")):
            j("admin", "person", "add", login, "--name", name, "--roles", roles)

        # generation across the month end
        rc, out, err = j("zhang", "duty", "generate", "--from", "2026-11-28", "--to", "2026-12-03")
        c.check("generate-needs-a-leader", rc == 3 and "带班领导" in err, err)
        rc, out, err = j("li", "duty", "generate", "--from", "2026-11-28", "--to", "2026-12-03")
        c.check("generate", rc == 0 and out == "9", out + err)
        rows = query(db, "SELECT day, post, login FROM duty ORDER BY day, post")
        got = {(r["day"], r["post"]): r["login"] for r in rows}
        want = {(day_no("2026-11-29"), "值班员"): "zhang", (day_no("2026-11-30"), "值班员"): "wang",
                (day_no("2026-12-01"), "值班员"): "zhao", (day_no("2026-12-02"), "值班员"): "zhang",
                (day_no("2026-12-03"), "值班员"): "wang",
                (day_no("2026-11-30"), "带班领导"): "li", (day_no("2026-12-01"), "带班领导"): "li",
                (day_no("2026-12-02"), "带班领导"): "chen", (day_no("2026-12-03"), "带班领导"): "chen"}
        c.eq("generate-across-month-end", got, want)

        # an override, then a swap; a regeneration keeps both
        rc, out, err = j("li", "duty", "set", "2026-12-03", "全天", "值班员", "--login", "zhao")
        c.check("set-override", rc == 0, err)
        rc, out, err = j("li", "duty", "set", "2026-12-03", "全天", "值班员", "--login", "nobody")
        c.check("set-needs-a-registered-person", rc == 3 and "未登记" in err, err)
        rc, out, err = j("li", "duty", "set", "2026-12-03", "全天", "厨师", "--login", "zhao")
        c.check("set-needs-a-post-of-the-shift", rc == 3 and "厨师" in err, err)
        rc, out, err = j("wang", "duty", "swap", "2026-12-01", "2026-12-02", "--first", "zhao",
                         "--second", "zhang")
        c.check("swap-by-a-third-operator-refused", rc == 3, err)
        rc, out, err = j("zhang", "duty", "swap", "2026-12-01", "2026-12-02", "--first", "zhao",
                         "--second", "zhang")
        c.check("swap-by-one-of-the-two", rc == 0, err)
        j("li", "duty", "generate", "--from", "2026-11-28", "--to", "2026-12-03")
        rows = query(db, "SELECT day, login, source FROM duty WHERE post = '值班员' AND day >= ? "
                     "ORDER BY day", (day_no("2026-12-01"),))
        c.eq("regenerate-keeps-overrides-and-swaps",
             [(r["login"], r["source"]) for r in rows],
             [("zhang", "swap"), ("zhao", "swap"), ("zhao", "override")])
        sw = query(db, "SELECT actor, after FROM audit WHERE action = 'duty.swap'")
        a = json.loads(sw[0]["after"]) if sw else {}
        c.check("swap-audit-names-both", sw and sw[0]["actor"] == "zhang" and
                a["first"]["was"] == "zhao" and a["first"]["now"] == "zhang" and
                a["second"]["was"] == "zhang" and a["second"]["now"] == "zhao", repr(sw))

        # emptying a slot is an override: a regeneration leaves it empty
        j("li", "duty", "set", "2026-11-30", "全天", "值班员")
        j("li", "duty", "generate", "--from", "2026-11-30", "--to", "2026-11-30")
        rc, out, err = j("li", "duty", "show", "--from", "2026-11-30", "--to", "2026-11-30")
        c.check("emptied-slot-stays-empty", "值班员=缺" in out, out + err)
        j("li", "duty", "set", "2026-11-30", "全天", "值班员", "--login", "wang")
        # gaps: 11-29 has no leader; 12-04.. nothing generated
        rc, out, err = j("li", "duty", "gaps", "--from", "2026-11-29", "--to", "2026-12-04")
        lines = out.splitlines()
        c.check("gaps-listed", rc == 1 and lines[0] == "2026-11-29\t全天\t带班领导" and
                "2026-12-04\t全天\t值班员" in lines and len(lines) == 3, out + err)
        rc, out, err = j("li", "duty", "gaps", "--from", "2026-11-30", "--to", "2026-12-03")
        c.check("no-gaps-exit-0", rc == 0 and out == "", out + err)

        # on duty: 07:00 on the 2nd is still the 1st's shift
        rc, out, err = j("li", "duty", "now", now=T0 + 7 * 3600)
        c.check("now-before-0830", rc == 0 and "带班领导\tli" in out and "值班员\tzhang" in out,
                out + err)
        rc, out, err = j("li", "duty", "now", now=T0 + 9 * 3600)
        c.check("now-after-0830", rc == 0 and "带班领导\tchen" in out and "值班员\tzhao" in out,
                out + err)

        # generate with no --from at 03:00: the shift on duty began the day
        # before, and is filled too
        db2 = os.path.join(top, "jy2.db")
        j2 = J(jingyu, write_config(os.path.join(top, "config2.yaml"), db2, [], extra=DUTY))
        j2("root", "person", "add", "admin", "--name", "管理员", "--roles", "admin")
        for login, name, roles in (("li", "李四", "leader"), ("chen", "陈七", "leader"),
                                   ("zhang", "张三", "operator")):
            j2("admin", "person", "add", login, "--name", name, "--roles", roles)
        night = T0 + 10 * 86400 + 3 * 3600
        rc, out, err = j2("li", "duty", "generate", now=night)
        rc2, out2, err2 = j2("li", "duty", "now", now=night)
        c.check("generate-after-midnight-fills-the-shift-on-duty",
                rc == 0 and rc2 == 0 and "值班员\t" in out2 and "未排班" not in out2,
                out + err + out2 + err2)

        # handover: pre-filled with a waiting alert, an open incident and
        # the deadline falling in the next shift
        con = sqlite3.connect(db)
        con.execute("INSERT INTO events (title, first_seen, last_seen, first_collected, items, "
                    "sources, negative, velocity, score, level, updated_at) VALUES "
                    "('夜市斗殴', ?, ?, ?, 1, 1, 0, 0, 50, 3, ?)", (T0,) * 4)
        con.execute("INSERT INTO alerts (kind, dedup_key, event_id, level, title, raised_at, "
                    "first_item_at, latency) VALUES ('event', 'k1', 1, 3, '【III】夜市斗殴', ?, ?, 60)",
                    (T0 + 60, T0))
        con.commit()
        con.close()
        now = T0 + 8 * 3600  # 08:00: the shift ends at 08:30
        # level I from 07:00: holding statement 11:00, authoritative information
        # 12:00 and the briefing 07:00 tomorrow fall in the next shift; the
        # internal report (08:00) in this one
        j("zhang", "incident", "new", "--title", "电话举报：学校门口纠纷", "--category", "其他",
          "--level", "I", now=now - 3600)
        rc, out, err = j("zhang", "handover", "prefill", now=now)
        c.check("prefill", rc == 0 and "未确认预警（1）" in out and "【III】夜市斗殴" in out and
                "未办结工单（1）" in out and "学校门口纠纷" in out and
                "下一班内到期的时限（3）" in out and "发布权威信息 截止" in out and
                "内部上报 截止" not in out, out + err)
        rc, out, err = j("zhang", "handover", "write", "--note", "注意夜市纠纷的后续", "--to",
                         "wang", now=now)
        c.check("write", rc == 0 and out == "1", out + err)
        rc, out, err = j("zhang", "handover", "ack", 1, now=now + 60)
        c.check("writer-cannot-ack", rc == 3 and "交班人不能" in err, err)
        rc, out, err = j("nobody", "handover", "ack", 1, now=now + 60)
        c.check("viewer-cannot-ack", rc == 3, err)
        rc, out, err = j("zhao", "handover", "ack", 1, now=now + 60)
        c.check("only-the-addressee-acks", rc == 3 and "交给 wang" in err, err)
        rc, out, err = j("wang", "handover", "ack", 1, now=now + 1800)
        c.check("incoming-acks", rc == 0, err)
        rc, out, err = j("wang", "handover", "ack", 1, now=now + 1900)
        c.check("ack-once", rc == 3 and "已由 wang 确认" in err, err)
        rc, out, err = j("li", "handover", "list", "--search", "夜市 后续")
        rc2, out2, err2 = j("li", "handover", "list", "--search", "没有的词")
        c.check("search", rc == 0 and "#1" in out and "已接班" in out and out2 == "", out + out2)
        acts = [r["action"] for r in query(db, "SELECT action FROM audit")]
        c.check("audited", all(a in acts for a in ("duty.generate", "duty.set", "duty.swap",
                                                   "handover.write", "handover.ack")), repr(acts))
        rc, out, err = j("li", "audit", "verify")
        c.check("audit-chain", rc == 0, out + err)

        # directories: CSV in and out
        csv = os.path.join(top, "experts.csv")
        with open(csv, "w", encoding="utf-8", newline="") as f:
            f.write("\ufeff姓名,领域,单位,联系方式,备注\r\n")
            f.write('王教授,法律,政法大学,010-12345678,"擅长""执法规范"",评议"\r\n')
            f.write("刘主任,媒体,市融媒体中心,=HYPERLINK(1),\r\n")
            f.write('赵研究员,社会学,社科院,,"多行\n备注"\r\n')
            f.write('钱记者,传播学,日报社,+86 138 0000 0000,\r\n')
        rc, out, err = j("zhang", "directory", "import", "experts", csv)
        c.check("import-admin-only", rc == 3 and "管理员" in err, err)
        rc, out, err = j("admin", "directory", "import", "experts", csv)
        c.check("import", rc == 0 and "4 added, 0 updated" in out, out + err)
        rc, out, err = j("admin", "directory", "import", "experts", csv)
        c.check("import-again-updates", rc == 0 and "0 added, 4 updated" in out, out + err)
        rc, out, err = j("admin", "directory", "list", "experts", "--search", "法律 政法")
        c.check("search", rc == 0 and out.startswith("王教授\t法律") and "刘主任" not in out, out)
        rc, out, err = j("admin", "directory", "export", "experts")
        import csv as csvmod
        import io
        rows = list(csvmod.reader(io.StringIO(out)))
        c.check("export-round-trip", rows[0] == ["name", "field", "unit", "contact", "note"] and
                ["王教授", "法律", "政法大学", "010-12345678", '擅长"执法规范",评议'] in rows and
                ["赵研究员", "社会学", "社科院", "", "多行\n备注"] in rows and
                ["钱记者", "传播学", "日报社", "+86 138 0000 0000", ""] in rows, repr(rows))
        c.check("export-defuses-formulas",
                any(r[:4] == ["刘主任", "媒体", "市融媒体中心", "'=HYPERLINK(1)"] for r in rows),
                repr(rows))
        # the export imports back as it was: no apostrophe kept, line breaks kept
        before = query(db, "SELECT * FROM experts ORDER BY name")
        back = os.path.join(top, "experts-export.csv")
        with open(back, "w", encoding="utf-8", newline="") as f:
            f.write(out)
        rc, out2, err2 = j("admin", "directory", "import", "experts", back)
        after = query(db, "SELECT * FROM experts ORDER BY name")
        c.check("export-imports-back-unchanged",
                rc == 0 and "0 added, 4 updated" in out2 and
                [{k: v for k, v in r.items() if k not in ("id", "updated_at")} for r in before] ==
                [{k: v for k, v in r.items() if k not in ("id", "updated_at")} for r in after] and
                any(r["contact"] == "=HYPERLINK(1)" for r in after), repr(after) + err2)
        bad = os.path.join(top, "training.csv")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("login,course,day,hours\nzhang,舆情应对,2026-11-20,4\nwang,新闻发布,2026-02-30,2\n")
        rc, out, err = j("admin", "directory", "import", "training", bad)
        n = query(db, "SELECT count(*) n FROM training")[0]["n"]
        c.check("import-is-all-or-nothing", rc == 3 and "line 3" in err and n == 0, err)
        with open(bad, "w", encoding="utf-8") as f:
            f.write("login,course,day,hours\nzhang,舆情应对,2026-11-20,4\nwang,新闻发布,2026-11-21,2.5\n")
        rc, out, err = j("admin", "directory", "import", "training", bad)
        rc2, out2, err2 = j("admin", "directory", "list", "training", "--search", "wang")
        c.check("training", rc == 0 and "2 added" in out and out2 == "wang\t新闻发布\t2026-11-21\t2.5",
                out + err + out2)
        people = os.path.join(top, "people.csv")
        with open(people, "w", encoding="utf-8") as f:
            f.write("login,name,badge,unit,roles\nsun,孙八,0203,城关派出所,operator\n")
        rc, out, err = j("admin", "directory", "import", "people", people)
        r = query(db, "SELECT name, badge, unit, roles FROM people WHERE login = 'sun'")
        c.check("people-import", rc == 0 and r == [{"name": "孙八", "badge": "0203",
                                                   "unit": "城关派出所", "roles": "operator"}],
                repr(r) + err)

        # configuration mistakes
        bad = write_config(os.path.join(top, "bad.yaml"), db, [],
                           extra="duty:\n  timezone: Mars/Olympus\n")
        p = subprocess.run([jingyu, "--config", bad, "check-config"], capture_output=True,
                           text=True)
        c.check("config-bad-zone", p.returncode == 2 and "duty.timezone" in p.stderr and
                "Mars/Olympus" in p.stderr, p.stderr)
        bad = write_config(os.path.join(top, "bad2.yaml"), db, [], extra=(
            "duty:\n  rotations:\n    - {post: 厨师, people: [a], start: 2026-12-01}\n"))
        p = subprocess.run([jingyu, "--config", bad, "check-config"], capture_output=True,
                           text=True)
        c.check("config-rotation-post", p.returncode == 2 and "duty.rotations[0]" in p.stderr and
                "厨师" in p.stderr, p.stderr)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
