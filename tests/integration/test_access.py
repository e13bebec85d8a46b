#!/usr/bin/env python3
"""Integration test of access and accountability through the real jingyu
binary on a real SQLite file (issue 15, points 7 to 14; point 6, the fake
clock only in a test build, is tests/unit/util/test_clock.c).

Usage: test_access.py PATH/TO/jingyu

- train and analyze --store: an admin's only, each leaves an audit row;
- a --read-only console and a viewer's console write nothing (no lease, no
  import, no moved drop file, no login row); read marks are each person's;
- the approver check compares person ids: a login holding "、" never
  approves its own statement;
- drop folders: a link (to a file of secrets) is skipped and its bytes are
  never shown; a bad line's reason never quotes the line; files 0600;
- the database and its folder are created owner-only, and a too open one
  is warned of;
- the audit chain: a byte after a NUL breaks it; with a key, seals catch a
  cut tail with a rewritten head; anchor appends the head;
- an incident's trail shows its releases and alert acknowledgements;
  audit log pages and says so;
- handover: only the named receiver, or a leader who says so; the default
  receiver is the next shift's 值班员.
Output: `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`."""
import json
import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, binary_from_argv, console_pty, query, write_config  # noqa: E402

T0 = 1796140800  # 2026-12-02 00:00:00 +08:00

DUTY = """identity:
  from_env: true
duty:
  timezone: Asia/Shanghai
  shifts:
    - {name: 全天, start: "08:30", hours: 24, posts: [带班领导, 值班员]}
"""


class J:
    """Runs jingyu as a given person (at a fake time when now is given)."""

    def __init__(self, jingyu, config):
        self.jingyu, self.config = jingyu, config

    def __call__(self, user, *args, now=None, stdin=None):
        env = dict(os.environ, JINGYU_USER=user, TZ="Asia/Shanghai")
        env.pop("JINGYU_FAKE_NOW", None)
        if now is not None:
            env["JINGYU_FAKE_NOW"] = str(now)
        p = subprocess.run([self.jingyu, "--config", self.config] + [str(a) for a in args],
                           input=stdin, capture_output=True, timeout=120, env=env)
        return (p.returncode, p.stdout.decode("utf-8", "replace").strip(),
                p.stderr.decode("utf-8", "replace").strip())

    def console(self, user, *args, keys=b"", ticks=6):
        """A console on a pseudo-terminal: keys typed after a moment, then it
        exits by itself after `ticks` refreshes."""
        env = dict(os.environ, JINGYU_USER=user, TZ="Asia/Shanghai", TERM="screen",
                   LANG="C.UTF-8")
        env.pop("JINGYU_FAKE_NOW", None)
        return console_pty([self.jingyu, "--config", self.config, "--exit-after", str(ticks)] +
                           list(args), env, keys, stderr=subprocess.PIPE)


def setup(top, name, jingyu, extra="", sources=()):
    d = os.path.join(top, name)
    os.makedirs(d)
    db = os.path.join(d, "data", "jy.db")
    cfg = write_config(os.path.join(d, "config.yaml"), db, list(sources), extra=DUTY + extra)
    j = J(jingyu, cfg)
    j("root", "person", "add", "admin", "--name", "管理员", "--roles", "admin")
    j("admin", "person", "add", "zhang", "--name", "张三", "--roles", "operator")
    j("admin", "person", "add", "wang", "--name", "王五", "--roles", "operator,approver")
    j("admin", "person", "add", "li", "--name", "李四", "--roles", "approver,leader")
    j("admin", "person", "add", "guest", "--name", "访客", "--roles", "viewer")
    return j, db, d


def actions(db):
    return [r["action"] for r in query(db, "SELECT action FROM audit ORDER BY id")]


# ---- 7: writes need a role and leave an audit row ---------------------------

