#!/usr/bin/env python3
"""Integration test of escalation and notifications: the real jingyu
binary against loopback receivers (an HTTP server for the webhooks, a small
SMTP server for e-mail), with a fake clock.

Usage: test_notify.py PATH/TO/jingyu

- a secrets file others can read is refused, naming the file and its mode;
- one message reaches every channel in its format: 企业微信 and 钉钉
  {"msgtype":"text"}, 钉钉 signed (timestamp + HMAC-SHA256, checked here),
  飞书 signed in the body, the generic JSON, and SMTP mail;
- an alert nobody acknowledges goes to the channels when raised, to the
  shift leader on duty after its level's window, to the bureau leader after
  the next; an acknowledged one stops;
- over a channel's rate limit the waiting messages become one digest, never
  dropped;
- while the receiver is down messages wait and retry with backoff; after
  kill -9 of the sender and the receiver's return each arrives exactly once;
- a sender killed in the middle of one delivery holds that one message, and
  only for the send timeout plus a margin: another sender then delivers all.
Output: `ok NAME` / `FAIL NAME: why`, then `N passed, N failed`."""
import base64
import hashlib
import hmac
import http.server
import json
import os
import signal
import socket
import socketserver
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, binary_from_argv, query, write_config  # noqa: E402

T0 = 1796140800 + 12 * 3600  # 2026-12-02 12:00 +08:00
SECRETS = {"wecom_key": "wk-123", "ding_token": "dt-456", "ding_secret": "SECdingding",
           "feishu_hook": "fh-789", "feishu_secret": "fs-secret"}


class Receiver(http.server.BaseHTTPRequestHandler):
    requests = []
    mode = {}  # path prefix -> "ok" | "down" | "refuse"
    lock = threading.Lock()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        path = urllib.parse.urlparse(self.path)
        mode = next((m for p, m in Receiver.mode.items() if path.path.startswith(p)), "ok")
        if mode == "hang":  # a receiver that takes the message and never answers
            time.sleep(4)
            return
        if mode == "down":
            self.send_response(503)
            self.end_headers()
            return
        with Receiver.lock:
            Receiver.requests.append((path.path, urllib.parse.parse_qs(path.query),
                                      json.loads(body.decode("utf-8"))))
        reply = b'{"errcode":310000,"errmsg":"sign not match"}' if mode == "refuse" else \
            b'{"errcode":0,"errmsg":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *a):
        pass


