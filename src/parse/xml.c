/* xml.c: RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom 0.3/1.0 through libxml2.
 *
 * The document has already been converted to UTF-8 (charset.c), so libxml2
 * is told the encoding is UTF-8 and to ignore the declaration; otherwise a
 * GBK declaration would make it convert a second time. External entities are
 * never loaded (no DTD loading, NONET) and entities are never substituted:
 * text is gathered by walking the tree ourselves and an entity reference is
 * kept as "&name;", so a billion-laughs document costs nothing and an HTML
 * reference such as &nbsp; (undeclared in XML) still reaches html_to_text.
 * RECOVER lets slightly broken feeds through; a document whose root is not a
 * feed element is refused.
 *
 * Which element maps onto which field follows gofeed's translator: see
 * rss_item_read() and atom_entry_read(). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>

#include "parse_internal.h"

enum xml_ns {
    NS_CORE, /* no namespace, RSS 1.0/0.90, or an unknown default namespace */
    NS_ATOM,
    NS_DC,
    NS_DCTERMS,
    NS_CONTENT,
    NS_ITUNES,
    NS_RDF,
    NS_XHTML,
    NS_MEDIA,
    NS_OTHER,
};

static enum xml_ns xml_ns_of(const xmlNode *n)
{
    const xmlNs *ns = n->ns;
    if (!ns || !ns->href)
        return NS_CORE;
    const char *h = (const char *)ns->href;
    if (strcmp(h, "http://www.w3.org/2005/Atom") == 0 || strcmp(h, "http://purl.org/atom/ns#") == 0)
        return NS_ATOM;
    if (strncmp(h, "http://purl.org/dc/elements/1.1", 31) == 0)
        return NS_DC;
    if (strcmp(h, "http://purl.org/dc/terms/") == 0)
        return NS_DCTERMS;
    if (strcmp(h, "http://purl.org/rss/1.0/modules/content/") == 0)
        return NS_CONTENT;
    if (strcasestr(h, "itunes.com/dtds/podcast"))
        return NS_ITUNES;
    if (strcmp(h, "http://www.w3.org/1999/02/22-rdf-syntax-ns#") == 0)
        return NS_RDF;
    /* RSS 1.0 and 0.90, and the namespaces RSS 2.0 was once given
     * (<r:rss xmlns:r="http://backend.userland.com/rss2">) */
    if (strcmp(h, "http://purl.org/rss/1.0/") == 0 ||
        strcmp(h, "http://my.netscape.com/rdf/simple/0.9/") == 0 ||
        strcmp(h, "http://backend.userland.com/rss2") == 0 ||
        strcmp(h, "http://backend.userland.com/rss") == 0 ||
        strcmp(h, "http://blogs.law.harvard.edu/tech/rss") == 0)
        return NS_CORE;
    if (strcmp(h, "http://www.w3.org/1999/xhtml") == 0)
        return NS_XHTML;
    if (strncmp(h, "http://search.yahoo.com/mrss", 28) == 0)
        return NS_MEDIA;
    const char *p = (const char *)ns->prefix;
    if (!p)
        return NS_CORE;
    if (strcmp(p, "dc") == 0)
        return NS_DC;
    if (strcmp(p, "dcterms") == 0)
        return NS_DCTERMS;
    if (strcmp(p, "content") == 0)
        return NS_CONTENT;
    if (strcmp(p, "atom") == 0)
        return NS_ATOM;
    if (strcmp(p, "itunes") == 0)
        return NS_ITUNES;
    return NS_OTHER;
}

static bool xml_is(const xmlNode *n, enum xml_ns ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && xml_ns_of(n) == ns &&
           strcasecmp((const char *)n->name, name) == 0; /* <Title>, <PubDate>: as feedparser */
}

/* Appends at most what fits under b->max, so that one huge text node is cut
 * rather than lost. */
static void xml_buf_add(struct jy_buf *b, const char *s, size_t n)
{
    size_t room = b->max - b->len;
    if (b->len >= b->max)
        return;
    jy_buf_append(b, s, n < room ? n : room);
}

/* The text of n's descendants, entity references kept as written. */
static void xml_gather(const xmlNode *n, struct jy_buf *b)
{
    for (const xmlNode *c = n->children; c && b->len < b->max; c = c->next) {
        switch (c->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (c->content)
                xml_buf_add(b, (const char *)c->content, strlen((const char *)c->content));
            break;
        case XML_ELEMENT_NODE:
            xml_gather(c, b);
            break;
        case XML_ENTITY_REF_NODE:
            xml_buf_add(b, "&", 1);
            xml_buf_add(b, (const char *)c->name, strlen((const char *)c->name));
            xml_buf_add(b, ";", 1);
            break;
        default:
            break;
        }
    }
}