def case_train_import(c, jingyu, top):
    j, db, d = setup(top, "train", jingyu)
    lines = []
    for k in range(12):
        lines.append(json.dumps({"text": "民警打人太嚣张了 %d" % k, "label": "negative"},
                                ensure_ascii=False))
        lines.append(json.dumps({"text": "民警帮老人找回钱包 %d" % k, "label": "positive"},
                                ensure_ascii=False))
        lines.append(json.dumps({"text": "今天派出所开放日 %d" % k, "label": "neutral"},
                                ensure_ascii=False))
    train = os.path.join(d, "train.jsonl")
    with open(train, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    for who in ("guest", "nobody", "zhang"):
        rc, out, err = j(who, "train", train, "--db", db)
        c.check("train-refused-" + who, rc == 3 and "管理员" in err, "%d %s" % (rc, err))
    c.eq("train-refused-no-model", query(db, "SELECT count(*) n FROM models")[0]["n"], 0)
    rc, out, err = j("admin", "train", train, "--db", db, "--holdout", "0")
    c.check("train-admin", rc == 0, out + err)
    row = query(db, "SELECT actor, after FROM audit WHERE action = 'model.put'")
    c.check("train-audited", len(row) == 1 and row[0]["actor"] == "admin" and
            "sentiment" in row[0]["after"], repr(row))

    items = "\n".join(json.dumps({"id": "x%d" % k, "title": "清河县通报 %d" % k,
                                  "text": "内容 %d" % k, "source": "外部"}, ensure_ascii=False)
                      for k in range(3)).encode() + b"\n"
    for who in ("guest", "zhang"):
        rc, out, err = j(who, "analyze", "--db", db, "--store", stdin=items)
        c.check("import-refused-" + who, rc == 3, "%d %s" % (rc, err))
    c.eq("import-refused-nothing-stored", query(db, "SELECT count(*) n FROM items")[0]["n"], 0)
    c.eq("import-refused-no-lease", query(db, "SELECT count(*) n FROM lease")[0]["n"], 0)
    rc, out, err = j("admin", "analyze", "--db", db, "--store", stdin=items)
    c.check("import-admin", rc == 0, err)
    c.eq("import-admin-stored", query(db, "SELECT count(*) n FROM items")[0]["n"], 3)
    row = query(db, "SELECT actor, after FROM audit WHERE action = 'items.import'")
    c.check("import-audited", len(row) == 1 and row[0]["actor"] == "admin" and
            '"stored":3' in row[0]["after"], repr(row))
    # without --store nothing is written: no role needed
    rc, out, err = j("guest", "analyze", "--db", db, stdin=items)
    c.check("analyze-read-only-open", rc == 0 and out.count("\n") == 2, err)


# ---- 8: read-only and viewer consoles write nothing; read marks per person ---

def case_consoles(c, jingyu, top):
    d0 = os.path.join(top, "consoles-drop")
    os.makedirs(d0)
    drop = os.path.join(d0, "in")
    os.makedirs(drop)
    with open(os.path.join(drop, "a.jsonl"), "w", encoding="utf-8") as f:
        f.write(json.dumps({"guid": "g1", "title": "派出所通报一", "content": "内容"},
                           ensure_ascii=False) + "\n")
    os.utime(os.path.join(drop, "a.jsonl"), (time.time() - 60, time.time() - 60))
    src = [{"name": "内部报送", "type": "file-drop", "path": drop, "interval": 60}]
    j, db, d = setup(top, "consoles", jingyu, sources=src)
    before = actions(db)
    for who, args in (("zhang", ["--read-only"]), ("guest", []), ("nobody", [])):
        rc, out, err = j.console(who, *args, ticks=4)
        c.check("console-runs-" + who, rc == 0, "%d %s" % (rc, err[-300:]))
        c.eq("console-no-lease-" + who, query(db, "SELECT count(*) n FROM lease")[0]["n"], 0)
        c.eq("console-no-import-" + who, query(db, "SELECT count(*) n FROM items")[0]["n"], 0)
        c.check("console-drop-left-" + who, os.path.exists(os.path.join(drop, "a.jsonl")),
                repr(os.listdir(drop)))
        c.eq("console-no-audit-" + who, actions(db), before)
    # collected by the collector; then Enter on the first item
    rc, out, err = j("admin", "collect", "--once")
    c.check("collect-once", rc == 0 and query(db, "SELECT count(*) n FROM items")[0]["n"] == 1,
            err)
    for who in ("nobody", "guest"):
        rc, out, err = j.console(who, "--no-collect", keys=b"\r", ticks=6)
        c.check("enter-runs-" + who, rc == 0, err[-300:])
    c.eq("enter-unknown-marks-nothing",
         query(db, "SELECT count(*) n FROM item_reads")[0]["n"], 0)
    rc, out, err = j.console("zhang", "--no-collect", keys=b"\r", ticks=6)
    marks = query(db, "SELECT p.login FROM item_reads r JOIN people p ON p.id = r.person_id")
    c.eq("enter-marks-own-only", [m["login"] for m in marks], ["zhang"])
    c.check("login-row-for-writer", "login" in actions(db), repr(actions(db)))



# ---- 8b: a read-only console opens the file read-only and never migrates ----

def file_bytes(db):
    """The database file's bytes and the log's (a reader may leave an empty
    -wal and the -shm index behind it: SQLite's readers need them)."""
    out = []
    for sfx in ("", "-wal"):
        if os.path.exists(db + sfx):
            with open(db + sfx, "rb") as f:
                out.append(f.read())
        else:
            out.append(b"")
    return out


def case_read_only_old_schema(c, jingyu, top):
    j, db, d = setup(top, "readonly", jingyu)
    # the read-only console of an up-to-date file runs and leaves it as it was
    j("admin", "status")  # the last writer leaves no -wal behind
    before = file_bytes(db)
    rc, out, err = j.console("zhang", "--read-only", ticks=3)
    c.check("ro-current-runs", rc == 0, "%d %s" % (rc, err[-300:]))
    c.check("ro-current-untouched", file_bytes(db) == before, "the file changed")
    # the file as the schema before the change marks (12) and first copies (13) left it
    h = sqlite3.connect(db)
    names = [r[0] for r in h.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                     " AND name LIKE 'mark_%'")]
    for n in names:
        h.execute('DROP TRIGGER "%s"' % n)
    h.execute("DROP TABLE changes")
    h.execute("DROP TABLE first_copies")
    h.execute("DROP TABLE first_copies_state")
    h.execute("PRAGMA user_version = 11")
    h.commit()
    h.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    h.close()
    before = file_bytes(db)
    rc, out, err = j.console("zhang", "--read-only", ticks=3)
    c.check("ro-old-refused", rc != 0 and "older" in err and "read-only" in err,
            "%d %s" % (rc, err[-300:]))
    c.check("ro-old-untouched", file_bytes(db) == before, "the file changed")
    c.eq("ro-old-not-migrated", query(db, "PRAGMA user_version")[0]["user_version"], 11)
    # a console that may write migrates it
    rc, out, err = j.console("zhang", "--no-collect", ticks=3)
    c.check("rw-migrates", rc == 0, "%d %s" % (rc, err[-300:]))
    c.check("rw-migrated", query(db, "PRAGMA user_version")[0]["user_version"] > 11, "")