class Smtp(socketserver.StreamRequestHandler):
    mails = []

    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        data = None
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if data is not None:
                if line == b".\r\n":
                    Smtp.mails.append(b"".join(data).decode("utf-8", "replace"))
                    data = None
                    self.wfile.write(b"250 ok\r\n")
                else:
                    data.append(line)
                continue
            cmd = line[:4].upper()
            if cmd == b"EHLO" or cmd == b"HELO":
                self.wfile.write(b"250 test\r\n")
            elif cmd == b"DATA":
                data = []
                self.wfile.write(b"354 go\r\n")
            elif cmd == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def run(jingyu, cfg, *args, user="zhang", now=T0):
    env = dict(os.environ, JINGYU_USER=user, TZ="UTC", JINGYU_FAKE_NOW=str(now))
    p = subprocess.run([jingyu, "--config", cfg] + [str(a) for a in args], capture_output=True,
                       timeout=120, env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def main():
    jingyu = binary_from_argv()
    c = Checks()
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Smtp)
    smtp.daemon_threads = True
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    port, sport = web.server_address[1], smtp.server_address[1]
    with tempfile.TemporaryDirectory(prefix="jy-notify-") as top:
        db = os.path.join(top, "jy.db")
        secrets = os.path.join(top, "secrets")
        with open(secrets, "w") as f:
            f.write("# webhook keys\n")
            for k, v in SECRETS.items():
                f.write("%s: %s\n" % (k, v))
        os.chmod(secrets, 0o644)
        extra = """identity: {from_env: true}
escalation:
  II: {leader: 10, bureau: 30}
  bureau_leaders: [chen]
duty:
  rotations:
    - {post: 带班领导, people: [li], start: 2026-11-01}
notify:
  secrets: %(secrets)s
  channels:
    - {name: 企业微信, type: wecom, url: "http://127.0.0.1:%(p)d/wecom/send?key=${wecom_key}"}
    - {name: 钉钉, type: dingtalk, url: "http://127.0.0.1:%(p)d/ding/send?access_token=${ding_token}", secret: ding_secret}
    - {name: 飞书, type: feishu, url: "http://127.0.0.1:%(p)d/feishu/${feishu_hook}", secret: feishu_secret}
    - {name: 接口, type: json, url: "http://127.0.0.1:%(p)d/json", per_minute: 20}
    - {name: 邮件, type: smtp, url: "smtp://127.0.0.1:%(s)d", from: duty@qh.example, to: [leader@qh.example]}
""" % {"secrets": secrets, "p": port, "s": sport}
        cfg = write_config(os.path.join(top, "config.yaml"), db, [], extra=extra)
        for login, name, roles in (("zhang", "张三", "operator,admin"), ("li", "李四", "leader"),
                                   ("chen", "陈七", "leader")):
            run(jingyu, cfg, "person", "add", login, "--name", name, "--roles", roles)
        run(jingyu, cfg, "duty", "generate", "--from", "2026-12-01", "--to", "2026-12-05",
            user="li")

        # 1. the secrets file must be the owner's alone
        rc, out, err = run(jingyu, cfg, "notify", "run", "--once")
        c.check("secrets-readable-by-others-refused",
                rc != 0 and "mode 0644" in err and secrets in err and "wk-123" not in err, err)
        os.chmod(secrets, 0o600)

        # 2. one message, every format
        rc, out, err = run(jingyu, cfg, "notify", "send", "--subject", "测试消息", "--body",
                           "正文：请值班员注意")
        rc, out, err = run(jingyu, cfg, "notify", "run", "--once")
        c.check("send-run", rc == 0 and "sent 5" in out, out + err)
        reqs = {r[0].split("/")[1]: r for r in Receiver.requests}
        wecom, ding, feishu, js = (reqs.get(k) for k in ("wecom", "ding", "feishu", "json"))
        c.check("wecom-format", wecom and wecom[1].get("key") == ["wk-123"] and
                wecom[2] == {"msgtype": "text", "text": {"content": "测试消息\n正文：请值班员注意"}},
                repr(wecom))
        ok = False
        if ding:
            q = ding[1]
            ts = q.get("timestamp", [""])[0]
            want = base64.b64encode(hmac.new(b"SECdingding", (ts + "\nSECdingding").encode(),
                                             hashlib.sha256).digest()).decode()
            ok = (q.get("access_token") == ["dt-456"] and q.get("sign") == [want] and
                  int(ts) == T0 * 1000 and ding[2]["msgtype"] == "text")
        c.check("dingtalk-signed", ok, repr(ding))
        ok = False
        if feishu:
            b = feishu[2]
            want = base64.b64encode(hmac.new(("%s\nfs-secret" % b.get("timestamp")).encode(), b"",
                                             hashlib.sha256).digest()).decode()
            ok = (feishu[0] == "/feishu/fh-789" and b.get("sign") == want and
                  b.get("msg_type") == "text" and "测试消息" in b["content"]["text"])
        c.check("feishu-signed", ok, repr(feishu))
        c.check("json-format", js and js[2]["subject"] == "测试消息" and
                js[2]["text"] == "正文：请值班员注意" and js[2]["at"] == T0, repr(js))
        mail = Smtp.mails[0] if Smtp.mails else ""
        subj = "=?UTF-8?B?%s?=" % base64.b64encode("测试消息".encode()).decode()
        c.check("smtp-mail", subj in mail and "正文：请值班员注意" in mail and
                "To: leader@qh.example" in mail, mail)
        rows = query(db, "SELECT status, count(*) n FROM outbox GROUP BY status")
        c.eq("all-sent", [(r["status"], r["n"]) for r in rows], [("sent", 5)])
        leaked = [r for r in query(db, "SELECT * FROM outbox") if "wk-123" in json.dumps(r)]
        aud = [r for r in query(db, "SELECT * FROM audit") if "SECdingding" in json.dumps(r)]
        c.check("no-secret-in-the-database", not leaked and not aud, repr(leaked + aud))

        # 3. escalation with an injected clock
        Receiver.requests.clear()
        con = sqlite3.connect(db)
        con.execute("INSERT INTO events (title, first_seen, last_seen, first_collected, items, "
                    "sources, negative, velocity, score, level, updated_at) VALUES "
                    "('网传民警打人', ?, ?, ?, 3, 1, 2, 1, 65, 2, ?)", (T0,) * 4)
        con.execute("INSERT INTO alerts (kind, dedup_key, event_id, level, title, raised_at, "
                    "first_item_at, latency) VALUES ('event', 'a1', 1, 2, '【II】网传民警打人', ?, ?, 60)",
                    (T0 + 60, T0))
        con.execute("INSERT INTO events (title, first_seen, last_seen, first_collected, items, "
                    "sources, negative, velocity, score, level, updated_at) VALUES "
                    "('另一事件', ?, ?, ?, 1, 1, 0, 0, 60, 2, ?)", (T0,) * 4)
        con.execute("INSERT INTO alerts (kind, dedup_key, event_id, level, title, raised_at, "
                    "first_item_at, latency) VALUES ('event', 'a2', 2, 2, '【II】另一预警', ?, ?, 60)",
                    (T0 + 60, T0))
        con.commit()
        con.close()

        def steps(alert):
            return [(r["step"], r["to_logins"]) for r in
                    query(db, "SELECT step, to_logins FROM escalations WHERE alert_id = ? "
                          "ORDER BY step", (alert,))]
        run(jingyu, cfg, "notify", "run", "--once", now=T0 + 120)
        c.eq("escalate-raised-to-the-channels", steps(1), [(0, "-")])
        run(jingyu, cfg, "notify", "run", "--once", now=T0 + 60 + 9 * 60)
        c.eq("escalate-not-before-its-window", steps(1), [(0, "-")])
        # alert 2 is acknowledged in time
        rc, out, err = run(jingyu, cfg, "incident", "new", "--alert", 2, "--category", "其他",
                           now=T0 + 60 + 5 * 60)
        run(jingyu, cfg, "notify", "run", "--once", now=T0 + 60 + 10 * 60)
        c.eq("escalate-to-the-shift-leader-on-duty", steps(1), [(0, "-"), (1, "li")])
        run(jingyu, cfg, "notify", "run", "--once", now=T0 + 60 + 30 * 60)
        c.eq("escalate-to-the-bureau-leader", steps(1), [(0, "-"), (1, "li"), (2, "chen")])
        c.eq("acknowledged-alert-not-escalated", steps(2), [(0, "-")])
        subjects = [r[2].get("subject") for r in Receiver.requests if r[0] == "/json"]
        c.check("escalation-messages",
                any(s and s.startswith("【升级】预警 #1 已 10 分钟无人确认") for s in subjects) and
                any(s and s.startswith("【再升级】预警 #1 已 30 分钟") for s in subjects),
                repr(subjects))
        acts = [r["action"] for r in query(db, "SELECT action FROM audit")]
        c.check("escalation-audited", acts.count("alert.escalate") == 2, repr(acts))

        # 4. over the rate limit: one digest, nothing dropped
        Receiver.requests.clear()
        t = T0 + 3600
        for i in range(25):
            run(jingyu, cfg, "notify", "send", "--channel", "接口", "--subject", "消息%02d" % i,
                now=t)
        rc, out, err = run(jingyu, cfg, "notify", "run", "--once", now=t)
        got = [r[2]["subject"] for r in Receiver.requests if r[0] == "/json"]
        digest = [r[2] for r in Receiver.requests if r[0] == "/json" and
                  r[2]["subject"].startswith("汇总")]
        ok = (len(got) == 20 and got[:19] == ["消息%02d" % i for i in range(19)] and digest and
              digest[0]["subject"].startswith("汇总：6 条通知") and
              all("消息%02d" % i in digest[0]["text"] for i in range(19, 25)))
        c.check("rate-limit-digest", ok, repr(got) + out + err)
        for i in range(3):
            run(jingyu, cfg, "notify", "send", "--channel", "接口", "--subject", "晚到%d" % i,
                now=t + 10)
        run(jingyu, cfg, "notify", "run", "--once", now=t + 10)
        n_before = len([r for r in Receiver.requests if r[0] == "/json"])
        run(jingyu, cfg, "notify", "run", "--once", now=t + 75)
        late = [r[2] for r in Receiver.requests if r[0] == "/json"][n_before:]
        c.check("over-the-limit-waits-for-the-next-minute",
                n_before == 20 and len(late) == 1 and late[0]["subject"].startswith("汇总：3 条") and
                all("晚到%d" % i in late[0]["text"] for i in range(3)), repr(late))

        # 5. receiver down, sender killed, receiver back: each once
        Receiver.requests.clear()
        Receiver.mode["/json"] = "down"
        t = T0 + 7200
        for i in range(5):
            run(jingyu, cfg, "notify", "send", "--channel", "接口", "--subject", "重试%d" % i,
                now=t)
        rc, out, err = run(jingyu, cfg, "notify", "run", "--once", now=t)
        waiting = query(db, "SELECT count(*) n FROM outbox WHERE subject LIKE '重试%' AND "
                        "status = 'waiting' AND attempts = 1 AND last_error = 'HTTP 503'")
        c.check("down-messages-wait", waiting[0]["n"] == 5, out + err)
        env = dict(os.environ, JINGYU_USER="zhang", TZ="UTC", JINGYU_FAKE_NOW=str(t + 40))
        p = subprocess.Popen([jingyu, "--config", cfg, "notify", "run"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.5)
        p.kill()
        p.wait()
        tries = query(db, "SELECT min(attempts) a FROM outbox WHERE subject LIKE '重试%'")
        c.check("retried-with-backoff", tries[0]["a"] == 2, repr(tries))
        Receiver.mode["/json"] = "ok"
        run(jingyu, cfg, "notify", "run", "--once", now=t + 60)  # still backing off
        early = [r for r in Receiver.requests if r[0] == "/json"]
        run(jingyu, cfg, "notify", "run", "--once", now=t + 600)
        got = sorted(r[2]["subject"] for r in Receiver.requests if r[0] == "/json")
        c.check("after-kill-each-exactly-once",
                not early and got == ["重试%d" % i for i in range(5)], repr(got))
        left = query(db, "SELECT count(*) n FROM outbox WHERE status IN ('waiting', 'sending')")
        c.eq("nothing-left-waiting", left[0]["n"], 0)

        # 6. killed mid-send: one message claimed, taken back after timeout + margin
        Receiver.requests.clear()
        Receiver.mode["/json"] = "hang"
        t = T0 + 9000
        for i in range(5):
            run(jingyu, cfg, "notify", "send", "--channel", "接口", "--subject", "中断%d" % i,
                now=t)
        env = dict(os.environ, JINGYU_USER="zhang", TZ="UTC", JINGYU_FAKE_NOW=str(t))
        p = subprocess.Popen([jingyu, "--config", cfg, "notify", "run", "--once"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sending = []
        for _ in range(50):  # until it is posting the first one
            time.sleep(0.1)
            sending = query(db, "SELECT subject FROM outbox WHERE status = 'sending' AND "
                            "subject LIKE '中断%'")
            if sending:
                break
        time.sleep(0.5)
        sending = query(db, "SELECT subject FROM outbox WHERE status = 'sending' AND "
                        "subject LIKE '中断%'")
        p.kill()
        p.wait()
        c.check("a-claim-is-one-message", [r["subject"] for r in sending] == ["中断0"],
                repr(sending))
        Receiver.mode["/json"] = "ok"
        run(jingyu, cfg, "notify", "run", "--once", now=t + 10 + 30 - 5)  # claim still held
        held = [r[2]["subject"] for r in Receiver.requests if r[0] == "/json"]
        held = [x for x in held if x.startswith("中断")]
        run(jingyu, cfg, "notify", "run", "--once", now=t + 10 + 30 + 1)  # timeout 10 + margin
        got = sorted(r[2]["subject"] for r in Receiver.requests if r[0] == "/json" and
                     r[2]["subject"].startswith("中断"))
        c.check("a-dead-senders-claim-expires-after-timeout-and-margin",
                "中断0" not in held and got == ["中断%d" % i for i in range(5)], repr((held, got)))

        # a robot that answers 200 but refuses counts as a failure
        Receiver.requests.clear()
        Receiver.mode["/wecom"] = "refuse"
        run(jingyu, cfg, "notify", "send", "--channel", "企业微信", "--subject", "拒收", now=t + 700)
        run(jingyu, cfg, "notify", "run", "--once", now=t + 700)
        r = query(db, "SELECT status, last_error FROM outbox WHERE subject = '拒收'")
        c.check("robot-refusal-retried", r and r[0]["status"] == "waiting" and
                "310000" in (r[0]["last_error"] or ""), repr(r))
        # a secret written into a url is refused by the configuration
        for i, url in enumerate(("https://oapi.dingtalk.com/robot/send?access_token=abc123",
                                 "https://open.feishu.cn/open-apis/bot/v2/hook/xyz",
                                 "smtps://duty:pw@smtp.example.org:465")):
            typ = "smtp" if url.startswith("smtp") else "dingtalk"
            more = ", from: a@b, to: [c@d]" if typ == "smtp" else ""
            bad = write_config(os.path.join(top, "bad%d.yaml" % i), db, [], extra=(
                "notify:\n  channels:\n    - {name: x, type: %s, url: \"%s\"%s}\n" %
                (typ, url, more)))
            p = subprocess.run([jingyu, "--config", bad, "check-config"], capture_output=True,
                               text=True)
            c.check("config-refuses-secret-in-url-%d" % i,
                    p.returncode == 2 and "notify.channels[0]" in p.stderr, p.stderr)
    web.shutdown()
    smtp.shutdown()
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