static bool xml_has_elements(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE)
            return true;
    }
    return false;
}

/* The children of n written back as markup ("naked" HTML inside an RSS
 * description, Atom xhtml). */
static void xml_inner(const xmlNode *n, struct jy_buf *b)
{
    xmlBuffer *xb = xmlBufferCreate();
    for (xmlNode *c = n->children; c; c = c->next) {
        xmlNodeDump(xb, n->doc, c, 0, 0);
        if ((size_t)xmlBufferLength(xb) >= b->max)
            break;
    }
    xml_buf_add(b, (const char *)xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
    xmlBufferFree(xb);
}

/* Raw text of an element into a new bounded buffer. */
static void xml_text_buf(const xmlNode *n, const struct parse_limits *lim, bool inner,
                         struct jy_buf *b)
{
    /* Markup and references shrink when reduced, so gather more than the
     * final cap. */
    size_t max = lim->max_field > SIZE_MAX / 8 ? SIZE_MAX / 2 : lim->max_field * 4 + 4096;
    jy_buf_init(b, max);
    jy_buf_append(b, "", 0);
    if (inner)
        xml_inner(n, b);
    else
        xml_gather(n, b);
}

/* An element whose content is HTML (RSS fields): its text, or its child
 * markup when the HTML was written unescaped, reduced to text. */
static char *xml_html_text(const xmlNode *n, const struct parse_limits *lim, bool keep_newlines)
{
    if (!n)
        return NULL;
    struct jy_buf b;
    xml_text_buf(n, lim, xml_has_elements(n), &b);
    char *s = html_to_text(b.data, b.len, keep_newlines);
    jy_buf_free(&b);
    return s;
}

/* Plain text content, trimmed (links, ids, dates; parse_item_finish and
 * parse_feed clean them, line breaks included). */
static char *xml_plain(const xmlNode *n, const struct parse_limits *lim)
{
    if (!n)
        return NULL;
    struct jy_buf b;
    xml_text_buf(n, lim, false, &b);
    char *s = parse_strtrim(b.data);
    jy_buf_free(&b);
    return s;
}

static char *xml_attr(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = parse_strtrim((const char *)v);
    xmlFree(v);
    return s;
}

/* href resolved against xml:base, as feed readers do. */
static char *xml_href(const xmlNode *n, const char *href)
{
    if (!href)
        return NULL;
    xmlChar *base = xmlNodeGetBase(n->doc, n);
    if (!base)
        return xstrdup(href);
    xmlChar *abs = xmlBuildURI((const xmlChar *)href, base);
    xmlFree(base);
    char *s = xstrdup(abs ? (const char *)abs : href);
    xmlFree(abs);
    return s;
}

/* Atom text construct (title, content, summary) by its type attribute:
 * text is taken as it stands (libxml2 has decoded the XML references once;
 * decoding again would turn a literal "&lt;b&gt;" into markup), html is
 * decoded markup to reduce, xhtml is child elements to reduce, other types
 * are base64 (Atom 1.0 section 3.1.1 and 4.1.3.3). */
static char *atom_text(const xmlNode *n, const struct parse_limits *lim, bool keep_newlines)
{
    if (!n)
        return NULL;
    /* Atom 0.3's multipart/alternative holds the alternatives as <content>
     * children, the preferred first */
    for (int depth = 0; depth < 8; depth++) {
        char *mt = xml_attr(n, "type");
        bool multi = mt && strncasecmp(mt, "multipart/", 10) == 0;
        free(mt);
        const xmlNode *first = NULL;
        for (const xmlNode *c = multi ? n->children : NULL; c && !first; c = c->next) {
            if (c->type == XML_ELEMENT_NODE && strcasecmp((const char *)c->name, "content") == 0)
                first = c;
        }
        if (!first)
            break;
        n = first;
    }
    char *type = xml_attr(n, "type");
    char *mode = xml_attr(n, "mode");
    const char *t = type ? type : "text";
    bool base64 = mode && strcasecmp(mode, "base64") == 0;
    enum { K_TEXT, K_HTML, K_XHTML, K_BINARY } kind;
    if (strcasecmp(t, "text") == 0 || strcasecmp(t, "text/plain") == 0)
        kind = K_TEXT;
    else if (strcasecmp(t, "html") == 0 || strcasecmp(t, "text/html") == 0)
        kind = K_HTML;
    else if (strcasecmp(t, "xhtml") == 0 || strcasecmp(t, "application/xhtml+xml") == 0)
        kind = K_XHTML;
    else if (strncasecmp(t, "text/", 5) == 0)
        kind = K_TEXT;
    else if (strlen(t) > 4 && (strcasecmp(t + strlen(t) - 4, "+xml") == 0 ||
                               strcasecmp(t + strlen(t) - 4, "/xml") == 0))
        kind = K_XHTML;
    else
        kind = K_BINARY;
    /* Atom 0.3 mode="escaped" means the text is escaped markup. */
    if (mode && strcasecmp(mode, "escaped") == 0 && kind == K_TEXT && type == NULL)
        kind = K_HTML;
    free(type);
    free(mode);

    struct jy_buf b;
    bool inner = kind == K_XHTML || (kind == K_TEXT && !base64 && xml_has_elements(n));
    xml_text_buf(n, lim, inner, &b);
    char *out = NULL;
    if (base64 || kind == K_BINARY) {
        size_t dl;
        char *dec = parse_base64_decode(b.data, b.len, &dl);
        if (dec && utf8_valid(dec, dl)) {
            out = kind == K_TEXT ? parse_plain_text(dec, dl, keep_newlines)
                                 : html_to_text(dec, dl, keep_newlines);
        }
        free(dec);
        if (!out) /* not base64 after all ("application/x-custom" text) */
            out = parse_plain_text(b.data, b.len, keep_newlines);
    } else if (kind == K_TEXT) {
        out = parse_plain_text(b.data, b.len, keep_newlines);
    } else {
        out = html_to_text(b.data, b.len, keep_newlines);
    }
    jy_buf_free(&b);
    return out;
}

/* Tries the date elements in order until one can be read. */
static void xml_item_date(struct feed_item *it, const xmlNode *const *cands, size_t n,
                          const struct parse_limits *lim)
{
    for (size_t i = 0; i < n && !it->has_date; i++) {
        char *s = xml_plain(cands[i], lim);
        if (s && parse_date(s, &it->published) == 0)
            it->has_date = true;
        free(s);
    }
}

static char *xml_nonempty(char *s)
{
    if (s && !*s)
        jy_free(&s);
    return s;
}

/* "editor@example.com (Jane Doe)" is how RSS 2.0 writes an author; the name
 * is what an operator wants to see. */
static char *rss_author_name(char *a)
{
    if (!a)
        return NULL;
    char *open = strchr(a, '(');
    size_t n = strlen(a);
    if (open && open > a && n > 0 && a[n - 1] == ')' && memchr(open, '@', (size_t)(a + n - open)) &&
        !memchr(a, '@', (size_t)(open - a))) {
        /* "Jane Doe (editor@example.com)": the name before the address */
        char *before = xstrndup(a, (size_t)(open - a));
        char *name = parse_strtrim(before);
        free(before);
        if (name && *name) {
            free(a);
            return name;
        }
        free(name);
    }
    if (open && n > 0 && a[n - 1] == ')' && memchr(a, '@', (size_t)(open - a))) {
        char *inside = xstrndup(open + 1, (size_t)(a + n - 1 - (open + 1)));
        char *name = parse_strtrim(inside);
        free(inside);
        if (name && *name) {
            free(a);
            return name;
        }
        free(name);
    }
    return a;
}

/* An Atom person construct (author, contributor): its name, else its
 * email (feedparser's author when there is no name). */
static char *atom_person(const xmlNode *person, const struct parse_limits *lim)
{
    static const char *const parts[] = {"name", "email"};
    for (size_t i = 0; i < 2; i++) {
        for (const xmlNode *c = person->children; c; c = c->next) {
            if (!(xml_is(c, NS_ATOM, parts[i]) || xml_is(c, NS_CORE, parts[i])))
                continue;
            char *s = xml_nonempty(xml_plain(c, lim));
            if (s) {
                char *t = xml_nonempty(parse_plain_text(s, strlen(s), false));
                free(s);
                if (t)
                    return t;
            }
        }
    }
    return NULL;
}

static void rss_item_read(const xmlNode *item, const struct parse_limits *lim, struct feed_item *it)
{
    const xmlNode *title = NULL, *dctitle = NULL, *link = NULL, *atomlink = NULL, *guid = NULL;
    const xmlNode *author = NULL, *creator = NULL, *dcauthor = NULL, *itauthor = NULL;
    const xmlNode *pub = NULL, *dcdate = NULL, *apub = NULL, *aupd = NULL;
    const xmlNode *issued = NULL, *created = NULL, *modified = NULL, *aauthor = NULL;
    const xmlNode *encoded = NULL, *desc = NULL, *dcdesc = NULL, *acontent = NULL;
    const xmlNode *itsummary = NULL, *body = NULL, *xbody = NULL, *fullitem = NULL;
    const xmlNode *mtitle = NULL;
    for (const xmlNode *c = item->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        enum xml_ns ns = xml_ns_of(c);
        const char *nm = (const char *)c->name;
#define TAKE(var, wantns, wantname)                                                                \
    if (!var && ns == (wantns) && strcasecmp(nm, (wantname)) == 0) {                               \
        var = c;                                                                                   \
        continue;                                                                                  \
    }
        TAKE(title, NS_CORE, "title");
        TAKE(dctitle, NS_DC, "title");
        TAKE(guid, NS_CORE, "guid");
        TAKE(author, NS_CORE, "author");
        TAKE(creator, NS_DC, "creator");
        TAKE(dcauthor, NS_DC, "author");
        TAKE(itauthor, NS_ITUNES, "author");
        TAKE(pub, NS_CORE, "pubDate");
        TAKE(dcdate, NS_DC, "date");
        TAKE(apub, NS_ATOM, "published");
        TAKE(aupd, NS_ATOM, "updated");
        TAKE(issued, NS_DCTERMS, "issued");
        TAKE(created, NS_DCTERMS, "created");
        TAKE(modified, NS_DCTERMS, "modified");
        TAKE(aauthor, NS_ATOM, "author");
        TAKE(encoded, NS_CONTENT, "encoded");
        TAKE(desc, NS_CORE, "description");
        TAKE(dcdesc, NS_DC, "description");
        TAKE(acontent, NS_ATOM, "content");
        TAKE(itsummary, NS_ITUNES, "summary");
        TAKE(body, NS_CORE, "body");
        TAKE(xbody, NS_XHTML, "body");
        TAKE(fullitem, NS_CORE, "fullitem");
        TAKE(mtitle, NS_MEDIA, "title");
#undef TAKE
        if (ns == NS_CORE && strcasecmp(nm, "link") == 0 && !link) {
            char *s = xml_plain(c, lim);
            if (s || xmlHasProp(c, (const xmlChar *)"href"))
                link = c;
            free(s);
        } else if (ns == NS_ATOM && strcasecmp(nm, "link") == 0 && !atomlink) {
            char *rel = xml_attr(c, "rel");
            if (!rel || strcmp(rel, "alternate") == 0)
                atomlink = c;
            free(rel);
        }
    }
    it->title = xml_html_text(title ? title : dctitle ? dctitle : mtitle, lim, false);
    if (link) {
        char *text = xml_plain(link, lim);
        if (text) {
            it->link = xml_href(link, text);
            free(text);
        } else {
            char *h = xml_attr(link, "href");
            it->link = xml_href(link, h);
            free(h);
        }
    }
    if (!it->link && atomlink) {
        char *h = xml_attr(atomlink, "href");
        it->link = xml_href(atomlink, h);
        free(h);
    }
    it->guid = xml_plain(guid, lim);
    if (it->guid && !it->link && strstr(it->guid, "://")) {
        /* a permalink guid (isPermaLink absent or true) is the item's link */
        char *perma = xml_attr(guid, "isPermaLink");
        if (!perma || strcasecmp(perma, "false") != 0)
            it->link = xstrdup(it->guid);
        free(perma);
    }
    if (!it->guid && xml_ns_of(item) != NS_OTHER) {
        xmlChar *about =
            xmlGetNsProp(item, (const xmlChar *)"about",
                         (const xmlChar *)"http://www.w3.org/1999/02/22-rdf-syntax-ns#");
        if (about) {
            it->guid = parse_strtrim((const char *)about);
            xmlFree(about);
        }
    }
    const xmlNode *an[] = {author, creator, dcauthor, itauthor};
    for (size_t i = 0; i < 4 && !it->author; i++) {
        if (an[i])
            it->author = rss_author_name(xml_nonempty(xml_html_text(an[i], lim, false)));
    }
    if (!it->author && aauthor)
        it->author = atom_person(aauthor, lim);
    /* publication before modification, as feedparser ranks them: pubDate,
     * dc:date, dcterms:issued, atom:published, dcterms:created, then the
     * updates (dcterms:modified, atom:updated) */
    const xmlNode *dn[] = {pub, dcdate, issued, apub, created, modified, aupd};
    xml_item_date(it, dn, 7, lim);
    /* the full text first: content:encoded, an XHTML or plain body,
     * <fullitem>, then Atom's content, then the summaries */
    const xmlNode *full = encoded ? encoded : xbody ? xbody : body ? body : fullitem;
    if (full)
        it->content = xml_html_text(full, lim, true);
    else if (acontent)
        it->content = atom_text(acontent, lim, true);
    else if (desc)
        it->content = xml_html_text(desc, lim, true);
    else if (dcdesc)
        it->content = xml_html_text(dcdesc, lim, true);
    else if (itsummary)
        it->content = xml_html_text(itsummary, lim, true);
}

static const xmlNode *xml_child(const xmlNode *n, enum xml_ns ns, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next) {
        if (xml_is(c, ns, name))
            return c;
    }
    return NULL;
}