# ---- 9: the approver check compares person ids --------------------------------

def case_approver(c, jingyu, top):
    j, db, d = setup(top, "approver", jingyu)
    odd = "zhao、qian"
    rc, out, err = j("admin", "person", "add", odd, "--name", "赵钱", "--roles",
                     "operator,approver")
    c.check("odd-login-registered", rc == 0, err)
    j(odd, "incident", "new", "--title", "窗口投诉", "--category", "窗口投诉", "--level", "IV")
    v = lambda: json.loads(j(odd, "incident", "show", 1, "--json")[1])["version"]  # noqa: E731
    j(odd, "incident", "assess", 1, "--version", v(), "--level", "IV", "--strategy", "回电")
    j(odd, "incident", "move", 1, "response")
    j(odd, "incident", "respond", 1, "--channel", "回电发帖人", "--content", "已回电")
    j(odd, "incident", "move", 1, "verification")
    j(odd, "incident", "verify", 1, "--version", v(), "--facts", "属实", "--verified-by", "x")
    j(odd, "incident", "move", 1, "approval")
    rc, rid, err = j(odd, "incident", "draft", 1, "--text", "通报")
    c.check("odd-drafts", rc == 0, err)
    j(odd, "incident", "submit", rid)
    rc, out, err = j(odd, "incident", "approve", rid)
    c.check("odd-never-approves-own", rc == 3 and "起草人不能审批" in err, "%d %s" % (rc, err))
    rc, out, err = j("li", "incident", "approve", rid)
    c.check("other-approver-may", rc == 0, err)


# ---- 10: drop folders ----------------------------------------------------------

