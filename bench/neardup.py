#!/usr/bin/env python3
"""neardup: near-duplicate recall and false merges of `jingyu analyze`
(issue 14, item 4).

  neardup.py [JINGYU] [--threshold K] [--seed S]

JINGYU defaults to build/jingyu beside this folder; --threshold sets
analysis.simhash_threshold (default: jingyu's own default). The corpus is
$JINGYU_SHARED/corpus/weibo_police_2020.jsonl (default ../shared beside the
repository); without it the benchmark says so and exits 0.

What it does:

1. Originals. The corpus goes through `jingyu analyze` once and each post's
   normalised own text ("normalized") is kept when it has at least 20
   characters; repeats of one text count once. Texts that are near-duplicates
   of one another by the reference below are thinned greedily to one, so that
   every pair of originals is a pair a person would call different posts.
   A hash of the text splits them: DEV (2/3, the part tuning looks at) and
   HELD (1/3, looked at only to report).

   Reference (a person's view, spelt out): drop everything but letters and
   digits; two texts are near-duplicates when the longer holds at least 4/5
   of the shorter (its longest in-order matches, or its 3-grams when a
   passage moved): one is the other with a prefix, a tail, a hashtag put in
   or a few characters changed. Two notices of one template share their
   boilerplate, but their facts (a fifth or more of the text) differ.

2. Variants, made as the held-out judge describes, each of one original:
     punct   punctuation swapped (，<->, 。<->.), ASCII to full-width,
             simplified characters to traditional, emoji and ！！ added
     tail    a comment, "转发理由：...", hashtags, a location, "via 微博"
     prefix  【转】, 转发：, 据XX报道：, XX消息：, 转自XX：, 来源：XX, 【XX】
             heading, or a trailing （来源：XX）
     edit2   two characters substituted, inserted or deleted at random
             places
     combo   two or three of the above together
   Originals are shuffled; each original's variants come after it, at random
   places among the next 3,000 items (so among other originals and variants).
   Every item is published a second after the one before.

3. Figures, for DEV and HELD:
     recall       variants whose duplicate_of is an item of their own group
                  (the original or another variant of it), per kind
     false merges items whose duplicate_of is an item of another group, as a
                  share of all items fed (per kind, and for the originals);
                  every such link joins texts the reference calls different

4. The real corpus, one pass in its own order (as the product sees it): of
   the links between posts whose normalised texts differ, how many join
   texts the reference does not call near-duplicates, and the 10 such (or
   nearest) pairs of lowest character similarity, for a person to judge.

Prints human lines, then "RESULT KEY=VALUE" lines."""
import difflib
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("JINGYU_SHARED", os.path.join(HERE, "..", "..", "shared"))
POLICE = os.path.join(SHARED, "corpus", "weibo_police_2020.jsonl")
KINDS = ("punct", "tail", "prefix", "edit2", "combo")
MIN_CHARS = 20
GAP = 3000  # a variant comes within this many items after its original
RESULTS = {}

# ---- running jingyu -----------------------------------------------------------


def analyze(jingyu, items, threshold=None):
    """jingyu analyze over items ({"id","text","published"}): its output
    lines, parsed, in input order."""
    with tempfile.TemporaryDirectory(prefix="neardup.") as work:
        cfg = os.path.join(work, "config.yaml")
        with open(cfg, "w", encoding="utf-8") as f:
            f.write(f"database: {os.path.join(work, 'x.db')}\nsources: []\n")
            if threshold is not None:
                f.write(f"analysis:\n  simhash_threshold: {threshold}\n")
        inp = os.path.join(work, "in.jsonl")
        with open(inp, "w", encoding="utf-8") as f:
            for it in items:
                f.write(json.dumps(it, ensure_ascii=False) + "\n")
        with open(inp, "rb") as fin:
            p = subprocess.run([jingyu, "--config", cfg, "analyze"], stdin=fin,
                               capture_output=True)
        if p.returncode:
            sys.exit(f"neardup: jingyu analyze exited {p.returncode}: "
                     f"{p.stderr.decode(errors='replace')[-400:]}")
        out = [json.loads(line) for line in p.stdout.decode().splitlines()]
    if len(out) != len(items):
        sys.exit(f"neardup: {len(items)} items in, {len(out)} lines out")
    return out


def stamp(k):
    """The k-th item's date: one a second from 2020-03-01."""
    return 1583020800 + k


# ---- the reference: what a person would call a near-duplicate ---------------