static void xml_add_item_rss(struct feed *out, const xmlNode *item, const struct parse_limits *lim)
{
    (*lim->n_found)++;
    if (out->n_items >= lim->max_items)
        return;
    struct feed_item *it = parse_feed_item_add(out);
    rss_item_read(item, lim, it);
    parse_item_finish(it, lim, true);
}

static int rss_read(const xmlNode *root, bool rdf, const struct parse_limits *lim, struct feed *out)
{
    out->format = rdf ? "rdf" : "rss";
    const xmlNode *channel = xml_child(root, NS_CORE, "channel");
    if (!channel && !rdf && strcmp((const char *)root->name, "channel") == 0)
        channel = root;
    if (channel) {
        out->title = xml_html_text(xml_child(channel, NS_CORE, "title"), lim, false);
        out->link = xml_plain(xml_child(channel, NS_CORE, "link"), lim);
        for (const xmlNode *c = channel->children; c; c = c->next) {
            if (xml_is(c, NS_CORE, "item"))
                xml_add_item_rss(out, c, lim);
        }
    }
    /* RSS 1.0 and 0.90 put items beside the channel, not inside it. */
    if (channel != root) {
        for (const xmlNode *c = root->children; c; c = c->next) {
            if (xml_is(c, NS_CORE, "item"))
                xml_add_item_rss(out, c, lim);
        }
    }
    return 0;
}

