#!/usr/bin/env python3
"""Screen tests of the operator's 3 a.m. list (issue 15): the real console in
a private tmux server (TERM=screen, LANG=C.UTF-8), as tests/screen/
test_screen.py drives it, whose helpers it uses.

- at 80x24 the header keeps 超时工单 and 采集 (it gives way by importance);
- a template's （地点） is filled in place: Up to its line, Home, Right to it,
  Delete, typed text goes in where the cursor is;
- a draft from a killed session survives Esc and n at the offer, and a d
  that is not confirmed; only d then y discards it;
- the incident view speaks Chinese (people by name, 草稿, 转入「核查」) and
  its hint line starts with the next step's key, which changes with the
  state; the board's hint has o; directory rows are not cut with "…";
- at 160 columns the incident list shows a row's whole deadline text (a
  long "首次回应（黄金4小时） 已超时 …" was cut at 26 columns);
- a closed incident's clocks say they stopped (时限（已办结，停止计时）,
  办结时未到期，不再计时) and count nothing down.

usage: test_operator.py JINGYU   (exit 77 when tmux is missing)"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_screen import SKIP, Console, dcol, dwidth, query_one  # noqa: E402


def setup(jingyu, tmp):
    inbox = os.path.join(tmp, "inbox")
    os.mkdir(inbox)
    cfg = os.path.join(tmp, "config.yaml")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write("database: %s\n" % os.path.join(tmp, "jingyu.db"))
        f.write("bureau: 清河县公安局\n")
        f.write("collector: {min_interval: 1}\n")
        f.write("identity: {from_env: true}\n")
        f.write("sources:\n")
        f.write("  - {name: 内部报送, type: file-drop, path: %s, interval: 1}\n" % inbox)
        f.write("duty:\n  rotations:\n")
        f.write("    - {shift: 全天, post: 带班领导, people: [li], start: 2026-01-01}\n")
        f.write("    - {shift: 全天, post: 值班员, people: [zhang], start: 2026-01-01}\n")
        f.write("    - {shift: 全天, post: 技术保障, people: [wang], start: 2026-01-01}\n")

    def cli(user, *args, at=None):
        env = dict(os.environ, JINGYU_USER=user)
        if at is not None:
            env["JINGYU_FAKE_NOW"] = str(at)
        return subprocess.run([jingyu, "--config", cfg] + [str(a) for a in args],
                              capture_output=True, text=True, env=env)
    for login, name, roles in (("zhang", "张三", "operator,approver,admin"),
                               ("li", "李四", "leader,approver"), ("wang", "王五", "operator")):
        cli("zhang", "person", "add", login, "--name", name, "--roles", roles)
    day = time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400))
    cli("li", "duty", "generate", "--from", day)
    # an incident opened two days ago and never reported up: overdue
    cli("zhang", "incident", "new", "--title", "超时未报的工单", "--category", "其他", "--level",
        "II", at=int(time.time()) - 2 * 86400)
    # and one in 核查, where a statement is drafted
    cli("zhang", "incident", "new", "--title", "待通报的工单", "--category", "其他", "--level", "IV")
    cli("zhang", "incident", "assess", 2, "--version", 1, "--level", "IV", "--strategy", "核实")
    cli("zhang", "incident", "move", 2, "response")
    cli("zhang", "incident", "respond", 2, "--channel", "内部报告", "--content", "已知悉")
    r = cli("zhang", "incident", "move", 2, "verification")
    if r.returncode:
        raise SystemExit("setup: " + r.stderr)
    return cli


def case_header(jingyu, tmp, consoles, case):
    c = Console(jingyu, tmp, "header", user="zhang")
    consoles.append(c)
    c.wait(lambda ls: "张三" in ls[0] and "采集：本机" in ls[0], 15)
    c.run("resize-window", "-x", "80", "-y", "24")
    ok = c.wait(lambda ls: dwidth(ls[0]) <= 80 and "超时工单 1" in ls[0] and "采集" in ls[0], 5)
    case("80x24: the header keeps 超时工单 and 采集", ok, repr(c.lines()[0]))
    c.run("resize-window", "-x", "100", "-y", "30")
    c.wait(lambda ls: dwidth(ls[1]) > 80, 3)
    return c


def case_placeholder(c, tmp, case):
    c.keys("i")
    c.wait(lambda ls: any("待通报的工单" in l for l in ls), 5)
    c.keys("j", "Enter")  # the overdue one is first
    c.wait(lambda ls: any("工单 #2" in l for l in ls), 5)
    c.keys("d")
    ok = c.wait(lambda ls: "通报" in ls[1] and any("（地点）" in l for l in ls), 5)

    def row_of(needle):
        return next((i for i, l in enumerate(c.lines()) if needle in l), -1)

    def cursor():
        return int(c.fmt("cursor_y")), int(c.fmt("cursor_x"))
    # Up to the line with （地点）, Home, then Right until the cursor is in
    # front of 地点
    for _ in range(40):
        if cursor()[0] == row_of("（地点）"):
            break
        c.keys("Up")
        time.sleep(0.05)
    c.keys("Home")
    line = c.lines()[row_of("（地点）")]
    want = dcol(line, "（地点）") + 2
    for _ in range(60):
        time.sleep(0.05)
        if cursor()[1] >= want:
            break
        c.keys("Right")
    ok = ok and cursor() == (row_of("（地点）"), want)
    c.keys("DC", "DC")
    c.type("城关镇")
    ok = ok and c.wait_text("（城关镇）发生（事件概述）", 3)
    case("a template's （地点） is filled in place", ok, c.text())
    c.keys("F2")
    c.wait(lambda ls: "工单 #2" in ls[1] and "已保存" in ls[-1] + ls[-2], 5)
    text = query_one(tmp, "SELECT text FROM release_versions ORDER BY id DESC LIMIT 1") or ""
    case("the statement is saved as edited", "，（城关镇）发生（事件概述）" in text and
         "（地点）" not in text, text)


def case_chinese_and_hints(c, cli, tmp, case):
    # in incident #2's view (核查, a statement drafted): names, not logins;
    # states and release statuses in Chinese
    ok = c.wait(lambda ls: "工单 #2" in ls[2] and any("[草稿]" in l for l in ls), 5)
    text = c.text()
    c.keys("G")  # the history is at the end
    c.wait(lambda ls: any("历史" in l for l in ls), 3)
    text += c.text()
    c.keys("g")
    bad = [w for w in ("[draft]", "zhang", "incident.", "release.") if w in text]
    case("the incident view speaks Chinese", ok and not bad and "张三" in text and
         "转入「核查」" in text, "%s\n%s" % (bad, text))
    hint = c.lines()[-3]
    case("核查 unverified: the hint starts with e", hint.startswith("e 填表"), repr(hint))
    # verified (by another officer, from the CLI): the next step is the
    # statement; submitted: the approver's keys come first
    version = query_one(tmp, "SELECT version FROM incidents WHERE id = 2")
    cli("wang", "incident", "verify", 2, "--version", version, "--facts", "属实", "--verified-by", "王五")
    ok = c.wait(lambda ls: ls[-3].startswith("d 起草  t 提交"), 5)
    case("verified: the hint starts with d and t", ok, repr(c.lines()[-3]))
    c.keys("t")
    ok = c.wait(lambda ls: ls[-3].startswith("y 批准"), 5)
    case("after submitting the hint starts with y", ok, repr(c.lines()[-3:]))
    c.keys("q", "q")
    ok = c.wait(lambda ls: "实时信息" in ls[1], 5)
    case("the board's hint has o", ok and "o 立单" in c.lines()[-3], repr(c.lines()[-3]))
    c.keys("D")
    ok = c.wait(lambda ls: any("张三" in l for l in ls[1:]), 5)
    rows = [l for l in c.lines()[1:] if "张三" in l or "李四" in l]
    # 李四's row is short: nothing of it is cut (every row ended in "…")
    case("directory rows are whole, roles in Chinese",
         ok and rows and not any(r.rstrip().endswith("…") for r in rows if "李四" in r) and
         any("审批领导" in r for r in rows) and not any("approver" in r for r in rows),
         "\n".join(rows))
    c.keys("q")
    c.wait(lambda ls: "实时信息" in ls[1], 5)
    c.keys("i")
    c.wait(lambda ls: any("待通报的工单" in l for l in ls), 5)
    c.keys("Enter")
    c.wait(lambda ls: "工单 #" in ls[2], 5)


def case_draft(jingyu, tmp, consoles, case, c):
    c.keys("q")  # back to the list
    c.wait(lambda ls: any("超时未报的工单" in l for l in ls), 5)
    c.keys("g", "Enter")
    c.wait(lambda ls: any("工单 #1" in l for l in ls), 5)
    c.keys("e")
    c.wait(lambda ls: "研判" in ls[1], 5)
    c.keys("Tab", "Tab")
    c.type("凌晨写的策略不能丢")
    c.wait_text("凌晨写的策略不能丢", 3)
    os.kill(c.jingyu_pid(), signal.SIGKILL)
    c.wait_text("JINGYU-EXITED", 5)
    c.kill()

    def drafts():
        return query_one(tmp, "SELECT count(*) FROM drafts")

    def offered(name, *answer, expect):
        con = Console(jingyu, tmp, name, "--no-collect", user="zhang")
        consoles.append(con)
        ok = con.wait(lambda ls: any("有上次未保存的表单：工单 #1 研判" in l for l in ls), 10)
        for k in answer:
            con.keys(k)
            time.sleep(0.3)
        ok = ok and con.wait_text(expect, 3)
        text = con.text()
        con.keys("Q", "y")
        con.exit_status()
        con.kill()
        return ok, text
    ok, text = offered("esc", "Escape", expect="草稿已保留")
    case("Esc at the draft offer keeps the draft", ok and drafts() == 1, text)
    ok, text = offered("no", "n", expect="草稿已保留")
    case("n at the draft offer keeps the draft", ok and drafts() == 1, text)
    ok, text = offered("d-no", "d", "n", expect="草稿已保留")
    case("d asks to confirm; n keeps the draft", ok and drafts() == 1, text)
    ok, text = offered("d-yes", "d", "y", expect="已丢弃草稿")
    case("d then y discards the draft", ok and drafts() == 0, text)


def case_list_and_closed(jingyu, tmp, consoles, case, cli):
    c = Console(jingyu, tmp, "closed", "--no-collect", user="zhang")
    consoles.append(c)
    c.wait(lambda ls: "张三" in ls[0], 15)
    c.run("resize-window", "-x", "160", "-y", "40")
    c.wait(lambda ls: dwidth(ls[1]) > 100, 3)
    # an incident (II) opened two days ago and reported up at once, with no
    # response since: its next clock is the long 首次回应（黄金4小时）, overdue by
    # more than a day
    now = int(time.time())
    t0 = now - 2 * 86400
    r = cli("zhang", "incident", "new", "--title", "未回应的工单", "--category", "其他", "--level",
            "II", at=t0)
    cli("zhang", "incident", "assess", r.stdout.strip(), "--version", 1, "--level", "II",
        "--strategy", "核实", "--reported-at", "@%d" % (t0 + 300), at=t0 + 300)
    c.keys("i")
    ok = c.wait(lambda ls: any("未回应的工单" in l for l in ls), 5)
    row = next((l for l in c.lines() if "未回应的工单" in l), "")
    case("160 columns: the list shows the whole deadline",
         ok and "…" not in row and
         re.search(r"首次回应（黄金4小时） 已超时 \d+天\d+小时\s+未回应的工单", row) is not None,
         repr(row))
    c.keys("q")
    c.wait(lambda ls: "实时信息" in ls[1], 5)
    # another (II) opened three hours ago, walked to its statement within the
    # hour and closed an hour ago: the 新闻发布会 clock (24 hours) had not
    # come due when it closed
    t0 = now - 3 * 3600
    r = cli("zhang", "incident", "new", "--title", "已办结的工单", "--category", "其他", "--level",
            "II", at=t0)
    iid = r.stdout.strip()

    def version():
        return query_one(tmp, "SELECT version FROM incidents WHERE id = %d" % int(iid or 0))
    cli("zhang", "incident", "assess", iid, "--version", version(), "--level", "II",
        "--strategy", "核实", "--reported-at", "@%d" % (t0 + 300), at=t0 + 300)
    cli("zhang", "incident", "move", iid, "response", at=t0 + 300)
    cli("zhang", "incident", "respond", iid, "--channel", "官方微博", "--content", "已关注",
        at=t0 + 600)
    cli("zhang", "incident", "move", iid, "verification", at=t0 + 600)
    cli("wang", "incident", "verify", iid, "--version", version(), "--facts", "属实",
        "--verified-by", "王五", at=t0 + 900)
    cli("zhang", "incident", "move", iid, "approval", at=t0 + 900)
    rid = cli("zhang", "incident", "draft", iid, "--text", "通报", at=t0 + 900).stdout.strip()
    cli("zhang", "incident", "submit", rid, at=t0 + 1000)
    cli("li", "incident", "approve", rid, at=t0 + 1100)
    cli("zhang", "incident", "publish", rid, "--channel", "官方微博", at=t0 + 1200)
    cli("zhang", "incident", "move", iid, "followup", at=now - 3600)
    r = cli("zhang", "incident", "close", iid, "--version", version(), "--outcome", "已处置",
            "--effective", "yes", "--why", "及时通报", "--satisfaction", 90, at=now - 3600)
    shown = cli("zhang", "incident", "show", iid).stdout
    case("setup: #%s closed through the CLI" % iid, r.returncode == 0 and "已办结" in shown,
         r.stderr + shown)
    c.keys("i")
    c.wait(lambda ls: any("已办结的工单" in l for l in ls), 5)
    c.keys("G", "Enter")  # closed incidents sort last
    ok = c.wait(lambda ls: any("工单 #%s" % iid in l for l in ls[:4]) and
                any(l.strip().startswith("时限") for l in ls), 5)
    lines = c.lines()
    top = next((i for i, l in enumerate(lines) if l.strip().startswith("时限")), len(lines))
    clocks = []
    for l in lines[top + 1:]:
        if not l.startswith(" ") or not l.strip():
            break
        clocks.append(l)
    text = "\n".join(lines)
    case("a closed incident's clocks stopped",
         ok and "时限（已办结，停止计时）" in lines[top] and
         any("办结时未到期，不再计时" in l for l in clocks) and
         not any("剩余" in l or re.search(r"(?<!办结时)已超时", l) for l in clocks), text)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    jingyu = os.path.abspath(sys.argv[1])
    if not shutil.which("tmux"):
        print("tmux not found: skipping screen tests")
        return SKIP
    results = []
    tmp = tempfile.mkdtemp(prefix="jyoperator-")
    consoles = []

    def case(name, ok, why=""):
        results.append(ok)
        print("%s - %s%s" % ("ok" if ok else "FAIL", name, "" if ok else ": " + why), flush=True)

    try:
        cli = setup(jingyu, tmp)
        c = case_header(jingyu, tmp, consoles, case)
        case_placeholder(c, tmp, case)
        case_chinese_and_hints(c, cli, tmp, case)
        case_draft(jingyu, tmp, consoles, case, c)
        case_list_and_closed(jingyu, tmp, consoles, case, cli)
    finally:
        for con in consoles:
            con.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    passed = sum(1 for r in results if r)
    failed = len(results) - passed
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