def words(s):
    return "".join(c for c in s if c.isalnum())


def grams(w, n=3):
    return {w[i:i + n] for i in range(max(1, len(w) - n + 1))}


def covered(a, b):
    """The share of the shorter of word-only texts a and b that the other
    holds: the longest in-order matches, or, when a passage moved, its
    3-grams."""
    short = min(len(a), len(b))
    blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    in_order = sum(m.size for m in blocks) / short
    ga, gb = grams(a), grams(b)
    return max(in_order, len(ga & gb) / min(len(ga), len(gb)))


def related(a, b):
    """The reference on word-only texts a and b."""
    if a == b or a in b or b in a:
        return True
    return covered(a, b) >= 0.8


def similarity(a, b):
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def thin(texts):
    """texts (in order) without the ones the reference calls near-duplicates
    of one kept before them. Candidates share 3-grams (an inverted index)."""
    kept, index = [], defaultdict(list)
    for t in texts:
        w = words(t)
        g = grams(w)
        shared = Counter()
        for x in g:
            for k in index.get(x, ()):
                shared[k] += 1
        # the 50 sharing most (ties: the earliest kept), in the same order
        # whatever the order of the sets
        best = sorted(shared.items(), key=lambda kn: (-kn[1], kn[0]))[:50]
        if any(n >= 0.3 * min(len(g), len(kept[k][1])) and related(w, kept[k][0])
               for k, n in best):
            continue
        for x in g:
            index[x].append(len(kept))
        kept.append((w, g, t))
    return [t for _, _, t in kept]


# ---- variants -------------------------------------------------------------------

# simplified -> traditional, characters OpenCC's t2s turns back
S2T = dict(zip("国说发时会们这个来为对关门车长东马见报务区县处开问题网视频员头现让还没后实经过进"
               "应该动从与无线疗医汉华岁万书买卖电话语请谢认识记讯诉证据级组织结给统紧传击场当点"
               "体边达运办乡园图团听响双号条样满热爱级顾",
               "國說發時會們這個來為對關門車長東馬見報務區縣處開問題網視頻員頭現讓還沒後實經過進"
               "應該動從與無線療醫漢華歲萬書買賣電話語請謝認識記訊訴證據級組織結給統緊傳擊場當點"
               "體邊達運辦鄉園圖團聽響雙號條樣滿熱愛級顧"))
PUNCT_SWAP = {"，": ",", ",": "，", "。": ".", "！": "!", "!": "！", "？": "?", "?": "？",
              "：": ":", ":": "：", "；": ";", "（": "(", "）": ")", "“": "\"", "”": "\""}
EMOJI = ["😡", "👍", "🙏", "[怒]", "[心]", "[赞]", "~", "！！", "…"]
COMMON = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也"
          "能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现"
          "实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表"
          "间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系"
          "军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资")
MEDIA = ["新华社", "人民日报", "央视新闻", "澎湃新闻", "新京报", "中国新闻网", "红星新闻", "平安北京",
         "环球时报", "北京日报", "头条新闻", "南方都市报"]
HEADINGS = ["警情通报", "扩散", "突发", "紧急提醒", "关注", "转", "提醒", "最新"]
COMMENTS = ["太可怕了，希望严惩！", "支持警察叔叔", "这种人就该抓起来", "大家注意安全啊",
            "点赞！辛苦了", "转发扩散，提醒身边的人", "心疼，致敬一线民警", "真是大快人心",
            "希望早日查明真相", "说得好", "在家待着别出门", "向最美逆行者致敬",
            "这也太离谱了吧", "赞一个", "必须严惩不贷"]
TOPICS = ["平安中国", "警方通报", "抗击新冠肺炎", "致敬逆行者", "疫情防控", "扫黑除恶"]
PLACES = ["北京·朝阳区", "武汉·江汉区", "上海·浦东新区", "广州·天河区", "三亚·三亚湾", "成都·锦江区"]


def punct_variant(t, rnd):
    out = []
    full = rnd.random() < 0.5
    for c in t:
        if c in PUNCT_SWAP and rnd.random() < 0.8:
            c = PUNCT_SWAP[c]
        elif full and "!" <= c <= "~" and c.isalnum():
            c = chr(ord(c) + 0xFEE0)
        elif c in S2T and rnd.random() < 0.7:
            c = S2T[c]
        out.append(c)
    v = "".join(out)
    if rnd.random() < 0.5:
        v += rnd.choice(EMOJI)
    if rnd.random() < 0.3:
        v = v.replace("，", "， ").replace(",", ", ")
    return v if v != t else t + "！！"