/* The first child named name in any case (CDF writes its names in capitals). */
static const xmlNode *cdf_child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && strcasecmp((const char *)c->name, name) == 0)
            return c;
    }
    return NULL;
}

/* An attribute by name in any case. */
static char *cdf_attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (strcasecmp((const char *)a->name, name) == 0) {
            xmlChar *v = xmlNodeGetContent((const xmlNode *)a);
            char *s = v ? parse_strtrim((const char *)v) : NULL;
            xmlFree(v);
            return s;
        }
    }
    return NULL;
}

/* Microsoft's Channel Definition Format (1997): <CHANNEL HREF=...> with
 * <ITEM HREF=... LASTMOD=...> holding <TITLE> and <ABSTRACT>; channels nest. */
static void cdf_read_channel(const xmlNode *ch, const struct parse_limits *lim, struct feed *out,
                             int depth)
{
    for (const xmlNode *c = ch->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcasecmp((const char *)c->name, "channel") == 0 && depth < 8) {
            cdf_read_channel(c, lim, out, depth + 1);
            continue;
        }
        if (strcasecmp((const char *)c->name, "item") != 0)
            continue;
        (*lim->n_found)++;
        if (out->n_items >= lim->max_items)
            continue;
        struct feed_item *it = parse_feed_item_add(out);
        it->title = xml_html_text(cdf_child(c, "title"), lim, false);
        it->content = xml_html_text(cdf_child(c, "abstract"), lim, true);
        char *href = cdf_attr(c, "href");
        it->link = xml_href(c, href);
        free(href);
        char *mod = cdf_attr(c, "lastmod");
        if (mod && parse_date(mod, &it->published) == 0)
            it->has_date = true;
        free(mod);
        parse_item_finish(it, lim, true);
    }
}

