#!/usr/bin/env python3
"""Feed conformance: jingyu's parser against gofeed's parser test data.

For every case in $JINGYU_SHARED/conformance/gofeed/testdata/parser/{rss,atom,json}
this runs `PROGRAM FILE` (the test-only inspect_file, or `jingyu inspect`),
reads one JSON item per output line and compares title, link, guid, author,
published and content with gofeed's expected parse. gofeed records raw field
values in its own names, so they are mapped onto ours (see expected_items) and
markup is reduced to text the way html_to_text does before comparing; only the
fields gofeed's JSON actually has are compared, plus the number of items.

Prints one line per failing case, the pass rate per folder, per field and overall, and
`N passed, N failed, N skipped`, where the skipped are the KNOWN differences
(listed with reasons below); any other difference is a failure, so a
regression shows in `make test`. Exits 1 if the program crashed on any input,
77 (skip) without the data.

usage: conformance.py PROGRAM [ARGS...]   (`jingyu` alone implies `inspect`)
"""

import datetime
import html
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

FIELDS = ("title", "link", "guid", "author", "published", "content")

# Cases where jingyu parses differently from gofeed on purpose. They are
# reported and counted as skipped; any other difference counts as a failure.
KNOWN = {
    "rss/rdf_item_links": "several <link>s: jingyu keeps the first, gofeed the last",
    "rss/rss_channel_item_links": "several <link>s: jingyu keeps the first, gofeed the last",
    "rss/rss_channel_item_guid_naked_markup": "markup inside <guid> is reduced to its text",
    "atom/entry_id_xml_base": "an Atom id is an identifier, not resolved against xml:base",
}
ATOM_NS = ("{http://www.w3.org/2005/Atom}", "{http://purl.org/atom/ns#}", "")


def norm(s):
    """Whitespace folded, ends trimmed: layout is not what is compared."""
    return re.sub(r"\s+", " ", s or "").strip()


def html_text(s):
    """Markup reduced to text, as src/parse/html.c does."""
    s = s or ""
    s = re.sub(r"(?is)<!--.*?-->", " ", s)
    s = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", s)
    s = re.sub(r"(?is)<!\[CDATA\[(.*?)\]\]>", lambda m: html.escape(m.group(1)), s)
    s = re.sub(r"(?s)</?[A-Za-z][^>]*>", " ", s)
    s = re.sub(r"(?s)<[!?][^>]*>", " ", s)
    s = html.unescape(s)
    return norm(s.replace("\u00a0", " "))