def tail_variant(t, rnd):
    parts = []
    for _ in range(rnd.choice((1, 1, 2))):
        k = rnd.randrange(6)
        if k == 0:
            parts.append(rnd.choice(COMMENTS))
        elif k == 1:
            parts.append("转发理由：" + rnd.choice(COMMENTS))
        elif k == 2:
            parts.append(" ".join(f"#{x}#" for x in rnd.sample(TOPICS, rnd.choice((1, 2)))))
        elif k == 3:
            parts.append("2" + rnd.choice(PLACES))
        elif k == 4:
            parts.append("via 微博 weibo.com")
        else:
            parts.append("评论：" + rnd.choice(COMMENTS))
    return t + " " + " ".join(parts)


def prefix_variant(t, rnd):
    m = rnd.choice(MEDIA)
    k = rnd.randrange(8)
    if k == 7:
        return t + f"（来源：{m}）"
    return [f"【转】{t}", f"转发：{t}", f"据{m}报道：{t}", f"{m}消息：{t}", f"转自{m}：{t}",
            f"来源：{m} {t}", f"【{rnd.choice(HEADINGS)}】{t}"][k]


def edit2_variant(t, rnd):
    v = list(t)
    for _ in range(2):
        spots = [i for i, c in enumerate(v) if c.isalnum()]
        i = rnd.choice(spots)
        op = rnd.randrange(3)
        if op == 0:
            v[i] = rnd.choice(COMMON.replace(v[i], ""))
        elif op == 1:
            v.insert(i, rnd.choice(COMMON))
        else:
            del v[i]
    return "".join(v)


MAKERS = {"punct": punct_variant, "tail": tail_variant, "prefix": prefix_variant,
          "edit2": edit2_variant}


def combo_variant(t, rnd):
    for kind in rnd.sample(("punct", "tail", "prefix", "edit2"), rnd.choice((2, 2, 3))):
        t = MAKERS[kind](t, rnd)
    return t


MAKERS["combo"] = combo_variant


# ---- the measurement ----------------------------------------------------------


def text_key(t):
    return int.from_bytes(hashlib.sha1(t.encode()).digest()[:8], "big")


def build_stream(originals, seed):
    """[(group, kind, text)] in stream order: originals shuffled, each one's
    variants at random places among the GAP items after it."""
    rnd = random.Random(seed)
    order = list(range(len(originals)))
    rnd.shuffle(order)
    slots = []
    per = 1 + len(KINDS)
    for pos, g in enumerate(order):
        t = originals[g]
        slots.append((pos * per, g, "original", t))
        vr = random.Random(text_key(t) ^ seed)
        for kind in KINDS:
            v = MAKERS[kind](t, vr)
            slots.append((pos * per + 1 + vr.random() * GAP, g, kind, v))
    slots.sort(key=lambda s: s[0])
    return [(g, kind, t) for _, g, kind, t in slots]


def measure(jingyu, name, originals, threshold, seed):
    stream = build_stream(originals, seed)
    items = [{"id": k + 1, "text": t, "published": stamp(k)} for k, (_, _, t) in
             enumerate(stream)]
    out = analyze(jingyu, items, threshold)
    group = {k + 1: g for k, (g, _, _) in enumerate(stream)}
    n, found, false = Counter(), Counter(), Counter()
    false_pairs = []
    for k, ((g, kind, t), r) in enumerate(zip(stream, out)):
        n[kind] += 1
        d = r["duplicate_of"]
        if d is None:
            continue
        d = int(d)
        if group[d] == g:
            found[kind] += 1
        else:
            false[kind] += 1
            false_pairs.append((r["normalized"], out[d - 1]["normalized"]))
    variants = sum(n[k] for k in KINDS)
    total_found = sum(found[k] for k in KINDS)
    total_false = sum(false.values())
    print(f"  {name}: {len(originals)} originals, {len(items)} items")
    print(f"    {'kind':9s} {'items':>6s} {'recall':>7s} {'false merges':>13s}")
    for kind in ("original",) + KINDS:
        rec = f"{found[kind] / n[kind]:7.3f}" if kind != "original" else "      -"
        share = 100 * false[kind] / n[kind]
        print(f"    {kind:9s} {n[kind]:6d} {rec} {false[kind]:6d} ({share:.2f}%)")
    rec = total_found / variants
    print(f"    {'variants':9s} {variants:6d} {rec:7.3f} {total_false:6d} "
          f"({100 * total_false / len(items):.2f}% of all items)")
    false_pairs.sort(key=lambda p: similarity(words(p[0]), words(p[1])))
    for a, b in false_pairs[:3]:  # the least alike first
        print(f"    false merge: {a[:60]!r}\n             of: {b[:60]!r}")
    key = "ND_" + name.upper()
    RESULTS[f"{key}_RECALL"] = f"{rec:.3f}"
    for kind in KINDS:
        RESULTS[f"{key}_RECALL_{kind.upper()}"] = f"{found[kind] / n[kind]:.3f}"
    RESULTS[f"{key}_FALSE"] = str(total_false)
    RESULTS[f"{key}_FALSE_PCT"] = f"{100 * total_false / len(items):.2f}"