static int cdf_read(const xmlNode *root, const struct parse_limits *lim, struct feed *out)
{
    out->format = "rss";
    out->title = xml_html_text(cdf_child(root, "title"), lim, false);
    out->link = cdf_attr(root, "href");
    cdf_read_channel(root, lim, out, 0);
    return 0;
}

/* Atom link choice: rel="alternate" (or no rel) first, else any href. */
static char *atom_link(const xmlNode *parent)
{
    const xmlNode *best = NULL, *any = NULL;
    for (const xmlNode *c = parent->children; c; c = c->next) {
        if (!(xml_is(c, NS_ATOM, "link") || xml_is(c, NS_CORE, "link")))
            continue;
        if (!xmlHasProp(c, (const xmlChar *)"href"))
            continue;
        char *rel = xml_attr(c, "rel");
        if (!best && (!rel || strcmp(rel, "alternate") == 0))
            best = c;
        if (!any)
            any = c;
        free(rel);
    }
    const xmlNode *l = best ? best : any;
    if (!l)
        return NULL;
    char *h = xml_attr(l, "href");
    char *r = xml_href(l, h);
    free(h);
    return r;
}

static const xmlNode *atom_child(const xmlNode *n, const char *name)
{
    const xmlNode *c = xml_child(n, NS_ATOM, name);
    return c ? c : xml_child(n, NS_CORE, name);
}

