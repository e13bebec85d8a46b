/* Unit tests for src/parse: dates, character sets, HTML reduction, each feed
 * format (hand-written fixtures in tests/fixtures/feeds and, when present,
 * the JSON Feed specification's examples in $JINGYU_SHARED), malformed input,
 * caps, escape stripping, the inspect JSON line and JSON-lines items. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "parse/parse.h"
#include "parse/parse_internal.h"
#include "util/util.h"

#define T2004 1072986501 /* Thu, 01 Jan 2004 19:48:21 GMT */

/* ---- helpers ----------------------------------------------------------- */

static char *fixture_read(const char *name, size_t *len)
{
    const char *src = getenv("JINGYU_SRCDIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/feeds/%s", src ? src : ".", name);
    char *body = NULL;
    struct jy_error err = {0};
    if (jy_read_file(path, 1 << 20, &body, len, &err) != 0)
        fail_msg("cannot read fixture %s: %s", path, err.msg);
    return body;
}

static void parse_ok(const char *body, size_t len, const struct parse_opts *o, struct feed *f)
{
    struct jy_error err = {0};
    int rc = parse_feed(body, len, o, f, &err);
    if (rc != 0)
        fail_msg("parse_feed failed: %s", err.msg);
}

static void parse_str_ok(const char *body, struct feed *f)
{
    parse_ok(body, strlen(body), NULL, f);
}

/* ---- dates ------------------------------------------------------------- */

static void date_table(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int64_t want;
    } ok[] = {
        {"Thu, 01 Jan 2004 19:48:21 GMT", T2004},
        {"01 Jan 2004 19:48:21 GMT", T2004},        /* no weekday */
        {"Thu, 1 Jan 2004 19:48:21 GMT", T2004},    /* one-digit day */
        {"Thu, 01 Jan 2004 19:48 GMT", T2004 - 21}, /* no seconds */
        {"Thu, 01 Jan 04 19:48:21 GMT", T2004},     /* two-digit year */
        {"Thu, 01 Jan 2004 19:48:21 +0000", T2004},
        {"Fri, 02 Jan 2004 03:48:21 +0800", T2004},
        {"Fri, 02 Jan 2004 03:48:21 +08:00", T2004},
        {"Thu, 01 Jan 2004 14:48:21 EST", T2004},
        {"Thu, 01 Jan 2004 15:48:21 EDT", T2004},
        {"Thu, 01 Jan 2004 13:48:21 CST", T2004},
        {"Thu, 01 Jan 2004 12:48:21 MST", T2004},
        {"Thu, 01 Jan 2004 11:48:21 PST", T2004},
        {"Thu, 01 Jan 2004 12:48:21 PDT", T2004},
        {"Thu, 01 Jan 2004 19:48:21", T2004}, /* no zone: UTC */
        {"  Thu,   01  Jan\t2004   19:48:21   GMT \n", T2004},
        {"Thursday, 01 January 2004 19:48:21 GMT", T2004},
        {"Thu 01 Jan 2004 19:48:21 UT", T2004}, /* comma missing */
        {"Thu, 01 Jan 2004 19:48:21 UTC", T2004},
        {"Thu, 01 Jan 2004 19:48:21 Z", T2004},
        {"Thu, 01 Jan 2004 19:48:21 A", T2004 + 3600}, /* military, RFC 822's signs: A is -1 */
        {"Jan 1, 2004 19:48:21 GMT", T2004},
        {"Thu Jan  1 19:48:21 2004", T2004}, /* asctime */
        {"01-Jan-2004 19:48:21 GMT", T2004},
        {"2004-01-01T19:48:21Z", T2004},
        {"2004-01-01T19:48:21.123456Z", T2004},
        {"2004-01-02T03:48:21+08:00", T2004},
        {"2004-01-01T14:48:21-05:00", T2004},
        {"2004-01-01t19:48:21z", T2004},
        {"2004-01-02 03:48:21", T2004}, /* Chinese CMS: UTC+8 */
        {"2004/01/02 03:48:21", T2004},
        {"2004-01-02 03:48", T2004 - 21},
        {"2004-01-01 19:48:21 +0000", T2004},
        {"2004-01-01", 1072915200},           /* date only */
        {"2024-02-29T00:00:00Z", 1709164800}, /* leap day */
        /* words in any case, long and short forms, AM/PM */
        {"thu, 01 jan 2004 19:48:21 gmt", T2004},
        {"THURSDAY, 01 JANUARY 2004 19:48:21 Gmt", T2004},
        {"Wed, 01 Sept 2004 19:48:21 GMT", 1094068101},
        {"Jan 1, 2004 7:48:21 PM GMT", T2004},
        {"Jan 1, 2004 12:48:21 am GMT", T2004 - 19 * 3600},
        {"2004-01-01 14:48:21 est", T2004},
        /* issue 15: zones of other feeds */
        {"Thu, 01 Jan 2004 20:48:21 MET", T2004},
        {"Thu, 01 Jan 2004 21:48:21 MEST", T2004},
        {"Thu, 01 Jan 2004 15:48:21 AT", T2004},
        {"Thu, 01 Jan 2004 14:48:21 ET", T2004},
        {"Thu, 01 Jan 2004 13:48:21 CT", T2004},
        {"Thu, 01 Jan 2004 12:48:21 MT", T2004},
        {"Thu, 01 Jan 2004 11:48:21 PT", T2004},
        {"Thu, 01 Jan 2004 19:48:21 Etc/GMT", T2004},
        {"Jan 1, 2004 at 7:48:21 PM GMT", T2004}, /* "at" before the time is a word */
        /* issue 15: W3C-DTF and ISO 8601 reduced, ordinal, week, compact forms */
        {"2003", 1041379200},
        {"2003-12", 1070236800},
        {"2003-12-31", 1072828800},
        {"20031231", 1072828800},
        {"2003-365", 1072828800},
        {"2003365", 1072828800},
        {"03-335", 1070236800},
        {"03335", 1070236800},
        {"031231", 1072828800},
        {"03-12-31", 1072828800},
        {"-0312", 1070236800},
        {"-03-12", 1070236800},
        {"2004-W01-1", 1072656000},
        {"2004W011", 1072656000},
        {"2003-12-31T10:14:55Z", 1072865695},
        {"20031231T101455Z", 1072865695},
        {"2003-12-31T101455Z", 1072865695},
        {"2003-12-31T10:14:55 MET", 1072865695 - 3600},
        {"2 Jan 2004 03:48:21 +0800", T2004},
        /* feedparser's documented forms (issue 15): the military letters
         * with RFC 822's signs, an unsigned number (no telling east from
         * west: UTC), PM on a 24-hour clock, the hour alone, -YY-MM-DD */
        {"Sat, 06 Mar 2010 07:05:09 M", 1267902309},
        {"Sat, 06 Mar 2010 07:05:09 N", 1267855509},
        {"Sat, 06 Mar 2010 07:05:09 Y", 1267815909},
        {"Sat, 06 Mar 2010 07:05:09 0100", 1267859109},
        {"Thu, 01 Jan 2004 19:48:21 PM", T2004},
        {"2003-12-31T10Z", 1072864800},
        {"-03-12-31", 1072828800},
        /* Perforce, with its weekday */
        {"Fri, 2006/09/15 08:19:53 EDT", 1158322793},
        /* Korean blogs, UTC+9: Nate (오전/오후, 12-hour clock) and OnBlog */
        {"2004-05-25 오후 11:23:17", 1085494997},
        {"2004-05-25 오전 3:00:00", 1085421600},
        {"2004-05-25 오전 12:00:00", 1085410800},
        {"2004-05-25 오후 12:00:00", 1085454000},
        {"2004년 05월 28일  01:31:15", 1085675475},
        {"2004년 5월 28일 01:31:15", 1085675475},
        /* Greek names in RFC 822 order, Hungarian months in W3C-DTF */
        {"Κυρ, 11 Ιούλ 2004 12:00:00 EST", 1089565200},
        {"Τετ, 01 Ιαν 2004 19:48:21 GMT", T2004},
        {"2004-július-13T9:15-05:00", 1089728100},
        {"2004-január-13T09:15+01:00", 1073981700},
        {"2004-december-01T23:59Z", 1101945540},
        {"01-december-2004 10:00 GMT", 1101895200},         /* English, not Hungarian */
        {"Mon, 5 May 2008 10:05:00 -0400 EDT", 1209996300}, /* the zone named twice */
        {"2004-1-5T1:2:3Z", 1073264523},                    /* one-digit fields */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t t = -1;
        int rc = parse_date(ok[i].in, &t);
        if (rc != 0 || t != ok[i].want)
            fail_msg("parse_date(\"%s\") = %d, %lld; want %lld", ok[i].in, rc, (long long)t,
                     (long long)ok[i].want);
    }
    static const char *const bad[] = {
        "",
        "   ",
        "not a date",
        "123456789", /* epoch seconds are no ISO 8601 ("12345" is: 2012's 345th day) */
        "1234567890",
        "2004-13-01T00:00:00Z",
        "2003-366",
        "2004-W54-1",
        "-03",
        "2023-02-29",
        "2004-01-01T25:00:00Z",
        "2004-01-01T19:48:21+99:00",
        "Thu, 32 Jan 2004 19:48:21 GMT",
        "Thu, 01 Foo 2004 19:48:21 GMT",
        "Thu, 01 Jan 2004 19:48:21 XYZ",
        "Thu, 01 Jan 2004 19:48:21 J",
        "Thu, 01 Jan 2004 19:48:21 Greenwichmeantimezone",
        "2004-01-01 19:48:21 Greenwichmeantimezone",
        "Thu, 01 Jan 19:48:21 GMT",
        "2004-01-01Tgarbage",
        "2004-05-25 오후 13:00:00",
        "2004-05-25 오전 0:00:00",
        "2004년 13월 28일 01:31:15",
        "Κυρ, 11 Ιούλ 2004 25:00:00 EST",
        "2004-日-13T09:15Z",
        "Sat, 06 Mar 2010 07:05:09 2400",
        "2003-12-31T1Z",
        NULL,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 0;
        if (parse_date(bad[i], &t) != JY_EPARSE)
            fail_msg("parse_date(\"%s\") accepted (%lld)", bad[i] ? bad[i] : "(null)",
                     (long long)t);
    }
}