def case_drop(c, jingyu, top):
    d0 = os.path.join(top, "drop-src")
    os.makedirs(d0)
    drop = os.path.join(d0, "in")
    os.makedirs(drop)
    secret = os.path.join(d0, "shadow")
    with open(secret, "w") as f:
        f.write("root:$6$SECRETHASH:19000:0:99999:7:::\n")
    os.symlink(secret, os.path.join(drop, "evil.jsonl"))
    with open(os.path.join(drop, "bad.jsonl"), "w") as f:
        f.write("zhangsan:$6$OTHERSECRET:19000\n")
    old = time.time() - 60
    os.utime(os.path.join(drop, "bad.jsonl"), (old, old))
    src = [{"name": "内部报送", "type": "file-drop", "path": drop, "interval": 60}]
    j, db, d = setup(top, "drop", jingyu, sources=src)
    rc, out, err = j("admin", "collect", "--once")
    c.check("drop-collect", rc == 0, err)
    s = query(db, "SELECT last_error FROM sources WHERE name = '内部报送'")[0]["last_error"] or ""
    c.check("drop-link-skipped", "evil.jsonl" in s and "link" in s, s)
    c.check("drop-no-secret-in-error", "SECRET" not in s and "root:" not in s, s)
    c.check("drop-link-left", os.path.islink(os.path.join(drop, "evil.jsonl")),
            repr(os.listdir(drop)))
    reason = os.path.join(drop, "failed", "bad.jsonl.reason")
    text = open(reason).read() if os.path.exists(reason) else ""
    c.check("drop-reason-written", "line 1" in text, text)
    c.check("drop-reason-no-bytes", "OTHERSECRET" not in text and "zhangsan" not in text, text)
    if os.path.exists(reason):
        c.eq("drop-reason-mode", stat.S_IMODE(os.stat(reason).st_mode), 0o600)
        c.eq("drop-failed-dir-mode",
             stat.S_IMODE(os.stat(os.path.join(drop, "failed")).st_mode), 0o700)
    _, _, err = j("admin", "status")
    c.check("drop-status-no-secret", "SECRET" not in err, err)


# ---- 11: file modes ------------------------------------------------------------

def case_files(c, jingyu, top):
    old = os.umask(0o022)
    try:
        j, db, d = setup(top, "files", jingyu)
        j("zhang", "incident", "new", "--title", "t", "--category", "其他", "--level", "IV")
        c.eq("db-mode", stat.S_IMODE(os.stat(db).st_mode), 0o600)
        c.eq("db-dir-mode", stat.S_IMODE(os.stat(os.path.dirname(db)).st_mode), 0o700)
        for ext in ("-wal", "-shm"):
            if os.path.exists(db + ext):
                c.eq("db%s-mode" % ext, stat.S_IMODE(os.stat(db + ext).st_mode), 0o600)
        os.chmod(db, 0o644)
        rc, out, err = j("zhang", "incident", "list")
        c.check("too-open-warned", rc == 0 and "warning" in err and "0644" in err, err)
    finally:
        os.umask(old)


# ---- 12: the audit chain ---------------------------------------------------------

def tamper(db, sql, params=()):
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER IF EXISTS audit_no_update")
    con.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    con.execute("DROP TRIGGER IF EXISTS audit_head_forward")
    con.execute(sql, params)
    con.commit()
    con.close()


def case_audit_nul(c, jingyu, top):
    j, db, d = setup(top, "nul", jingyu)
    rc, out, err = j("zhang", "audit", "verify")
    c.check("nul-verify-ok", rc == 0 and "head" in out, out + err)
    row = query(db, "SELECT id, after FROM audit WHERE after IS NOT NULL ORDER BY id LIMIT 1")[0]
    tamper(db, "UPDATE audit SET after = ? WHERE id = ?",
           (row["after"] + "\x00,\"roles\":\"admin\"", row["id"]))
    rc, out, err = j("zhang", "audit", "verify")
    c.check("nul-bytes-count", rc == 1 and ("row %d:" % row["id"]) in out, out + err)