static char *atom_author(const xmlNode *parent, const struct parse_limits *lim)
{
    for (const xmlNode *c = parent->children; c; c = c->next) {
        if (!(xml_is(c, NS_ATOM, "author") || xml_is(c, NS_CORE, "author")))
            continue;
        char *s = atom_person(c, lim);
        if (s)
            return s;
    }
    return NULL;
}

static void atom_entry_read(const xmlNode *entry, const xmlNode *feed,
                            const struct parse_limits *lim, struct feed_item *it)
{
    it->title = atom_text(atom_child(entry, "title"), lim, false);
    it->link = atom_link(entry);
    it->guid = xml_plain(atom_child(entry, "id"), lim);
    it->author = atom_author(entry, lim);
    if (!it->author)
        it->author = atom_author(feed, lim);
    const xmlNode *dn[] = {atom_child(entry, "published"), atom_child(entry, "issued"),
                           atom_child(entry, "updated"), atom_child(entry, "modified"),
                           atom_child(entry, "created")};
    xml_item_date(it, dn, 5, lim);
    const xmlNode *content = atom_child(entry, "content");
    if (!content)
        content = atom_child(entry, "summary");
    it->content = atom_text(content, lim, true);
}

static int atom_read(const xmlNode *root, const struct parse_limits *lim, struct feed *out)
{
    out->format = "atom";
    out->title = atom_text(atom_child(root, "title"), lim, false);
    out->link = atom_link(root);
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (!(xml_is(c, NS_ATOM, "entry") || xml_is(c, NS_CORE, "entry")))
            continue;
        (*lim->n_found)++;
        if (out->n_items >= lim->max_items)
            continue; /* counted: the warning says how many were left */
        struct feed_item *it = parse_feed_item_add(out);
        atom_entry_read(c, root, lim, it);
        parse_item_finish(it, lim, true);
    }
    return 0;
}

/* The tree builder's callbacks, each behind a look at the memory count:
 * past the limit the parser is stopped (it cannot be refused memory). */
static bool xml_mem_stop(void *ctx)
{
    if (!parse_mem_over())
        return false;
    xmlStopParser(ctx);
    return true;
}

static void xml_start_bounded(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                              const xmlChar *uri, int nb_ns, const xmlChar **ns, int nb_attr,
                              int nb_defaulted, const xmlChar **attrs)
{
    if (!xml_mem_stop(ctx))
        xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_ns, ns, nb_attr, nb_defaulted, attrs);
}

static void xml_characters_bounded(void *ctx, const xmlChar *ch, int len)
{
    if (!xml_mem_stop(ctx))
        xmlSAX2Characters(ctx, ch, len);
}

static void xml_cdata_bounded(void *ctx, const xmlChar *ch, int len)
{
    if (!xml_mem_stop(ctx))
        xmlSAX2CDataBlock(ctx, ch, len);
}

static void xml_reference_bounded(void *ctx, const xmlChar *name)
{
    if (!xml_mem_stop(ctx))
        xmlSAX2Reference(ctx, name);
}

static void xml_comment_bounded(void *ctx, const xmlChar *value)
{
    if (!xml_mem_stop(ctx))
        xmlSAX2Comment(ctx, value);
}

/* Puts the bounded callbacks in place of libxml2's tree builder's. */
static void xml_sax_bound(xmlParserCtxt *ctxt)
{
    xmlSAXHandler *sax = ctxt->sax;
    if (!sax)
        return;
    if (sax->startElementNs == xmlSAX2StartElementNs)
        sax->startElementNs = xml_start_bounded;
    if (sax->characters == xmlSAX2Characters)
        sax->characters = xml_characters_bounded;
    if (sax->cdataBlock == xmlSAX2CDataBlock)
        sax->cdataBlock = xml_cdata_bounded;
    if (sax->reference == xmlSAX2Reference)
        sax->reference = xml_reference_bounded;
    if (sax->comment == xmlSAX2Comment)
        sax->comment = xml_comment_bounded;
}

static int xml_parse_repaired(const char *utf8, size_t len, const struct parse_limits *lim,
                              struct feed *out, struct jy_error *err);

/* Errors libxml2 reports when the input stops inside the document. */
static bool xml_error_is_truncation(int code)
{
    return code == XML_ERR_DOCUMENT_END || code == XML_ERR_TAG_NOT_FINISHED ||
           code == XML_ERR_LTSLASH_REQUIRED || code == XML_ERR_GT_REQUIRED ||
           code == XML_ERR_CDATA_NOT_FINISHED || code == XML_ERR_COMMENT_NOT_FINISHED ||
           code == XML_ERR_DOCUMENT_EMPTY;
}