/* ---- character sets ---------------------------------------------------- */

static void charset_case(const char *body, size_t len, const char *ct, const char *override,
                         const char *want, const char *want_cs)
{
    const char *cs = NULL;
    size_t n = 0;
    char *got = parse_to_utf8(body, len, ct, override, &n, &cs);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
    assert_string_equal(cs, want_cs);
    free(got);
}

/* UTF-16 and UTF-32 without a byte order mark, UTF-32's marks, and EBCDIC
 * are told by how the first '<' is written (XML 1.0 Appendix F; issue 15,
 * feedparser's "Character encoding detection"), whatever the HTTP header
 * claims. */
static void charset_sniffed_from_first_bytes(void **state)
{
    (void)state;
    /* "<a>é" in each */
    static const char u16le[] = "<\0a\0>\0\xE9\0";
    static const char u16be[] = "\0<\0a\0>\0\xE9";
    static const char u32le[] = "<\0\0\0a\0\0\0>\0\0\0\xE9\0\0\0";
    static const char u32be[] = "\0\0\0<\0\0\0a\0\0\0>\0\0\0\xE9";
    static const char u32le_bom[] = "\xFF\xFE\0\0<\0\0\0a\0\0\0>\0\0\0\xE9\0\0\0";
    static const char u32be_bom[] = "\0\0\xFE\xFF\0\0\0<\0\0\0a\0\0\0>\0\0\0\xE9";
    static const char ebcdic[] = "\x4C\x6F\xA7\x94\x6E\x51"; /* "<?xm>é" in CP037 */
    charset_case(u16le, 8, NULL, NULL, "<a>é", "UTF-16LE");
    charset_case(u16be, 8, "text/xml; charset=utf-8", NULL, "<a>é", "UTF-16BE");
    charset_case(u32le, 16, NULL, NULL, "<a>é", "UTF-32LE");
    charset_case(u32be, 16, NULL, NULL, "<a>é", "UTF-32BE");
    charset_case(u32le_bom, 20, NULL, NULL, "<a>é", "UTF-32LE");
    charset_case(u32be_bom, 20, NULL, NULL, "<a>é", "UTF-32BE");
    charset_case(ebcdic, 6, NULL, NULL, "<?xm>é", "IBM037");
    /* and a whole feed in UTF-16LE without a mark */
    static const char *const doc = "<rss><channel><item><title>café</title></item></channel></rss>";
    char wide[256];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)doc; *p; p++) {
        uint32_t cp = *p;
        if (*p >= 0xC0) { /* the one two-byte sequence, é */
            cp = ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
            p++;
        }
        wide[n++] = (char)(cp & 0xFF);
        wide[n++] = (char)(cp >> 8);
    }
    struct feed f;
    parse_ok(wide, n, NULL, &f);
    assert_int_equal(f.n_items, 1);
    assert_string_equal(f.items[0].title, "café");
    feed_free(&f);
}

/* UTF-8 input is copied with every invalid byte made U+FFFD and NUL bytes
 * dropped, however the bytes fall: random strings of ASCII runs, NULs,
 * valid sequences of one to four bytes, stray and truncated ones, against
 * a plain byte-by-byte reference (the copy skips ASCII eight bytes at a
 * time). */
static void charset_utf8_cleaned_like_reference(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "abcdefgh",
        "abc",
        "x",
        "\0",
        "ab\0cdefghij",
        "中文",
        "\xc3\xa9",
        "\xf0\x9f\x98\x80",
        "\xff",
        "\x80",
        "\xe4\xb8",
        "\xed\xa0\x80",
        "\xc0\xaf",
        "\xef\xbf\xbd",
        "0123456789abcdef0123",
        "\xe4\xb8\xad\xe6\x96\x87"
        "abcdefgh",
    };
    static const size_t lens[] = {8, 3, 1, 1, 11, 6, 2, 4, 1, 1, 2, 3, 2, 3, 20, 14};
    enum { N = sizeof lens / sizeof lens[0] };
    srand(99);
    char in[600];
    for (int round = 0; round < 3000; round++) {
        size_t len = 0;
        int k = rand() % 30;
        for (int j = 0; j < k; j++) {
            int p = rand() % N;
            memcpy(in + len, pieces[p], lens[p]);
            len += lens[p];
        }
        char want[2000];
        size_t wn = 0;
        for (size_t i = 0; i < len;) {
            uint32_t cp;
            size_t n = utf8_decode_slow(in + i, len - i, &cp);
            if (in[i] == '\0') {
                i++;
                continue;
            }
            if (cp == 0xFFFD && n == 1) {
                memcpy(want + wn, "\xef\xbf\xbd", 3);
                wn += 3;
            } else {
                memcpy(want + wn, in + i, n);
                wn += n;
            }
            i += n;
        }
        size_t gn = 0;
        const char *cs = NULL;
        char *got = parse_to_utf8(in, len, NULL, "utf-8", &gn, &cs);
        assert_string_equal(cs, "UTF-8");
        if (gn != wn || memcmp(got, want, wn) != 0)
            fail_msg("round %d: %zu bytes cleaned to %zu, want %zu", round, len, gn, wn);
        free(got);
    }
}

static void charset_detection(void **state)
{
    (void)state;
    /* 中文 in GBK and Big5 */
    const char gbk[] = "\xD6\xD0\xCE\xC4";
    const char big5[] = "\xA4\xA4\xA4\xE5";
    charset_case(gbk, 4, NULL, NULL, "中文", "GB18030"); /* invalid UTF-8: GB18030 */
    charset_case(gbk, 4, NULL, "gbk", "中文", "GB18030");
    charset_case(big5, 4, NULL, "big5", "中文", "BIG5");
    charset_case(big5, 4, "text/xml; charset=Big5", NULL, "中文", "BIG5");
    charset_case("中文", strlen("中文"), NULL, NULL, "中文", "UTF-8");
    /* the BOM wins over the HTTP header, and is removed */
    charset_case("\xEF\xBB\xBF中文", 3 + strlen("中文"), "text/xml; charset=gbk", NULL, "中文",
                 "UTF-8");
    /* UTF-16LE BOM */
    charset_case("\xFF\xFE\x2D\x4E\x87\x65", 6, NULL, NULL, "中文", "UTF-16LE");
    /* invalid bytes in declared UTF-8 become U+FFFD, never an error */
    charset_case("a\xFF"
                 "b\xC3",
                 4, "text/xml; charset=\"utf-8\"", NULL,
                 "a\xEF\xBF\xBD"
                 "b\xEF\xBF\xBD",
                 "UTF-8");
    /* invalid GB18030 sequence: replaced, the rest still decoded */
    charset_case("\xD6\xD0\xFF\xCE\xC4", 5, NULL, "gb2312", "中\xEF\xBF\xBD文", "GB18030");
    /* override beats everything */
    charset_case("\xEF\xBB\xBF"
                 "abc",
                 6, NULL, "utf-8", "abc", "UTF-8");

    /* HTTP charset beats the XML declaration; the declaration beats
     * "looks like UTF-8" (plain ASCII here). */
    const char *decl = "<?xml version=\"1.0\" encoding=\"gbk\"?><a/>";
    const char *cs = NULL;
    size_t n;
    char *s =
        parse_to_utf8(decl, strlen(decl), "application/rss+xml; charset=utf-8", NULL, &n, &cs);
    assert_string_equal(cs, "UTF-8");
    free(s);
    s = parse_to_utf8(decl, strlen(decl), NULL, NULL, &n, &cs);
    assert_string_equal(cs, "GB18030");
    free(s);
    const char *meta = "<html><head><meta charset=\"big5\"></head></html>";
    s = parse_to_utf8(meta, strlen(meta), NULL, NULL, &n, &cs);
    assert_string_equal(cs, "BIG5");
    free(s);
}