def utc(stamp):
    """gofeed's *Parsed time as our RFC 3339 UTC form."""
    if not stamp:
        return None
    try:
        t = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_types(path):
    """For each entry of an Atom input: {field: 'text' | 'html'} from the
    type/mode attributes, so that text constructs are compared literally and
    markup after reduction. None when the input is not well-formed XML."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, ValueError):
        return None
    out = []
    for entry in root:
        if not entry.tag.endswith("entry"):
            continue
        kinds = {}
        for name in ("title", "content", "summary"):
            el = None
            for ns in ATOM_NS:
                el = entry.find(ns + name)
                if el is not None:
                    break
            if el is None:
                continue
            typ = (el.get("type") or "text").lower()
            mode = (el.get("mode") or "").lower()
            if typ in ("text", "text/plain") and mode != "escaped" or \
                    (typ.startswith("text/") and typ != "text/html"):
                kinds[name] = "text"
            else:
                kinds[name] = "html"
        out.append(kinds)
    return out


def atom_link(links):
    best = None
    for link in links or []:
        if not isinstance(link, dict) or not link.get("href"):
            continue
        if link.get("rel") in (None, "alternate"):
            return link["href"]
        best = best or link["href"]
    return best


def first_author(obj):
    authors = obj.get("authors")
    if isinstance(authors, list):
        for a in authors:
            if isinstance(a, dict) and a.get("name"):
                return a["name"]
    a = obj.get("author")
    if isinstance(a, dict):
        return a.get("name")
    return a


def expected_items(folder, exp, path):
    """gofeed's expectation as a list of {field: (value, how)}; how is 'text'
    (compare as is), 'html' (reduce expected markup) or 'date'."""
    items = []
    if folder == "rss":
        for it in exp.get("items") or []:
            e = {}
            if "title" in it:
                e["title"] = (it["title"], "html")
            if "link" in it:
                e["link"] = (it["link"], "text")
            g = it.get("guid")
            if isinstance(g, dict) and "value" in g:
                e["guid"] = (g["value"], "text")
            elif isinstance(g, str):
                e["guid"] = (g, "text")
            a = first_author(it)
            if a:
                e["author"] = (a, "html")
            d = it.get("pubDateParsed") or it.get("publishedParsed")
            if d:
                e["published"] = (d, "date")
            if "content" in it:
                e["content"] = (it["content"], "html")
            elif "description" in it:
                e["content"] = (it["description"], "html")
            items.append(e)
    elif folder == "atom":
        types = atom_types(path)
        for i, it in enumerate(exp.get("entries") or []):
            kinds = types[i] if types is not None and i < len(types) else {}
            e = {}
            if "title" in it:
                e["title"] = (it["title"], kinds.get("title", "either"))
            link = atom_link(it.get("links"))
            if link:
                e["link"] = (link, "text")
            if "id" in it:
                e["guid"] = (it["id"], "text")
            a = first_author(it)
            if a:
                e["author"] = (a, "text")
            d = it.get("publishedParsed") or it.get("updatedParsed")
            if d:
                e["published"] = (d, "date")
            c = it.get("content")
            if isinstance(c, dict) and "value" in c:
                e["content"] = (c["value"], kinds.get("content", "either"))
            elif "summary" in it:
                e["content"] = (it["summary"], kinds.get("summary", "either"))
            items.append(e)
    else:  # JSON Feed: the expectation is the feed itself
        for it in exp.get("items") or []:
            e = {}
            if "title" in it:
                e["title"] = (it["title"], "text")
            if it.get("url") or it.get("external_url"):
                e["link"] = (it.get("url") or it.get("external_url"), "text")
            if "id" in it:
                e["guid"] = (str(it["id"]), "text")
            a = first_author(it) or first_author(exp)
            if a:
                e["author"] = (a, "text")
            d = it.get("date_published") or it.get("date_modified")
            if d:
                e["published"] = (d, "date")
            if it.get("content_html"):
                e["content"] = (it["content_html"], "html")
            elif it.get("content_text"):
                e["content"] = (it["content_text"], "text")
            elif "summary" in it:
                e["content"] = (it["summary"], "text")
            items.append(e)
    return items


def field_ok(got, want, how):
    if how == "date":
        return (got or None) == utc(want)
    g = norm(got)
    if how == "text":
        return g == norm(want)
    if how == "html":
        return g == html_text(want)
    return g in (norm(want), html_text(want))  # type unknown: either reading


def cases(base, folder):
    d = os.path.join(base, folder)
    names = sorted(os.listdir(d))
    for n in names:
        p = os.path.join(d, n)
        if not os.path.isfile(p):
            continue
        if folder == "json":
            if n.endswith("_expected.json"):
                continue
            stem = n[:-len(".json")]
            exp = os.path.join(d, stem + "_expected.json")
            if n.endswith(".json") and os.path.exists(exp):
                yield stem, p, exp
        elif n.endswith(".xml"):
            exp = p[:-len(".xml")] + ".json"
            if os.path.exists(exp):
                yield n[:-len(".xml")], p, exp


def run(cmd, path):
    try:
        r = subprocess.run(cmd + [path], capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return None, "timeout", True
    err = r.stderr.decode("utf-8", "replace")
    crashed = r.returncode < 0 or r.returncode > 1 or "Sanitizer" in err or \
        "runtime error:" in err
    if crashed:
        return None, "crash (status %d): %s" % (r.returncode, err.strip()[:300]), True
    if r.returncode != 0:
        return None, "parse error: " + norm(err)[:200], False
    items = []
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        if line.strip():
            items.append(json.loads(line))
    return items, None, False


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    cmd = sys.argv[1:]
    if len(cmd) == 1 and os.path.basename(cmd[0]) == "jingyu":
        cmd.append("inspect")
    shared = os.environ.get("JINGYU_SHARED") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared")
    base = os.path.join(shared, "conformance", "gofeed", "testdata", "parser")
    if not os.path.isdir(base):
        print("SKIP: gofeed test data not found at %s" % base)
        return 77
    total_pass = total_fail = total_known = 0
    field_n = {f: 0 for f in FIELDS}
    field_ok_n = {f: 0 for f in FIELDS}
    crashes = 0
    rates = []
    for folder in ("rss", "atom", "json"):
        if not os.path.isdir(os.path.join(base, folder)):
            continue
        npass = nfail = nknown = with_items = 0
        for name, path, exp_path in cases(base, folder):
            with open(exp_path, encoding="utf-8") as f:
                exp = json.load(f)
            want = expected_items(folder, exp, path)
            if want:
                with_items += 1
            got, problem, crashed = run(cmd, path)
            if crashed:
                crashes += 1
            fails = []
            if problem:
                fails.append(problem)
            elif len(got) != len(want):
                fails.append("count: got %d items, want %d" % (len(got), len(want)))
            else:
                for i, (g, w) in enumerate(zip(got, want)):
                    for field in FIELDS:
                        if field not in w:
                            continue
                        field_n[field] += 1
                        if field_ok(g.get(field), *w[field]):
                            field_ok_n[field] += 1
                        else:
                            fails.append("item %d %s: got %r, want %r" %
                                         (i, field, g.get(field), w[field][0]))
            key = "%s/%s" % (folder, name)
            if fails and key in KNOWN:
                nknown += 1
                print("KNOWN %s: %s (%s)" % (key, KNOWN[key], "; ".join(fails)))
            elif fails:
                nfail += 1
                print("FAIL %s: %s" % (key, "; ".join(fails)))
            else:
                npass += 1
        total_pass += npass
        total_fail += nfail
        total_known += nknown
        n = npass + nfail + nknown
        rates.append("%s: %d/%d (%.1f%%; %d cases have items to compare)" %
                     (folder, npass, n, 100.0 * npass / n if n else 0, with_items))
    for r in rates:
        print(r)
    # per field, over the items of the cases whose item count matched
    print("fields: " + ", ".join(
        "%s %d/%d (%.1f%%)" % (f, field_ok_n[f], field_n[f],
                               100.0 * field_ok_n[f] / field_n[f] if field_n[f] else 0)
        for f in FIELDS))
    n = total_pass + total_fail + total_known
    print("overall: %d/%d (%.1f%%) match gofeed; %d known differences" %
          (total_pass, n, 100.0 * total_pass / n if n else 0, total_known))
    print("%d passed, %d failed, %d skipped" % (total_pass, total_fail, total_known))
    if crashes:
        print("the program crashed on %d input(s)" % crashes)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