/* Where the last "<NAME" start tag (NAME followed by space, '>' or '/')
 * begins, or -1. */
static long last_start_tag(const char *doc, size_t len, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = len; i-- > 0;) {
        if (doc[i] == '<' && i + 1 + nl < len && strncmp(doc + i + 1, name, nl) == 0) {
            char c = doc[i + 1 + nl];
            if (c == ' ' || c == '>' || c == '/' || c == '\t' || c == '\n' || c == '\r')
                return (long)i;
        }
    }
    return -1;
}

/* Whether the document stops inside its last item or entry: then the cut
 * went through an item, which must not be stored half. (A feed that only
 * forgets its closing </channel></rss> keeps its complete items.) */
static bool xml_last_item_unclosed(const char *doc, size_t len)
{
    static const char *const names[] = {"item", "entry"};
    for (size_t k = 0; k < 2; k++) {
        long open = last_start_tag(doc, len, names[k]);
        if (open < 0)
            continue;
        char close[16];
        snprintf(close, sizeof close, "</%s", names[k]);
        const char *p = doc + open;
        bool self_closing = false;
        const char *gt = memchr(p, '>', len - (size_t)open);
        if (gt && gt > p && gt[-1] == '/')
            self_closing = true;
        if (!self_closing && !memmem(p, len - (size_t)open, close, strlen(close)))
            return true;
    }
    return false;
}

/* Length of the character or entity reference at s (which starts with '&')
 * as XML takes it, 0 when it is none; *upper_x: "&#X41;", which XML does not
 * allow and HTML does. */
static size_t xml_ref_len(const char *s, size_t len, bool *upper_x)
{
    size_t i = 1;
    *upper_x = false;
    if (i < len && s[i] == '#') {
        i++;
        bool hex = i < len && (s[i] == 'x' || s[i] == 'X');
        if (hex) {
            *upper_x = s[i] == 'X';
            i++;
        }
        size_t start = i;
        while (i < len && (hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i])))
            i++;
        return i > start && i < len && s[i] == ';' ? i + 1 : 0;
    }
    if (i >= len || !(isalpha((unsigned char)s[i]) || s[i] == '_' || s[i] == ':' ||
                      (unsigned char)s[i] >= 0x80))
        return 0;
    while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':' || s[i] == '-' ||
                       s[i] == '.' || (unsigned char)s[i] >= 0x80))
        i++;
    return i < len && s[i] == ';' ? i + 1 : 0;
}

/* What feeds get wrong about '&' and libxml2 would recover from by dropping
 * text: a bare '&' (links with "?a=1&b=2&c" lost their parameters) becomes
 * "&amp;", and "&#X41;" becomes "&#x41;". CDATA sections and comments are
 * left alone. NULL when there is nothing to repair (the common case). */
static char *xml_repair(const char *doc, size_t len, size_t *out_len)
{
    static const struct {
        const char *open, *close;
    } skip[] = {{"<![CDATA[", "]]>"}, {"<!--", "-->"}};
    struct jy_buf b;
    bool started = false;
    size_t run = 0, i = 0;
    const char *amp = memchr(doc, '&', len);
    while (amp) {
        /* a CDATA section or comment that opens before the next '&' is
         * passed over whole (its '&' are text) */
        const char *bang = NULL; /* '!' is rarer than '<' */
        for (const char *q = doc + i; (q = memchr(q, '!', (size_t)(amp - q))) != NULL; q++) {
            if (q > doc + i && q[-1] == '<') {
                bang = q - 1;
                break;
            }
        }
        if (bang) {
            i = (size_t)(bang - doc) + 2;
            for (size_t k = 0; k < 2; k++) {
                size_t ol = strlen(skip[k].open), cl = strlen(skip[k].close);
                size_t at = (size_t)(bang - doc);
                if (len - at >= ol && memcmp(bang, skip[k].open, ol) == 0) {
                    const char *e = memmem(doc + at + ol, len - at - ol, skip[k].close, cl);
                    i = e ? (size_t)(e - doc) + cl : len;
                    break;
                }
            }
            if (doc + i > amp)
                amp = i < len ? memchr(doc + i, '&', len - i) : NULL;
            continue;
        }
        i = (size_t)(amp - doc);
        bool upper_x;
        size_t n = xml_ref_len(doc + i, len - i, &upper_x);
        if (!n || upper_x) {
            if (!started) {
                jy_buf_init(&b, 0);
                jy_buf_reserve(&b, len + 64);
                started = true;
            }
            jy_buf_append(&b, doc + run, i - run);
            jy_buf_append(&b, n ? "&#x" : "&amp;", n ? 3 : 5);
            run = i + (n ? 3 : 1);
        }
        i += n ? n : 1;
        amp = i < len ? memchr(doc + i, '&', len - i) : NULL;
    }
    if (!started)
        return NULL;
    jy_buf_append(&b, doc + run, len - run);
    *out_len = b.len;
    return jy_buf_steal(&b);
}