static const char gbk_rss_body[] =
    "<rss version=\"2.0\"><channel><title>\xB9\xAB\xB0\xB2</title>"
    "<item><title>\xD6\xD0\xCE\xC4</title><description>\xD6\xD0\xCE\xC4&lt;br&gt;"
    "\xB9\xAB\xB0\xB2</description></item></channel></rss>";

static void charset_gbk_feed_without_declaration(void **state)
{
    (void)state;
    struct feed f;
    parse_str_ok(gbk_rss_body, &f);
    assert_string_equal(f.charset, "GB18030");
    assert_string_equal(f.title, "公安");
    assert_int_equal(f.n_items, 1);
    assert_string_equal(f.items[0].title, "中文");
    assert_string_equal(f.items[0].content, "中文\n公安");
    feed_free(&f);
}

static void charset_gbk_feed_with_declaration(void **state)
{
    (void)state;
    /* Converted once by us; libxml2 must not convert the UTF-8 again
     * because of the declaration. */
    char body[512];
    snprintf(body, sizeof body, "<?xml version=\"1.0\" encoding=\"GBK\"?>\n%s", gbk_rss_body);
    struct feed f;
    parse_str_ok(body, &f);
    assert_string_equal(f.charset, "GB18030");
    assert_string_equal(f.items[0].title, "中文");
    feed_free(&f);

    /* A UTF-8 body that wrongly declares GBK, with the HTTP header telling
     * the truth: the header wins. */
    snprintf(body, sizeof body,
             "<?xml version=\"1.0\" encoding=\"gbk\"?><rss><channel><item><title>中文</title>"
             "</item></channel></rss>");
    struct parse_opts o = {.content_type = "application/xml; charset=UTF-8"};
    parse_ok(body, strlen(body), &o, &f);
    assert_string_equal(f.charset, "UTF-8");
    assert_string_equal(f.items[0].title, "中文");
    feed_free(&f);

    /* The source's override beats a lying header. */
    o = (struct parse_opts){.content_type = "text/xml; charset=utf-8", .encoding = "gbk"};
    parse_ok(gbk_rss_body, strlen(gbk_rss_body), &o, &f);
    assert_string_equal(f.items[0].title, "中文");
    feed_free(&f);
}

static void charset_big5_and_bom_feeds(void **state)
{
    (void)state;
    const char big5[] = "<?xml version=\"1.0\" encoding=\"big5\"?><rss><channel><item>"
                        "<title>\xA4\xA4\xA4\xE5</title></item></channel></rss>";
    struct feed f;
    parse_str_ok(big5, &f);
    assert_string_equal(f.charset, "BIG5");
    assert_string_equal(f.items[0].title, "中文");
    feed_free(&f);

    const char bom[] = "\xEF\xBB\xBF<rss><channel><item><title>中文</title></item></channel></rss>";
    parse_str_ok(bom, &f);
    assert_string_equal(f.items[0].title, "中文");
    feed_free(&f);

    /* Stray invalid bytes in a UTF-8 feed do not lose the item. */
    const char broken[] = "<rss><channel><item><title>a\xFF"
                          "b</title></item></channel></rss>";
    struct parse_opts o = {.content_type = "text/xml; charset=utf-8"};
    parse_ok(broken, strlen(broken), &o, &f);
    assert_string_equal(f.items[0].title, "a\xEF\xBF\xBD"
                                          "b");
    feed_free(&f);
}

/* ---- HTML to text ------------------------------------------------------ */

static void html_table(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        bool nl;
        const char *want;
    } cases[] = {
        {"<p>Hello <b>world</b></p>", true, "Hello world"},
        {"<p>one</p><p>two</p>", true, "one\ntwo"},
        {"<p>one</p><p>two</p>", false, "one two"},
        {"a<br>b<br/>c<br />d", true, "a\nb\nc\nd"},
        {"<ul><li>x</li><li>y</li></ul>", true, "x\ny"},
        {"<h1>Head</h1>text", true, "Head\ntext"},
        {"<div><div><span>deep <i>nest</i></span></div></div>", true, "deep nest"},
        {"before<script type=\"text/javascript\">var a = '<p>';</script>after", true,
         "beforeafter"},
        {"x<STYLE>p { color: red }</STYLE>y", true, "xy"},
        {"<!-- hidden --><p>shown</p>", true, "shown"},
        {"<![CDATA[<b>kept &amp; raw</b>]]>", true, "<b>kept &amp; raw</b>"},
        {"AT&amp;T &lt;tag&gt; &quot;q&quot; &apos;a&apos;", false, "AT&T <tag> \"q\" 'a'"},
        {"a&nbsp;b &copy; &reg; &trade; &mdash; &hellip;", false, "a b © ® ™ — …"},
        {"&ldquo;x&rdquo; &lsquo;y&rsquo; &middot; &times;", false, "“x” ‘y’ · ×"},
        {"&#20013;&#x6587;&#X6587;", false, "中文文"},
        {"&#0; &#xD800; &#1114112;", false, "\xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD"},
        {"&unknown; & alone &amp", false, "&unknown; & alone &"},
        {"  lots \t of\n\n  space  ", false, "lots of space"},
        {"a < b and c > d", false, "a < b and c > d"},
        {"<a href=\"x>y\">link</a> end", false, "link end"},
        {"<p>a</p>\n\n\n<p>b</p>", true, "a\nb"},
        {"x<br><br><br><br>y", true, "x\n\ny"},
        {"<td>a</td><td>b</td>", false, "a b"},
        {"中文<p>段落</p>", true, "中文\n段落"},
        {"&#27;[2Jclear", false, "clear"},
        /* runs of three-byte characters: an ideographic space, a surrogate,
         * a character cut short, at or near their ends */
        {"中文\xe3\x80\x80文字", false, "中文 文字"},
        {"中\xed\xa0\x80文", false, "中\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd文"},
        {"中文\xe6\x96", false, "中文\xef\xbf\xbd\xef\xbf\xbd"},
        {"\xef\xbc\x8c中\xe2\x80\x8b文", false, "，中文"},
        {"", true, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = html_to_text(cases[i].in, strlen(cases[i].in), cases[i].nl);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("html_to_text(\"%s\") = \"%s\", want \"%s\"", cases[i].in, got, cases[i].want);
        free(got);
    }
}

/* What html_to_text and parse_plain_text return is already what
 * utf8_sanitize would make of it, whatever the input: random documents
 * from pieces of markup, entities (controls, C1, bidirectional overrides,
 * surrogates among them), raw controls and escape sequences, invalid bytes,
 * CJK and spaces. (Both skip the final sanitising pass when nothing
 * suspicious went into the text: this finds a kind they let through.) */