def case_audit_keyed(c, jingyu, top):
    d0 = os.path.join(top, "keyed-secrets")
    os.makedirs(d0)
    secrets = os.path.join(d0, "secrets")
    with open(secrets, "w") as f:
        f.write("audit_hmac: 8b1f0c2d-a long random key\n")
    os.chmod(secrets, 0o600)
    anchor = os.path.join(d0, "anchors")
    extra = ("notify:\n  secrets: %s\naudit:\n  key: audit_hmac\n  anchor: %s\n"
             % (secrets, anchor))
    j, db, d = setup(top, "keyed", jingyu, extra=extra)
    for k in range(3):
        j("zhang", "incident", "new", "--title", "t%d" % k, "--category", "其他", "--level", "IV")
    rc, out, err = j("admin", "audit", "anchor")
    c.check("anchor-ok", rc == 0 and "seals 1" in out, out + err)
    head = query(db, "SELECT rows, hash FROM audit_head")[0]
    text = open(anchor).read() if os.path.exists(anchor) else ""
    c.check("anchor-file-has-head", head["hash"] in text, text)
    if os.path.exists(anchor):
        c.eq("anchor-file-mode", stat.S_IMODE(os.stat(anchor).st_mode), 0o600)
    rc, out, err = j("zhang", "audit", "verify")
    c.check("keyed-verify-ok", rc == 0 and "1 seals ok" in out and head["hash"] in out,
            out + err)
    # cut the last two rows and rewrite the head: the plain chain is whole
    # again, the seal is not fooled
    last = head["rows"]
    prev = query(db, "SELECT hash FROM audit WHERE id = ?", (last - 2,))[0]["hash"]
    tamper(db, "DELETE FROM audit WHERE id > ?", (last - 2,))
    tamper(db, "UPDATE audit_head SET rows = ?, hash = ?", (last - 2, prev))
    plain = write_config(os.path.join(d, "plain.yaml"), db, [], extra=DUTY)
    rc, out, err = J(jingyu, plain)("zhang", "audit", "verify")
    c.check("unkeyed-misses-cut-tail", rc == 0 and "not checked" in out, out + err)
    rc, out, err = j("zhang", "audit", "verify")
    c.check("keyed-catches-cut-tail", rc == 1 and "BROKEN" in out and "seal 1" in out, out + err)
    rc, out, err = j("admin", "audit", "seal")
    c.check("broken-chain-not-sealed", rc != 0, out + err)


# ---- 13: an incident's trail; paging ------------------------------------------------

def case_trail(c, jingyu, top):
    j, db, d = setup(top, "trail", jingyu)
    con = sqlite3.connect(db)
    con.execute("INSERT INTO sources (id, name, type, url, interval, created_at)"
                " VALUES (1, 'fixture', 'feed', 'http://127.0.0.1/', 60, ?)", (T0,))
    cur = con.execute(
        "INSERT INTO events (title, first_seen, last_seen, first_collected, items, sources, "
        "negative, velocity, score, level, updated_at) VALUES ('网传民警打人', ?, ?, ?, 3, 1, 0, 0,"
        " 70, 2, ?)", (T0, T0, T0, T0))
    ev = cur.lastrowid
    con.execute("INSERT INTO alerts (kind, dedup_key, event_id, level, title, raised_at, "
                "first_level) VALUES ('event', 'event:%d', ?, 2, '网传民警打人', ?, 2)" % ev,
                (ev, T0))
    con.commit()
    con.close()
    rc, iid, err = j("zhang", "incident", "new", "--event", ev, "--category", "其他")
    c.check("trail-new", rc == 0, err)

    def v():
        return json.loads(j("zhang", "incident", "show", iid, "--json")[1])["version"]
    j("zhang", "incident", "assess", iid, "--version", v(), "--level", "II", "--strategy", "s",
      "--reported-at", "@%d" % int(time.time()))
    j("zhang", "incident", "move", iid, "response")
    j("zhang", "incident", "respond", iid, "--channel", "官方微博", "--content", "c")
    j("zhang", "incident", "move", iid, "verification")
    j("zhang", "incident", "verify", iid, "--version", v(), "--facts", "f", "--verified-by", "x")
    j("zhang", "incident", "move", iid, "approval")
    rc, rid, err = j("zhang", "incident", "draft", iid, "--text", "通报")
    j("zhang", "incident", "submit", rid)
    j("li", "incident", "approve", rid)
    j("zhang", "incident", "publish", rid, "--channel", "官方微博")
    j("zhang", "incident", "correct", rid, "--reason", "更正日期")
    rc, out, err = j("zhang", "audit", "log", "--incident", iid, "--limit", "100")
    for want in ("release.draft", "release.submit", "release.approve", "release.publish",
                 "release.correct", "alert.ack"):
        c.check("trail-has-" + want, want in out, out)
    c.check("trail-approver-named", any("release.approve" in ln and "\tli\t" in ln
                                        for ln in out.splitlines()), out)
    # paging: more rows than the page, said so; the next page continues
    total = query(db, "SELECT count(*) n FROM audit")[0]["n"]
    rc, out, err = j("zhang", "audit", "log", "--limit", "5")
    c.check("log-says-more", rc == 0 and "--offset 5" in err and len(out.splitlines()) == 5,
            out + err)
    rc, out2, err2 = j("zhang", "audit", "log", "--limit", "5", "--offset", "5")
    ids1 = [int(ln.split("\t")[0]) for ln in out.splitlines()]
    ids2 = [int(ln.split("\t")[0]) for ln in out2.splitlines()]
    c.check("log-next-page", ids1 and ids2 and max(ids2) == min(ids1) - 1, repr((ids1, ids2)))
    rc, out3, err3 = j("zhang", "audit", "log", "--limit", str(total + 5))
    c.check("log-all-no-more", len(out3.splitlines()) == total and "offset" not in err3,
            "%d %s" % (total, err3))