int parse_xml_feed(const char *utf8, size_t len, const struct parse_limits *lim, struct feed *out,
                   struct jy_error *err)
{
    size_t fixed_len = 0;
    char *fixed = xml_repair(utf8, len, &fixed_len);
    if (fixed) {
        utf8 = fixed;
        len = fixed_len;
    }
    int rc = xml_parse_repaired(utf8, len, lim, out, err);
    free(fixed);
    return rc;
}

static int xml_parse_repaired(const char *utf8, size_t len, const struct parse_limits *lim,
                              struct feed *out, struct jy_error *err)
{
    if (len > INT32_MAX)
        return jy_error_set(err, JY_EPARSE, "XML document too large");
    /* The tree is what costs (a node for every few bytes of tiny
     * elements): its making is bounded; walking it afterwards is not. */
    parse_mem_begin(lim->max_memory, false);
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        parse_mem_end();
        return jy_error_set(err, JY_ENOMEM, "cannot create XML parser");
    }
    if (lim->max_memory)
        xml_sax_bound(ctxt);
    /* No NOENT (never substitute entities), no DTDLOAD, no HUGE. */
    int opts = XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
               XML_PARSE_IGNORE_ENC | XML_PARSE_NOCDATA;
    /* the document's address is its base URI: xml:base and links resolve
     * against it (xml_href) */
    const char *url = lim->base_url && strstr(lim->base_url, "://") ? lim->base_url : NULL;
    xmlDoc *doc = xmlCtxtReadMemory(ctxt, utf8, (int)len, url, "UTF-8", opts);
    if (parse_mem_end()) {
        if (doc)
            xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctxt);
        return parse_mem_error(err, lim->max_memory);
    }
    const xmlError *xe = xmlCtxtGetLastError(ctxt);
    char why[300] = "";
    if (xe && xe->message) {
        size_t ml = strlen(xe->message);
        while (ml > 0 && (xe->message[ml - 1] == '\n' || xe->message[ml - 1] == ' '))
            ml--;
        /* the message may quote the document: keep it printable */
        char *msg = parse_sanitize(xe->message, ml > 200 ? 200 : ml, 0);
        snprintf(why, sizeof why, " (line %d: %s)", xe->line, msg);
        free(msg);
    }
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    int rc = 0;
    if (!root) {
        rc = jy_error_set(err, JY_EPARSE, "not an XML document%s", why);
    } else if (!ctxt->wellFormed && xe && xml_error_is_truncation(xe->code) &&
               xml_last_item_unclosed(utf8, len)) {
        /* A document cut off in transit: recovery would keep a half item
         * and call the fetch a success. Refuse it; what is stored stays. */
        rc = jy_error_set(err, JY_EPARSE, "XML document ends early (truncated?)%s", why);
    } else if (!ctxt->wellFormed && !xml_has_elements(root)) {
        /* Recovery made a root out of a fragment ("<rss" cut short): a
         * broken document is accepted only when something is left of it. */
        rc = jy_error_set(err, JY_EPARSE, "broken XML document%s", why);
    } else {
        const char *rn = (const char *)root->name;
        enum xml_ns ns = xml_ns_of(root);
        if (strcmp(rn, "rss") == 0 || strcmp(rn, "channel") == 0)
            rc = rss_read(root, false, lim, out);
        else if (strcasecmp(rn, "channel") == 0)
            rc = cdf_read(root, lim, out);
        else if (strcmp(rn, "RDF") == 0 && (ns == NS_RDF || ns == NS_CORE))
            rc = rss_read(root, true, lim, out);
        else if (strcmp(rn, "feed") == 0 && (ns == NS_ATOM || ns == NS_CORE))
            rc = atom_read(root, lim, out);
        else if (strcasecmp(rn, "html") == 0)
            rc = jy_error_set(err, JY_EPARSE, "not a feed: got an HTML page");
        else
            rc = jy_error_set(err, JY_EPARSE, "not a feed: the root element is <%.60s>%s", rn,
                              ctxt->wellFormed ? "" : why);
    }
    if (doc)
        xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}