static void html_text_is_sanitised(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "<p>",
        "</p>",
        "<br>",
        "<td>",
        "<b>",
        "&amp;",
        "&nbsp;",
        "&#27;",
        "&#x9b;",
        "&#x202e;",
        "&#x2066;",
        "&#0;",
        "&#xD800;",
        "&#x85;",
        "&#x7f;",
        "&#9;",
        "&#13;",
        "\x1b[31m",
        "\x1b]0;t\x07",
        "\xc2\x9b",
        "\x7f",
        "\r\n",
        "\n",
        "\t",
        " ",
        "中文",
        "\xe3\x80\x80",
        "\xe2\x80\xae",
        "\xe2\x81\xa6",
        "\xed\xa0\x80",
        "\xe6\x96",
        "\xff",
        "\xc2\xa0",
        "ab",
        "<",
        "&",
        "，",
        "\xe2\x80\x8b",
        "\xc2\xad",
        "\xf0\x9f\x98\x80",
        "\x01",
        "<script>x</script>",
    };
    enum { N = sizeof pieces / sizeof pieces[0] };
    srand(4242);
    char doc[512];
    for (int round = 0; round < 4000; round++) {
        size_t len = 0;
        int k = 1 + rand() % 24;
        for (int j = 0; j < k; j++) {
            const char *p = pieces[rand() % N];
            size_t n = strlen(p);
            if (len + n >= sizeof doc)
                break;
            memcpy(doc + len, p, n);
            len += n;
        }
        doc[len] = 0;
        for (int nl = 0; nl < 2; nl++) {
            char *outs[2] = {html_to_text(doc, len, nl), parse_plain_text(doc, len, nl)};
            for (int w = 0; w < 2; w++) {
                char *again = utf8_sanitize(outs[w], strlen(outs[w]), nl ? UTF8_KEEP_NEWLINES : 0);
                if (strcmp(again, outs[w]) != 0)
                    fail_msg("%s(\"%s\", %d) = \"%s\", not sanitised",
                             w ? "parse_plain_text" : "html_to_text", doc, nl, outs[w]);
                free(again);
                free(outs[w]);
            }
        }
    }
}

/* Day numbers against the C library's timegm() for every day from year
 * 1000 to 9999 (what the parser accepts), leap years and centuries among
 * them, and the epoch itself. */