# ---- 14: handover --------------------------------------------------------------------

def case_handover(c, jingyu, top):
    j, db, d = setup(top, "handover", jingyu)
    now = T0 + 12 * 3600  # 12:00, inside 全天 of 2026-12-02
    # next shift (2026-12-03): 带班领导 li, 值班员 wang
    j("li", "duty", "set", "2026-12-03", "全天", "带班领导", "--login", "li", now=now)
    j("li", "duty", "set", "2026-12-03", "全天", "值班员", "--login", "wang", now=now)
    rc, hid, err = j("zhang", "handover", "write", "--note", "夜市纠纷", now=now)
    c.check("handover-written", rc == 0, err)
    to = query(db, "SELECT to_login FROM handovers WHERE id = ?", (hid,))
    c.eq("handover-default-receiver-is-operator", to and to[0]["to_login"], "wang")
    rc, out, err = j("admin", "person", "add", "zhao", "--name", "赵六", "--roles", "operator")
    rc, out, err = j("zhao", "handover", "ack", hid, now=now + 60)
    c.check("handover-other-refused", rc == 3, "%d %s" % (rc, err))
    rc, out, err = j("li", "handover", "ack", hid, now=now + 60)
    c.check("handover-leader-must-say-so", rc == 3 and "--as-leader" in err, err)
    c.eq("handover-still-open", query(db, "SELECT acked_by FROM handovers")[0]["acked_by"], None)
    rc, out, err = j("li", "handover", "ack", hid, "--as-leader", now=now + 120)
    c.check("handover-leader-explicit", rc == 0, err)
    rc, out, err = j("li", "handover", "list")
    c.check("handover-list-tells-leader", "代为确认" in out and "li" in out, out)
    c.check("handover-audit-as-leader", "handover.ack.as_leader" in actions(db),
            repr(actions(db)))
    rc, hid2, err = j("zhang", "handover", "write", "--note", "第二条", "--to", "wang",
                      now=now + 200)
    rc, out, err = j("wang", "handover", "ack", hid2, now=now + 300)
    c.check("handover-receiver-acks", rc == 0, err)
    rc, out, err = j("wang", "handover", "list")
    c.check("handover-list-receiver", "wang 已接班" in out, out)
    rc, out, err = j("zhang", "handover", "write", "--note", "x", "--to", "ghost", now=now)
    c.check("handover-unknown-receiver-refused", rc == 3, err)


def main():
    jingyu = binary_from_argv()
    c = Checks()
    with tempfile.TemporaryDirectory(prefix="jy-access-") as top:
        for case in (case_train_import, case_consoles, case_read_only_old_schema, case_approver,
                     case_drop, case_files,
                     case_audit_nul, case_audit_keyed, case_trail, case_handover):
            try:
                case(c, jingyu, top)
            except Exception as e:  # a crash in one case must not hide the others
                c.check(case.__name__, False, "%s: %s" % (type(e).__name__, e))
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