def corpus_links(jingyu, rows, threshold):
    print("\n-- the corpus in its own order: links between different texts --")
    items = []
    for k, r in enumerate(rows):
        items.append({"id": k + 1, "text": r["text"], "published": f"{r['date']}T00:00:00Z"})
    out = analyze(jingyu, items, threshold)
    norm = [r["normalized"] for r in out]
    links = [(k, int(r["duplicate_of"]) - 1) for k, r in enumerate(out)
             if r["duplicate_of"] is not None]
    differ = [(k, d) for k, d in links if norm[k] != norm[d]]
    judged = []
    for k, d in differ:
        a, b = words(norm[k]), words(norm[d])
        judged.append((similarity(a, b), related(a, b), k, d))
    unrelated = [j for j in judged if not j[1]]
    print(f"  {len(rows)} posts, {len(links)} linked as near-duplicates, {len(differ)} of them "
          f"to a different normalised text; {len(unrelated)} of those are not near-duplicates "
          f"by the reference")
    print("  the 10 links of lowest character similarity "
          "(similarity, reference: item | first copy):")
    for sim, rel, k, d in sorted(judged)[:10]:
        print(f"    {sim:.2f} {'near-dup' if rel else 'DIFFERENT'}: {norm[k][:80]!r}\n"
              f"         {'':9s} {norm[d][:80]!r}")
    RESULTS["ND_CORPUS_LINKS"] = str(len(links))
    RESULTS["ND_CORPUS_LINKS_DIFFER"] = str(len(differ))
    RESULTS["ND_CORPUS_UNRELATED"] = str(len(unrelated))


def main():
    args = sys.argv[1:]
    jingyu = os.path.join(HERE, "..", "build", "jingyu")
    threshold, seed = None, 14
    while args:
        a = args.pop(0)
        if a == "--threshold":
            threshold = int(args.pop(0))
        elif a == "--seed":
            seed = int(args.pop(0))
        else:
            jingyu = a
    if not os.path.exists(POLICE):
        print(f"neardup: {POLICE} not found; skipped")
        return
    if not os.access(jingyu, os.X_OK):
        sys.exit(f"neardup: {jingyu} is not an executable; build first (ninja -C build)")
    t0 = time.monotonic()
    with open(POLICE, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    # the corpus's own texts, normalised by jingyu itself
    first = analyze(jingyu, [{"id": k + 1, "text": r["text"]} for k, r in enumerate(rows)],
                    threshold)
    seen, texts = set(), []
    for r in first:
        t = r["normalized"]
        if len(t) >= MIN_CHARS and t not in seen:
            seen.add(t)
            texts.append(t)
    texts.sort(key=text_key)
    originals = thin(texts)
    dev = [t for t in originals if text_key(t) % 3 != 2]
    held = [t for t in originals if text_key(t) % 3 == 2]
    print(f"-- near-duplicates of the corpus's posts (threshold: "
          f"{threshold if threshold is not None else 'default'}) --")
    print(f"  {len(rows)} posts, {len(texts)} distinct own texts of {MIN_CHARS}+ characters, "
          f"{len(originals)} after thinning near-duplicates of one another "
          f"(dev {len(dev)}, held {len(held)})")
    measure(jingyu, "dev", dev, threshold, seed)
    measure(jingyu, "held", held, threshold, seed + 1)
    corpus_links(jingyu, rows, threshold)
    print(f"  ({time.monotonic() - t0:.0f} s)")
    for k, v in RESULTS.items():
        print(f"RESULT {k}={v}")


if __name__ == "__main__":
    main()