static void days_from_civil_matches_timegm(void **state)
{
    (void)state;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    assert_int_equal(parse_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(parse_days_from_civil(1969, 12, 31), -1);
    for (int y = 1000; y <= 9999; y++) {
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (int m = 1; m <= 12; m++) {
            int last = mdays[m - 1] + (m == 2 && leap);
            for (int d = 1; d <= last; d += (y % 97 == 0 ? 1 : last - 1)) {
                struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
                int64_t want = (int64_t)timegm(&tm);
                if (parse_days_from_civil(y, m, d) * 86400 != want)
                    fail_msg("%04d-%02d-%02d: %lld days, timegm %lld s", y, m, d,
                             (long long)parse_days_from_civil(y, m, d), (long long)want);
            }
        }
    }
}

static void escape_sequences_removed_from_title(void **state)
{
    (void)state;
    const char body[] = "<rss><channel><item>"
                        "<title>A\x1B[2JB\x1B]0;pwned\x07"
                        "C</title>"
                        "<description>x\x1B[31mred\x1B[0m</description>"
                        "</item></channel></rss>";
    struct feed f;
    parse_str_ok(body, &f);
    assert_int_equal(f.n_items, 1);
    assert_string_equal(f.items[0].title, "ABC");
    assert_string_equal(f.items[0].content, "xred");
    feed_free(&f);

    const char json[] = "{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":["
                        "{\"id\":\"1\",\"title\":\"A\\u001b[2JB\\u001b]0;t\\u0007C\"}]}";
    parse_str_ok(json, &f);
    assert_string_equal(f.items[0].title, "ABC");
    feed_free(&f);
}

/* Whether s holds anything an escape sequence is made of (C0 or C1
 * controls other than newline and tab). */
static bool has_control(const char *s)
{
    for (size_t i = 0; s && s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
            return true;
        if (c == 0xC2 && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9F)
            return true;
    }
    return false;
}

/* Issue 15.1: the document used to be sanitised before parsing, so an OSC
 * (U+009D, ESC ]) or DCS (ESC P) in one title swallowed the markup up to
 * the next terminator: the whole feed, or the items up to a later U+009C
 * (and one title stored under another item's guid). */
static void escape_sequence_costs_only_its_field(void **state)
{
    (void)state;
    static const char *const hostile[] = {
        "\xC2\x9D",
        "\x1B]",
        "\x1BP",
        "\xC2\x9D"
        "0;evil",
        "\x1B]0;evil",
        "\x1BPq#0",
    };
    for (size_t h = 0; h < sizeof hostile / sizeof hostile[0]; h++) {
        for (int json = 0; json < 2; json++) {
            struct jy_buf b;
            jy_buf_init(&b, 0);
            if (json)
                jy_buf_puts(&b, "{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":[");
            else
                jy_buf_puts(&b, "<rss version=\"2.0\"><channel><title>t</title>");
            for (int i = 1; i <= 5; i++) {
                /* item 2 carries the sequence, item 4 a late string terminator */
                const char *pre = i == 2 ? hostile[h] : "";
                const char *post = i == 4 ? "\xC2\x9C" : "";
                if (json)
                    jy_buf_printf(&b, "%s{\"id\":\"g%d\",\"title\":\"标题%d%s\"}", i > 1 ? "," : "",
                                  i, i, i == 2 ? "" : post);
                else
                    jy_buf_printf(&b,
                                  "<item><guid>g%d</guid><title>标题%d%s%s</title>"
                                  "<description>正文%d</description></item>",
                                  i, i, pre, post, i);
            }
            jy_buf_puts(&b, json ? "]}" : "</channel></rss>");
            if (json) { /* a raw control inside a JSON string: put it in item 2 */
                char *p = strstr(b.data, "标题2");
                assert_non_null(p);
                struct jy_buf c;
                jy_buf_init(&c, 0);
                jy_buf_append(&c, b.data, (size_t)(p - b.data) + strlen("标题2"));
                jy_buf_puts(&c, hostile[h]);
                jy_buf_puts(&c, p + strlen("标题2"));
                jy_buf_free(&b);
                b = c;
            }
            struct feed f;
            parse_ok(b.data, b.len, NULL, &f);
            assert_int_equal(f.n_items, 5);
            for (int i = 1; i <= 5; i++) {
                char guid[8], title[16];
                snprintf(guid, sizeof guid, "g%d", i);
                snprintf(title, sizeof title, "标题%d", i);
                const struct feed_item *it = &f.items[i - 1];
                assert_string_equal(it->guid, guid);
                assert_false(has_control(it->title));
                assert_false(has_control(it->content));
                /* the hostile title keeps its words before the sequence */
                assert_memory_equal(it->title, title, strlen(title));
                if (i != 2)
                    assert_string_equal(it->title, title);
                assert_null(strstr(it->title, "evil"));
            }
            feed_free(&f);
            jy_buf_free(&b);
        }
    }
}

/* ---- formats ----------------------------------------------------------- */

static void format_rss2(void **state)
{
    (void)state;
    size_t len;
    char *body = fixture_read("rss2.xml", &len);
    struct feed f;
    parse_ok(body, len, NULL, &f);
    free(body);
    assert_string_equal(f.format, "rss");
    assert_string_equal(f.title, "县公安局 & 网信办");
    assert_string_equal(f.link, "http://example.cn/");
    assert_int_equal(f.n_items, 3);
    struct feed_item *it = &f.items[0];
    assert_string_equal(it->title, "Breaking: road closed");
    assert_string_equal(it->link, "http://example.cn/a/1");
    assert_string_equal(it->guid, "item-1");
    assert_string_equal(it->author, "Wang Wu");
    assert_true(it->has_date);
    assert_int_equal(it->published, T2004);
    assert_string_equal(it->content, "First para.\nSecond & last.");
    it = &f.items[1];
    assert_string_equal(it->guid, "http://example.cn/a/2"); /* fallback: link */
    assert_string_equal(it->content, "Plain text");
    assert_null(it->author);
    assert_false(it->has_date);
    it = &f.items[2];
    assert_null(it->link);
    assert_memory_equal(it->guid, "sha:", 4); /* fallback: hash */
    assert_int_equal(strlen(it->guid), 4 + 16);
    feed_free(&f);

    /* The hash is stable across parses. */
    body = fixture_read("rss2.xml", &len);
    struct feed g;
    parse_ok(body, len, NULL, &g);
    parse_ok(body, len, NULL, &f);
    free(body);
    assert_string_equal(f.items[2].guid, g.items[2].guid);
    assert_string_not_equal(f.items[2].guid, f.items[1].guid);
    feed_free(&f);
    feed_free(&g);
}

static void format_rdf(void **state)
{
    (void)state;
    size_t len;
    char *body = fixture_read("rdf.xml", &len);
    struct feed f;
    parse_ok(body, len, NULL, &f);
    free(body);
    assert_string_equal(f.format, "rdf");
    assert_string_equal(f.title, "RDF feed");
    assert_int_equal(f.n_items, 1);
    assert_string_equal(f.items[0].title, "RDF item");
    assert_string_equal(f.items[0].link, "http://example.org/entry/1");
    assert_string_equal(f.items[0].guid, "http://example.org/entry/1");
    assert_string_equal(f.items[0].author, "Li Si");
    assert_string_equal(f.items[0].content, "RDF body");
    assert_true(f.items[0].has_date);
    assert_int_equal(f.items[0].published, 1709598600);
    feed_free(&f);
}

static void format_atom(void **state)
{
    (void)state;
    size_t len;
    char *body = fixture_read("atom.xml", &len);
    struct feed f;
    parse_ok(body, len, NULL, &f);
    free(body);
    assert_string_equal(f.format, "atom");
    assert_string_equal(f.title, "Atom feed");
    assert_int_equal(f.n_items, 2);
    struct feed_item *it = &f.items[0];
    /* type="text": "&amp;lt;b&amp;gt;" is the literal text "&lt;b&gt;";
     * it must not be decoded a second time */
    assert_string_equal(it->title, "a &lt;b&gt; literal");
    assert_string_equal(it->link, "http://example.org/2024/1");
    assert_string_equal(it->guid, "urn:uuid:1");
    assert_string_equal(it->author, "Feed Author");             /* inherited from the feed */
    assert_int_equal(it->published, 1704038400);                /* 2024-01-01T00:00+08:00 */
    assert_string_equal(it->content, "Hello & welcome\n\nbye"); /* </p><br> */
    it = &f.items[1];
    assert_string_equal(it->title, "X bold");
    assert_int_equal(it->published, 1704164645); /* updated when no published */
    assert_string_equal(it->content, "just <summary>");
    feed_free(&f);

    /* Atom 0.3 */
    const char a03[] = "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><entry>"
                       "<title mode=\"escaped\" type=\"text/html\">&lt;b&gt;T&lt;/b&gt;</title>"
                       "<link rel=\"alternate\" href=\"http://e.org/1\"/><id>tag:1</id>"
                       "<issued>2004-01-01T19:48:21Z</issued>"
                       "<content mode=\"base64\">SGVsbG8=</content></entry></feed>";
    parse_str_ok(a03, &f);
    assert_string_equal(f.format, "atom");
    assert_string_equal(f.items[0].title, "T");
    assert_string_equal(f.items[0].link, "http://e.org/1");
    assert_int_equal(f.items[0].published, T2004);
    assert_string_equal(f.items[0].content, "Hello");
    feed_free(&f);
}

static void format_json_feed(void **state)
{
    (void)state;
    size_t len;
    char *body = fixture_read("jsonfeed.json", &len);
    struct feed f;
    parse_ok(body, len, NULL, &f);
    free(body);
    assert_string_equal(f.format, "json");
    assert_string_equal(f.title, "JSON feed");
    assert_int_equal(f.n_items, 2);
    assert_string_equal(f.items[0].guid, "1");
    assert_string_equal(f.items[0].link, "https://example.org/1");
    assert_string_equal(f.items[0].author, "Zhao");
    assert_string_equal(f.items[0].content, "Hi & bye");
    assert_int_equal(f.items[0].published, 1704164645);
    assert_string_equal(f.items[1].guid, "2");
    assert_string_equal(f.items[1].author, "Feed Author");
    assert_string_equal(f.items[1].content, "plain <b> text"); /* text is not HTML */
    assert_int_equal(f.items[1].published, 1704164645 - 8 * 3600);
    feed_free(&f);
}

/* The specification's own examples, when the shared folder is there. */
static void format_json_feed_spec_examples(void **state)
{
    (void)state;
    const char *shared = getenv("JINGYU_SHARED");
    if (!shared) {
        print_message("SKIP: JINGYU_SHARED not set\n");
        skip();
    }
    static const char *const names[] = {"example_v1_1.json",   "example_v1_2.json",
                                        "example_v1_3.json",   "example_v1.1_1.json",
                                        "example_v1.1_2.json", "example_v1.1_3.json"};
    int found = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/conformance/jsonfeed/%s", shared, names[i]);
        char *body;
        size_t len;
        if (jy_read_file(path, 1 << 24, &body, &len, NULL) != 0)
            continue;
        found++;
        struct feed f;
        struct jy_error err = {0};
        int rc = parse_feed(body, len, NULL, &f, &err);
        free(body);
        if (rc != 0)
            fail_msg("%s: %s", names[i], err.msg);
        assert_string_equal(f.format, "json");
        assert_true(f.n_items > 0);
        for (size_t k = 0; k < f.n_items; k++) {
            assert_non_null(f.items[k].guid);
            assert_true(f.items[k].title[0] != '\0' || f.items[k].content[0] != '\0');
        }
        feed_free(&f);
    }
    if (!found) {
        print_message("SKIP: no JSON Feed examples under %s/conformance/jsonfeed\n", shared);
        skip();
    }
}

static void malformed_input_is_eparse(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "   \n ",
        "this is not a feed at all",
        "\x01\x02\x03garbage",
        "<<<>>>",
        "<rss",
        "<?xml version=\"1.0\"?>",
        "<html><head><title>Error 502</title></head><body>Bad gateway</body></html>",
        "<?xml version=\"1.0\"?><config><a>1</a></config>",
        "{\"version\": \"https://jsonfeed.org/version/1\", \"items\": [",
        "{\"verion\": \"1.0\"}",
        "[1, 2, 3]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct feed f;
        struct jy_error err = {0};
        int rc = parse_feed(bad[i], strlen(bad[i]), NULL, &f, &err);
        if (rc != JY_EPARSE)
            fail_msg("input %zu (\"%s\") gave %d, not JY_EPARSE", i, bad[i], rc);
        assert_true(err.msg[0] != '\0');
        assert_int_equal(f.n_items, 0);
        assert_null(f.items);
    }
    struct feed f;
    struct jy_error err = {0};
    const char *html = "<html><body>x</body></html>";
    parse_feed(html, strlen(html), NULL, &f, &err);
    assert_non_null(strstr(err.msg, "HTML"));
    const char *cfg = "<config/>";
    parse_feed(cfg, strlen(cfg), NULL, &f, &err);
    assert_non_null(strstr(err.msg, "<config>"));
}

static void slightly_broken_feed_recovers(void **state)
{
    (void)state;
    /* bare ampersand, undeclared HTML entity, unclosed channel */
    const char body[] = "<rss version=\"2.0\"><channel><item><title>Fish & Chips&nbsp;&amp; more"
                        "</title></item></channel>";
    struct feed f;
    parse_str_ok(body, &f);
    assert_int_equal(f.n_items, 1);
    assert_non_null(strstr(f.items[0].title, "Fish"));
    assert_non_null(strstr(f.items[0].title, "more"));
    feed_free(&f);
}

/* Found by tests/fuzz/fuzz_feed: a broken document left a line break (and
 * the rest of the channel's text) inside the channel's <link>. */
static void links_and_ids_are_one_line(void **state)
{
    (void)state;
    const char body[] = "<rss version=\"2.0\"><channel><title>t</title>"
                        "<link>https://qinghe.example/\n\n清河\n</link>"
                        "<item><title>a</title><link>https://qinghe.example/a\r\nb</link>"
                        "<guid>qh-\n1</guid></item></channel></rss>";
    struct feed f;
    parse_str_ok(body, &f);
    /* a line break becomes a space, as in a title */
    assert_string_equal(f.link, "https://qinghe.example/  清河");
    assert_int_equal(f.n_items, 1);
    assert_string_equal(f.items[0].link, "https://qinghe.example/a b");
    assert_string_equal(f.items[0].guid, "qh- 1");
    feed_free(&f);
}

static void truncated_item_is_refused(void **state)
{
    (void)state;
    /* cut off in transit inside an item: no half item may be stored */
    const char body[] = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>"
                        "<item><title>完整的一条</title><guid>1</guid></item>"
                        "<item><title>清河大道南段今晚起夜间施工</title><guid>2</guid>"
                        "<description>清河大道南段自今晚22时起夜间";
    struct feed f;
    struct jy_error err = {0};
    struct parse_opts po = {0};
    assert_int_equal(parse_feed(body, strlen(body), &po, &f, &err), JY_EPARSE);
    assert_non_null(strstr(err.msg, "truncated"));
    assert_int_equal(f.n_items, 0);
}

static void shared_links_keep_distinct_items(void **state)
{
    (void)state;
    /* no guids, one link for all (a search page): three distinct items */
    const char body[] = "<rss version=\"2.0\"><channel><title>t</title>"
                        "<item><title>甲</title><link>http://x/search</link></item>"
                        "<item><title>乙</title><link>http://x/search</link></item>"
                        "<item><title>丙</title><link>http://x/search</link></item>"
                        "<item><title>甲</title><link>http://x/search</link></item>"
                        "</channel></rss>";
    struct feed f;
    parse_str_ok(body, &f);
    assert_int_equal(f.n_items, 4);
    assert_string_equal(f.items[0].guid, "http://x/search"); /* the first keeps it */
    assert_string_not_equal(f.items[1].guid, f.items[0].guid);
    assert_string_not_equal(f.items[2].guid, f.items[0].guid);
    assert_string_not_equal(f.items[2].guid, f.items[1].guid);
    /* the same item twice is still one */
    assert_string_equal(f.items[3].guid, f.items[0].guid);
    feed_free(&f);
}

static void entities_are_never_expanded(void **state)
{
    (void)state;
    /* billion laughs: must neither blow up nor expand */
    const char body[] =
        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c "
        "\"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
        "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e "
        "\"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
        "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g "
        "\"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
        "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\"><!ENTITY i "
        "\"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">"
        "<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
        "<rss><channel><item><title>t&i;</title><description>&x;</description></item>"
        "</channel></rss>";
    struct feed f;
    struct jy_error err = {0};
    int64_t t0 = jy_mono_ms();
    int rc = parse_feed(body, strlen(body), NULL, &f, &err);
    assert_true(jy_mono_ms() - t0 < 2000);
    if (rc == 0) {
        for (size_t i = 0; i < f.n_items; i++) {
            assert_true(strlen(f.items[i].title) < 100);
            assert_null(strstr(f.items[i].content, "root:"));
        }
        feed_free(&f);
    } else {
        assert_int_equal(rc, JY_EPARSE);
    }
}

/* ---- caps -------------------------------------------------------------- */

static void caps_max_items_and_field(void **state)
{
    (void)state;
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "<rss><channel>");
    for (int i = 0; i < 50; i++)
        jy_buf_printf(&b, "<item><guid>g%d</guid><title>标题%d</title></item>", i, i);
    jy_buf_puts(&b, "</channel></rss>");
    struct parse_opts o = {.max_items = 7};
    struct feed f;
    parse_ok(b.data, b.len, &o, &f);
    assert_int_equal(f.n_items, 7);
    assert_string_equal(f.items[6].guid, "g6");
    feed_free(&f);
    parse_ok(b.data, b.len, NULL, &f);
    assert_int_equal(f.n_items, 50);
    feed_free(&f);

    /* max_field cuts on a code point boundary: 标 is 3 bytes */
    o = (struct parse_opts){.max_field = 4};
    parse_ok(b.data, b.len, &o, &f);
    assert_string_equal(f.items[0].title, "标");
    feed_free(&f);
    jy_buf_free(&b);
}

/* Issue 15.2: items past max_items used to go without a word. */
static void max_items_loss_is_a_warning(void **state)
{
    (void)state;
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "<rss><channel>");
    for (int i = 0; i < 50; i++)
        jy_buf_printf(&b, "<item><guid>g%d</guid><title>t%d</title></item>", i, i);
    jy_buf_puts(&b, "</channel></rss>");
    struct parse_opts o = {.max_items = 7};
    struct feed f;
    parse_ok(b.data, b.len, &o, &f);
    assert_int_equal(f.n_items, 7);
    assert_non_null(f.warning);
    assert_non_null(strstr(f.warning, "50 items"));
    assert_non_null(strstr(f.warning, "first 7"));
    feed_free(&f);
    parse_ok(b.data, b.len, NULL, &f);
    assert_null(f.warning);
    feed_free(&f);
    jy_buf_free(&b);

    const char *json = "{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":["
                       "{\"id\":\"1\",\"title\":\"a\"},{\"id\":\"2\",\"title\":\"b\"},"
                       "{\"id\":\"3\",\"title\":\"c\"}]}";
    o.max_items = 2;
    parse_ok(json, strlen(json), &o, &f);
    assert_int_equal(f.n_items, 2);
    assert_non_null(f.warning);
    assert_non_null(strstr(f.warning, "3 items"));
    feed_free(&f);
}

/* Issue 15.2: GBK bytes under a UTF-8 declaration were stored as U+FFFD
 * with no error. The declaration is tried first; bytes that are mostly not
 * UTF-8 are decoded as GB18030, and the warning says so. */
static void declared_utf8_falls_back_to_gb18030(void **state)
{
    (void)state;
    /* 县公安局通报 and 白沙乡 in GBK */
    const char gbk_decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss><channel>"
                            "<item><guid>1</guid><title>\xCF\xD8\xB9\xAB\xB0\xB2\xBE\xD6\xCD\xA8"
                            "\xB1\xA8</title></item>"
                            "<item><guid>2</guid><title>\xB0\xD7\xC9\xB3\xCF\xE7</title></item>"
                            "</channel></rss>";
    struct feed f;
    parse_ok(gbk_decl, sizeof gbk_decl - 1, NULL, &f);
    assert_int_equal(f.n_items, 2);
    assert_string_equal(f.items[0].title, "县公安局通报");
    assert_string_equal(f.items[1].title, "白沙乡");
    assert_string_equal(f.charset, "GB18030");
    assert_non_null(f.warning);
    assert_non_null(strstr(f.warning, "GB18030"));
    assert_non_null(strstr(f.warning, "UTF-8"));
    feed_free(&f);

    /* the same through the Content-Type header */
    const char gbk_bare[] = "<rss><channel><item><guid>1</guid><title>\xB0\xD7\xC9\xB3\xCF\xE7"
                            "</title></item></channel></rss>";
    struct parse_opts o = {.content_type = "application/rss+xml; charset=utf-8"};
    parse_ok(gbk_bare, sizeof gbk_bare - 1, &o, &f);
    assert_string_equal(f.items[0].title, "白沙乡");
    assert_non_null(f.warning);
    assert_non_null(strstr(f.warning, "GB18030"));
    feed_free(&f);

    /* UTF-8 with one damaged byte stays UTF-8: the loss is still said */
    const char damaged[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><channel><item>"
                           "<guid>1</guid><title>县公安局\xFF通报</title></item></channel></rss>";
    parse_ok(damaged, sizeof damaged - 1, NULL, &f);
    assert_string_equal(f.charset, "UTF-8");
    assert_string_equal(f.items[0].title, "县公安局\xEF\xBF\xBD通报");
    assert_non_null(f.warning);
    assert_non_null(strstr(f.warning, "1 byte "));
    feed_free(&f);

    /* valid UTF-8 as declared: nothing to say */
    const char fine[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><channel><item>"
                        "<guid>1</guid><title>县公安局通报</title></item></channel></rss>";
    parse_ok(fine, sizeof fine - 1, NULL, &f);
    assert_null(f.warning);
    feed_free(&f);
}

/* Issue 15.3: a document of tiny elements cost libxml2 some 28 times its
 * size. With max_memory the parse fails cleanly instead. */
static void parse_memory_is_bounded(void **state)
{
    (void)state;
    struct jy_buf b;
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "<rss><channel><item><guid>1</guid><title>t</title><description>");
    for (int i = 0; i < 100000; i++)
        jy_buf_puts(&b, "<a/>");
    jy_buf_puts(&b, "</description></item></channel></rss>");
    struct parse_opts o = {.max_memory = 1u << 20}; /* 400 KB of input, 1 MiB to parse */
    struct feed f;
    struct jy_error err = {0};
    assert_int_equal(parse_feed(b.data, b.len, &o, &f, &err), JY_ETOOBIG);
    assert_non_null(strstr(err.msg, "parse_memory"));
    assert_int_equal(f.n_items, 0);
    feed_free(&f);
    /* without a limit it parses (and costs what it costs) */
    parse_ok(b.data, b.len, NULL, &f);
    assert_int_equal(f.n_items, 1);
    feed_free(&f);
    jy_buf_free(&b);

    /* JSON: a long array of small values */
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "{\"version\":\"https://jsonfeed.org/version/1.1\",\"x\":[");
    for (int i = 0; i < 100000; i++)
        jy_buf_puts(&b, i ? ",0" : "0");
    jy_buf_puts(&b, "],\"items\":[{\"id\":\"1\",\"title\":\"t\"}]}");
    err = (struct jy_error){0};
    assert_int_equal(parse_feed(b.data, b.len, &o, &f, &err), JY_ETOOBIG);
    feed_free(&f);
    parse_ok(b.data, b.len, NULL, &f);
    assert_int_equal(f.n_items, 1);
    feed_free(&f);
    jy_buf_free(&b);

    /* an ordinary feed well under the limit is not refused */
    jy_buf_init(&b, 0);
    jy_buf_puts(&b, "<rss><channel>");
    for (int i = 0; i < 300; i++)
        jy_buf_printf(&b,
                      "<item><guid>g%d</guid><title>清河县公安局通报第%d号</title>"
                      "<link>http://example.cn/%d</link><pubDate>Thu, 01 Jan 2004 19:48:21 "
                      "GMT</pubDate><description>&lt;p&gt;城关镇派出所民警%d日巡查。&lt;/p&gt;"
                      "</description></item>",
                      i, i, i, i);
    jy_buf_puts(&b, "</channel></rss>");
    o.max_memory = 8 * b.len;
    parse_ok(b.data, b.len, &o, &f);
    assert_int_equal(f.n_items, 300);
    feed_free(&f);
    jy_buf_free(&b);
}

/* Issue 15, feed conformance: what other parsers read and we did not. Each
 * row: a document, and the first item's title, link, author and content as
 * they must come out (NULL: not checked). */
static void conformance_cases(void **state)
{
    (void)state;
    static const struct {
        const char *doc, *title, *link, *author, *content;
    } cases[] = {
        {"<rss><channel><item><title>t</title><body><p>in body</p></body></item></channel></rss>",
         "t", NULL, NULL, "in body"},
        {"<rss xmlns:xhtml=\"http://www.w3.org/1999/xhtml\"><channel><item><title>t</title>"
         "<description>short</description><xhtml:body><xhtml:p>the whole text</xhtml:p>"
         "</xhtml:body></item></channel></rss>",
         "t", NULL, NULL, "the whole text"},
        {"<rss><channel><item><title>t</title><fullitem>&lt;b&gt;full&lt;/b&gt; item</fullitem>"
         "</item></channel></rss>",
         "t", NULL, NULL, "full item"},
        {"<CHANNEL HREF=\"http://example.com/\"><TITLE>c</TITLE>"
         "<ITEM HREF=\"http://example.com/1\" LASTMOD=\"2003-12-31T10:14:55Z\"><TITLE>cdf "
         "item</TITLE><ABSTRACT>cdf abstract</ABSTRACT></ITEM></CHANNEL>",
         "cdf item", "http://example.com/1", NULL, "cdf abstract"},
        {"<r:rss xmlns:r=\"http://backend.userland.com/rss2\"><r:channel><r:item><r:title>pre"
         "</r:title><r:link>http://example.com/p</r:link></r:item></r:channel></r:rss>",
         "pre", "http://example.com/p", NULL, NULL},
        {"<rss><channel><item><title>g</title><guid>http://example.com/perma</guid></item>"
         "</channel></rss>",
         "g", "http://example.com/perma", NULL, NULL},
        {"<rss><channel><item><title>g</title><guid isPermaLink=\"false\">http://example.com/x"
         "</guid></item></channel></rss>",
         "g", "", NULL, NULL},
        {"<rss><channel><item><title>a</title><author>Example editor (me@example.com)</author>"
         "</item></channel></rss>",
         "a", NULL, "Example editor", NULL},
        {"<rss><channel><item><title>a</title><author>me@example.com (Example editor)</author>"
         "</item></channel></rss>",
         "a", NULL, "Example editor", NULL},
        {"<rss xmlns:media=\"http://search.yahoo.com/mrss/\"><channel><item><media:title>media "
         "title</media:title></item></channel></rss>",
         "media title", NULL, NULL, NULL},
        {"<rss><channel><item><title>&#X41;&#x42;&#67;</title></item></channel></rss>", "ABC", NULL,
         NULL, NULL},
        {"<rss><channel><item><title>q</title><link>http://example.com/?a=1&b=2&c</link>"
         "<description><![CDATA[a & b &amp; c]]></description></item></channel></rss>",
         "q", "http://example.com/?a=1&b=2&c", NULL, "a & b & c"},
        /* cp1252 bytes under a Latin-1 declaration: quotes and a dash */
        {"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss><channel><item><title>\x93q\x94 "
         "\x97 caf\xE9</title></item></channel></rss>",
         "\xE2\x80\x9Cq\xE2\x80\x9D \xE2\x80\x94 caf\xC3\xA9", NULL, NULL, NULL},
        /* element names in any case, as feedparser reads them */
        {"<rss><channel><item><Title>UT</Title><Link>http://example.com/up</Link>"
         "<Description>ud</Description></item></channel></rss>",
         "UT", "http://example.com/up", NULL, "ud"},
        /* Atom 0.3 multipart/alternative: the first alternative */
        {"<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><entry><title>m</title>"
         "<content type=\"multipart/alternative\"><content type=\"text/plain\">alt plain</content>"
         "<content type=\"text/html\" mode=\"escaped\">&lt;b&gt;alt html&lt;/b&gt;</content>"
         "</content></entry></feed>",
         "m", NULL, NULL, "alt plain"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct feed f;
        struct jy_error err = {0};
        if (parse_feed(cases[i].doc, strlen(cases[i].doc), NULL, &f, &err) != 0)
            fail_msg("case %zu: %s", i, err.msg);
        if (f.n_items < 1)
            fail_msg("case %zu: no item", i);
        const struct feed_item *it = &f.items[0];
        const char *got[] = {it->title, it->link ? it->link : "", it->author, it->content};
        const char *want[] = {cases[i].title, cases[i].link, cases[i].author, cases[i].content};
        static const char *const names[] = {"title", "link", "author", "content"};
        for (size_t k = 0; k < 4; k++) {
            if (want[k] && (!got[k] || strcmp(got[k], want[k]) != 0))
                fail_msg("case %zu %s: got \"%s\", want \"%s\"", i, names[k],
                         got[k] ? got[k] : "(null)", want[k]);
        }
        if (i == 3 && (!it->has_date || it->published != 1072865695))
            fail_msg("case 3: CDF LASTMOD not read");
        feed_free(&f);
    }
}

/* Which element gives the date and the author, as feedparser documents
 * them: dcterms:issued/created/modified (RSS 2.0 and RSS 1.0), publication
 * before modification, atom:author inside RSS, an Atom author with only an
 * email (issue 15). */
static void conformance_dates_and_authors(void **state)
{
    (void)state;
#define RSS_NS                                                                                     \
    "<rss version=\"2.0\" xmlns:dcterms=\"http://purl.org/dc/terms/\" "                            \
    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "                                               \
    "xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel><title>c</title><item><title>t</title>"
#define RSS_END "</item></channel></rss>"
    static const struct {
        const char *doc, *author;
        int64_t published; /* 0: no date */
    } cases[] = {
        {RSS_NS "<dcterms:issued>2004-01-01T19:48:21Z</dcterms:issued>" RSS_END, NULL, T2004},
        {RSS_NS "<dcterms:created>2004-01-01T19:48:21Z</dcterms:created>" RSS_END, NULL, T2004},
        {RSS_NS "<dcterms:modified>2004-01-01T19:48:21Z</dcterms:modified>" RSS_END, NULL, T2004},
        /* publication wins over modification, whatever the order */
        {RSS_NS "<dcterms:modified>2005-01-01T00:00:00Z</dcterms:modified>"
                "<dcterms:issued>2004-01-01T19:48:21Z</dcterms:issued>" RSS_END,
         NULL, T2004},
        {RSS_NS "<atom:updated>2005-01-01T00:00:00Z</atom:updated>"
                "<dcterms:created>2004-01-01T19:48:21Z</dcterms:created>" RSS_END,
         NULL, T2004},
        {RSS_NS "<dcterms:modified>2005-01-01T00:00:00Z</dcterms:modified>"
                "<pubDate>Thu, 01 Jan 2004 19:48:21 GMT</pubDate>" RSS_END,
         NULL, T2004},
        {"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
         "xmlns=\"http://purl.org/rss/1.0/\" xmlns:dcterms=\"http://purl.org/dc/terms/\">"
         "<item rdf:about=\"http://example.org/a\"><title>t</title>"
         "<dcterms:modified>2004-01-01T19:48:21Z</dcterms:modified></item></rdf:RDF>",
         NULL, T2004},
        {RSS_NS "<PubDate>Thu, 01 Jan 2004 19:48:21 GMT</PubDate>" RSS_END, NULL, T2004},
        {RSS_NS "<atom:author><atom:name>Jane Doe</atom:name></atom:author>" RSS_END, "Jane Doe",
         0},
        {RSS_NS "<dc:creator>Jane Doe (jane@example.org)</dc:creator>" RSS_END, "Jane Doe", 0},
        {"<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>t</title><id>x</id>"
         "<author><email>jane@example.org</email></author></entry></feed>",
         "jane@example.org", 0},
        {"<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>t</title><id>x</id>"
         "<author><name> </name><email>jane@example.org</email></author></entry></feed>",
         "jane@example.org", 0},
        {"<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><entry><title>t</title>"
         "<id>x</id><modified>2005-01-01T00:00:00Z</modified><issued>2004-01-01T19:48:21Z</issued>"
         "<author><name>Jane Doe</name></author></entry></feed>",
         "Jane Doe", T2004},
    };
#undef RSS_NS
#undef RSS_END
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct feed f;
        struct jy_error err = {0};
        if (parse_feed(cases[i].doc, strlen(cases[i].doc), NULL, &f, &err) != 0)
            fail_msg("case %zu: %s", i, err.msg);
        if (f.n_items != 1)
            fail_msg("case %zu: %zu items", i, f.n_items);
        const struct feed_item *it = &f.items[0];
        if (cases[i].published && (!it->has_date || it->published != cases[i].published))
            fail_msg("case %zu: date %d %lld, want %lld", i, it->has_date, (long long)it->published,
                     (long long)cases[i].published);
        if (cases[i].author && (!it->author || strcmp(it->author, cases[i].author) != 0))
            fail_msg("case %zu: author \"%s\", want \"%s\"", i, it->author ? it->author : "(null)",
                     cases[i].author);
        feed_free(&f);
    }
}

/* Relative links resolve against the feed's own address when no xml:base
 * says otherwise, and a relative xml:base against that address too (issue
 * 15; feedparser's "Relative link resolution"). */
static void relative_links_use_feed_url(void **state)
{
    (void)state;
    static const struct {
        const char *doc, *link;
    } cases[] = {
        {"<rss version=\"2.0\"><channel><title>c</title><item><title>t</title>"
         "<link>rel.html</link></item></channel></rss>",
         "http://example.org/dir/rel.html"},
        {"<rss version=\"2.0\"><channel><title>c</title><item xml:base=\"sub/\"><title>t</title>"
         "<link>/abs.html</link></item></channel></rss>",
         "http://example.org/abs.html"},
        {"<rss version=\"2.0\"><channel xml:base=\"sub/\"><title>c</title><item><title>t</title>"
         "<link>rel.html</link></item></channel></rss>",
         "http://example.org/dir/sub/rel.html"},
        {"<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>f</title><entry><title>t</title>"
         "<id>x</id><link href=\"../up.html\"/></entry></feed>",
         "http://example.org/up.html"},
        {"<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"http://other.org/b/\">"
         "<title>f</title><entry><title>t</title><id>x</id><link href=\"x.html\"/></entry></feed>",
         "http://other.org/b/x.html"},
        {"<rss version=\"2.0\"><channel><title>c</title><item><title>t</title>"
         "<link>http://example.com/abs</link></item></channel></rss>",
         "http://example.com/abs"},
    };
    struct parse_opts o = {.base_url = "http://example.org/dir/feed.xml"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct feed f;
        parse_ok(cases[i].doc, strlen(cases[i].doc), &o, &f);
        if (f.n_items != 1 || !f.items[0].link || strcmp(f.items[0].link, cases[i].link) != 0)
            fail_msg("case %zu: link \"%s\", want \"%s\"", i,
                     f.n_items && f.items[0].link ? f.items[0].link : "(null)", cases[i].link);
        feed_free(&f);
    }
    /* without an address a relative link stays as written */
    struct feed f;
    parse_str_ok(cases[0].doc, &f);
    assert_string_equal(f.items[0].link, "rel.html");
    feed_free(&f);
}

/* ---- output and JSON lines -------------------------------------------- */

static void item_json_line(void **state)
{
    (void)state;
    struct feed_item it = {
        .guid = "g1",
        .link = NULL,
        .title = "标题 \"q\"",
        .author = NULL,
        .content = "a\nb",
        .published = T2004,
        .has_date = true,
    };
    struct jy_buf b;
    jy_buf_init(&b, 0);
    feed_item_to_json(&it, &b);
    assert_string_equal(b.data, "{\"title\":\"标题 \\\"q\\\"\",\"link\":null,\"guid\":\"g1\","
                                "\"author\":null,\"published\":\"2004-01-01T19:48:21Z\","
                                "\"content\":\"a\\nb\"}");
    jy_buf_reset(&b);
    it.has_date = false;
    feed_item_to_json(&it, &b);
    assert_non_null(strstr(b.data, "\"published\":null"));
    jy_buf_free(&b);
}

static void jsonl_items(void **state)
{
    (void)state;
    struct feed_item it;
    struct jy_error err = {0};
    const char *l1 =
        "{\"title\":\"T\",\"text\":\"body &amp; more\",\"id\":\"x1\","
        "\"url\":\"http://e/1\",\"author\":\"Zhang\",\"published\":\"2004-01-02 03:48:21\"}";
    assert_int_equal(parse_jsonl_item(l1, strlen(l1), &it, &err), 0);
    assert_string_equal(it.title, "T");
    assert_string_equal(it.content, "body & more");
    assert_string_equal(it.guid, "x1");
    assert_string_equal(it.link, "http://e/1");
    assert_string_equal(it.author, "Zhang");
    assert_true(it.has_date);
    assert_int_equal(it.published, T2004);
    feed_item_clear(&it);

    const char *l2 =
        "{\"content\":\"only content\",\"link\":\"http://e/2\",\"published\":1072986501}";
    assert_int_equal(parse_jsonl_item(l2, strlen(l2), &it, &err), 0);
    assert_string_equal(it.title, "");
    assert_string_equal(it.guid, "http://e/2");
    assert_int_equal(it.published, T2004);
    feed_item_clear(&it);

    const char *l3 = "{\"title\":\"no id, no link\"}";
    assert_int_equal(parse_jsonl_item(l3, strlen(l3), &it, &err), 0);
    assert_memory_equal(it.guid, "sha:", 4);
    assert_false(it.has_date);
    feed_item_clear(&it);

    static const char *const bad[] = {"{\"link\":\"http://e\"}", "not json", "[1]", "{\"title\":"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.msg[0] = '\0';
        assert_int_equal(parse_jsonl_item(bad[i], strlen(bad[i]), &it, &err), JY_EPARSE);
        assert_true(err.msg[0] != '\0');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(html_text_is_sanitised),
        cmocka_unit_test(date_table),
        cmocka_unit_test(days_from_civil_matches_timegm),
        cmocka_unit_test(charset_detection),
        cmocka_unit_test(charset_sniffed_from_first_bytes),
        cmocka_unit_test(charset_utf8_cleaned_like_reference),
        cmocka_unit_test(charset_gbk_feed_without_declaration),
        cmocka_unit_test(charset_gbk_feed_with_declaration),
        cmocka_unit_test(charset_big5_and_bom_feeds),
        cmocka_unit_test(html_table),
        cmocka_unit_test(escape_sequences_removed_from_title),
        cmocka_unit_test(escape_sequence_costs_only_its_field),
        cmocka_unit_test(max_items_loss_is_a_warning),
        cmocka_unit_test(declared_utf8_falls_back_to_gb18030),
        cmocka_unit_test(parse_memory_is_bounded),
        cmocka_unit_test(conformance_cases),
        cmocka_unit_test(conformance_dates_and_authors),
        cmocka_unit_test(relative_links_use_feed_url),
        cmocka_unit_test(format_rss2),
        cmocka_unit_test(format_rdf),
        cmocka_unit_test(format_atom),
        cmocka_unit_test(format_json_feed),
        cmocka_unit_test(format_json_feed_spec_examples),
        cmocka_unit_test(malformed_input_is_eparse),
        cmocka_unit_test(slightly_broken_feed_recovers),
        cmocka_unit_test(links_and_ids_are_one_line),
        cmocka_unit_test(truncated_item_is_refused),
        cmocka_unit_test(shared_links_keep_distinct_items),
        cmocka_unit_test(entities_are_never_expanded),
        cmocka_unit_test(caps_max_items_and_field),
        cmocka_unit_test(item_json_line),
        cmocka_unit_test(jsonl_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
