/*
 * scheme.c: monitoring schemes (监测方案). A scheme is either four term
 * groups or a free boolean expression; both are compiled to the same small
 * syntax tree whose leaves are terms. The terms of all schemes are
 * normalised, deduplicated into one term table and put into ONE Aho-Corasick
 * automaton, so matching an item is one pass over its title and text plus
 * work proportional to the hits: only schemes that contain a term that
 * occurred (and the few that can match without any hit, such as `NOT 广告`)
 * are evaluated.
 *
 * The expression language (documented for admins in jingyu.yaml(5)):
 *   term      any run of characters other than whitespace (including U+3000),
 *             parentheses ( ) （ ）, double quotes " “ ” and the symbols & | !,
 *             that is not one of the keywords below
 *   "phrase"  a term that may contain spaces; also “phrase”
 *   AND  &    both (juxtaposition of two operands also means AND)
 *   OR   |    either
 *   NOT  !    prefix negation
 *   a NEAR/n b   both terms occur with at most n characters between the end of
 *             one and the start of the other, in either order, in the same
 *             field (title or text); overlapping occurrences count as 0 apart.
 *             Both operands must be terms or phrases.
 *   ( )       grouping
 * Keywords are upper case only (`and` is a term). Precedence, tightest first:
 * NEAR, NOT, AND, OR. Errors say "column N: what is wrong", N 1-based in
 * characters of the expression.
 *
 * Groups: (any region) AND (any subject) AND (any event) AND NOT (any
 * exclude), empty groups left out. A scheme with no positive group (only
 * exclude terms, or nothing) matches nothing: a rule that flags every item not
 * excluded would flood the duty room, and is more likely a mistake.
 *
 * A term occurs in an item when it occurs in the title or the text; a
 * title_only scheme looks at the title alone. Only the first MAX_OCC
 * occurrences of an item keep their positions (presence is always recorded),
 * which bounds the work on pathological texts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_int.h"

#define MAX_DEPTH 100    /* nesting of the expression syntax */
#define MAX_OCC 65536    /* occurrences kept with positions, per item */
#define MAX_NEAR 1000000 /* largest n in NEAR/n */

enum snode_op { SN_TERM, SN_NEAR, SN_NOT, SN_AND, SN_OR };

/* One node of a scheme's syntax tree. TERM: a = term id. NEAR: a, b = term
 * ids, n = distance. NOT: a = child node. AND/OR: children are
 * kids[a .. a+b). */
struct snode {
    uint8_t op;
    int32_t a, b, n;
};

struct scheme {
    char *name;
    bool active; /* enabled and able to match something */
    bool title_only;
    bool always;    /* matches an item with no hits: evaluated for every item */
    unsigned media; /* bit (1u << level); 0 = every level */
    struct snode *nodes;
    size_t n_nodes, cap_nodes;
    int32_t *kids;
    size_t n_kids, cap_kids;
    int32_t root;
    int32_t *pos_terms; /* sorted term ids reported as matched terms (not under NOT) */
    size_t n_pos_terms;
    /* Group form: decided from the groups its item's terms fall in (see
     * scheme_engine_match), not by walking the tree. */
    bool grouped;
    uint8_t need;      /* bits of its non-empty positive groups */
    struct term_bits { /* each of its terms and the groups it is in */
        int32_t term;
        uint8_t bits;
    } * tb;
    size_t n_tb;
};

#define EXCLUDE_BIT (1u << GROUP_EXCLUDE)

/* One occurrence of a term in the item being matched. */
/* Occurrences of one term reported per matched scheme. */
#define TERM_OCC_MAX 16

struct occ {
    int32_t term;
    int32_t next;          /* next occurrence of the same term, -1 */
    uint32_t start, end;   /* bytes */
    uint32_t cstart, cend; /* code points (what NEAR counts) */
    bool in_title;
};

struct scheme_engine {
    struct scheme *schemes;
    size_t n_schemes;

    /* the term table (value of the automaton = term id) */
    char **terms;
    size_t n_terms, cap_terms;
    int32_t *hash; /* open addressing over terms, -1 empty; build time only */
    size_t hash_cap;

    struct ac *ac;
    uint32_t *post_at; /* n_terms + 1: schemes containing term t are post[post_at[t]..] */
    int32_t *post;
    uint8_t *post_bits; /* beside post: the term's groups in a grouped scheme, else 0 */
    int32_t *always;
    size_t n_always;

    /* per-item scratch, reused across items (one thread at a time) */
    uint32_t gen;
    uint32_t *term_gen;   /* == gen: term occurred in this item */
    uint8_t *term_fields; /* bit 0: title, bit 1: text */
    int32_t *term_head, *term_tail;
    int32_t *pick; /* scratch: occurrences of one matched scheme's terms */
    size_t cap_pick;
    uint64_t *cands; /* bit set of the schemes to evaluate for this item */
    size_t n_cand_words;
    struct occ *occ;
    size_t n_occ, cap_occ;
    bool scanning_title;
    int32_t *hits; /* the distinct terms that occurred, in order */
    size_t n_hits;
    uint8_t *mask; /* per scheme: the groups its item's terms fell in */
};

/* ---- the term table ------------------------------------------------------- */

static char *scheme_term_fallback(const char *s, size_t len)
{
    /* Without a normaliser (OpenCC data missing): ASCII lower-case and
     * whitespace collapsed, which is what matters for hand-typed tests. */
    char *out = xmalloc(len + 1);
    size_t n = 0;
    bool space = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = n > 0;
            continue;
        }
        if (space)
            out[n++] = ' ';
        space = false;
        out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    out[n] = 0;
    return out;
}

static void scheme_hash_grow(struct scheme_engine *se)
{
    size_t cap = se->hash_cap ? se->hash_cap * 2 : 1024;
    int32_t *h = xmalloc(cap * sizeof *h);
    for (size_t i = 0; i < cap; i++)
        h[i] = -1;
    for (size_t t = 0; t < se->n_terms; t++) {
        size_t i = jy_hash64(se->terms[t], strlen(se->terms[t])) & (cap - 1);
        while (h[i] >= 0)
            i = (i + 1) & (cap - 1);
        h[i] = (int32_t)t;
    }
    free(se->hash);
    se->hash = h;
    se->hash_cap = cap;
}

/* Normalises a raw term and returns its id, or -1 when nothing is left. */
static int32_t scheme_term_intern(struct scheme_engine *se, struct normalizer *nz, const char *raw,
                                  size_t len)
{
    char *t = nz ? normalize_term(nz, raw, len) : scheme_term_fallback(raw, len);
    size_t tl = t ? strlen(t) : 0;
    if (tl == 0) {
        free(t);
        return -1;
    }
    if ((se->n_terms + 1) * 2 > se->hash_cap)
        scheme_hash_grow(se);
    size_t i = jy_hash64(t, tl) & (se->hash_cap - 1);
    while (se->hash[i] >= 0) {
        if (strcmp(se->terms[se->hash[i]], t) == 0) {
            free(t);
            return se->hash[i];
        }
        i = (i + 1) & (se->hash_cap - 1);
    }
    if (se->n_terms == se->cap_terms) {
        se->cap_terms = se->cap_terms ? se->cap_terms * 2 : 64;
        se->terms = xrealloc(se->terms, se->cap_terms * sizeof *se->terms);
    }
    se->terms[se->n_terms] = t;
    se->hash[i] = (int32_t)se->n_terms;
    return (int32_t)se->n_terms++;
}

/* ---- syntax tree ---------------------------------------------------------- */

static int32_t scheme_node_add(struct scheme *sc, enum snode_op op, int32_t a, int32_t b, int32_t n)
{
    if (sc->n_nodes == sc->cap_nodes) {
        sc->cap_nodes = sc->cap_nodes ? sc->cap_nodes * 2 : 16;
        sc->nodes = xrealloc(sc->nodes, sc->cap_nodes * sizeof *sc->nodes);
    }
    sc->nodes[sc->n_nodes] = (struct snode){(uint8_t)op, a, b, n};
    return (int32_t)sc->n_nodes++;
}

/* An n-ary AND/OR over ops[0..n); one operand stands for itself. */
static int32_t scheme_node_list(struct scheme *sc, enum snode_op op, const int32_t *ops, size_t n)
{
    if (n == 1)
        return ops[0];
    if (sc->n_kids + n > sc->cap_kids) {
        while (sc->n_kids + n > sc->cap_kids)
            sc->cap_kids = sc->cap_kids ? sc->cap_kids * 2 : 16;
        sc->kids = xrealloc(sc->kids, sc->cap_kids * sizeof *sc->kids);
    }
    int32_t at = (int32_t)sc->n_kids;
    memcpy(sc->kids + sc->n_kids, ops, n * sizeof *ops);
    sc->n_kids += n;
    return scheme_node_add(sc, op, at, (int32_t)n, 0);
}

/* A small growable list of node ids for the parser. */
struct idlist {
    int32_t *v;
    size_t n, cap;
};

static void idlist_push(struct idlist *l, int32_t x)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = x;
}

/* ---- the expression parser -------------------------------------------------- */

enum tok_kind { TK_END, TK_WORD, TK_PHRASE, TK_LPAREN, TK_RPAREN, TK_AND, TK_OR, TK_NOT, TK_NEAR };

struct tok {
    enum tok_kind kind;
    const char *s; /* WORD/PHRASE: the text (without quotes) */
    size_t len;
    int col;   /* 1-based, characters */
    int32_t n; /* NEAR distance */
};

struct parser {
    struct scheme_engine *se;
    struct normalizer *nz;
    struct scheme *sc;
    const char *p, *end;
    int col; /* column of *p */
    struct tok tok;
    int depth;
    int err_col;
    char err[256];
};

static int parser_fail(struct parser *ps, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int parser_fail(struct parser *ps, int col, const char *fmt, ...)
{
    if (ps->err_col == 0) {
        ps->err_col = col;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err, sizeof ps->err, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* The code point at ps->p (0 at the end) and its length. */
static uint32_t parser_peek(const struct parser *ps, size_t *len)
{
    if (ps->p >= ps->end) {
        *len = 0;
        return 0;
    }
    uint32_t cp;
    *len = utf8_decode(ps->p, (size_t)(ps->end - ps->p), &cp);
    return cp;
}

static void parser_skip(struct parser *ps, size_t len)
{
    ps->p += len;
    ps->col++;
}

static bool is_space(uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
           cp == 0x3000;
}

static bool is_delim(uint32_t cp)
{
    return is_space(cp) || cp == '(' || cp == ')' || cp == 0xFF08 || cp == 0xFF09 || cp == '"' ||
           cp == 0x201C || cp == 0x201D || cp == '&' || cp == '|' || cp == '!';
}

static const char *tok_name(enum tok_kind k)
{
    switch (k) {
    case TK_AND:
        return "AND";
    case TK_OR:
        return "OR";
    case TK_NOT:
        return "NOT";
    case TK_NEAR:
        return "NEAR";
    default:
        return "operator";
    }
}

/* Reads the next token into ps->tok. -1 on a lexical error. */
static int parser_next(struct parser *ps)
{
    size_t l;
    uint32_t cp = parser_peek(ps, &l);
    while (l && is_space(cp)) {
        parser_skip(ps, l);
        cp = parser_peek(ps, &l);
    }
    struct tok *t = &ps->tok;
    *t = (struct tok){.kind = TK_END, .col = ps->col};
    if (l == 0)
        return 0;
    if (cp == '(' || cp == 0xFF08 || cp == ')' || cp == 0xFF09 || cp == '&' || cp == '|' ||
        cp == '!') {
        t->kind = cp == '(' || cp == 0xFF08   ? TK_LPAREN
                  : cp == ')' || cp == 0xFF09 ? TK_RPAREN
                  : cp == '&'                 ? TK_AND
                  : cp == '|'                 ? TK_OR
                                              : TK_NOT;
        parser_skip(ps, l);
        return 0;
    }
    if (cp == '"' || cp == 0x201C) {
        uint32_t close = cp == '"' ? '"' : 0x201D;
        parser_skip(ps, l);
        t->kind = TK_PHRASE;
        t->s = ps->p;
        for (;;) {
            cp = parser_peek(ps, &l);
            if (l == 0)
                return parser_fail(ps, t->col, "unterminated quote");
            if (cp == close)
                break;
            parser_skip(ps, l);
        }
        t->len = (size_t)(ps->p - t->s);
        parser_skip(ps, l);
        return 0;
    }
    t->kind = TK_WORD;
    t->s = ps->p;
    while (l && !is_delim(cp)) {
        parser_skip(ps, l);
        cp = parser_peek(ps, &l);
    }
    t->len = (size_t)(ps->p - t->s);
    if (t->len == 3 && memcmp(t->s, "AND", 3) == 0) {
        t->kind = TK_AND;
    } else if (t->len == 2 && memcmp(t->s, "OR", 2) == 0) {
        t->kind = TK_OR;
    } else if (t->len == 3 && memcmp(t->s, "NOT", 3) == 0) {
        t->kind = TK_NOT;
    } else if ((t->len == 4 && memcmp(t->s, "NEAR", 4) == 0) ||
               (t->len >= 5 && memcmp(t->s, "NEAR/", 5) == 0)) {
        t->kind = TK_NEAR;
        long n = 0;
        size_t i = 5;
        for (; i < t->len && t->s[i] >= '0' && t->s[i] <= '9'; i++)
            n = n > MAX_NEAR ? n : n * 10 + (t->s[i] - '0');
        if (t->len <= 5 || i != t->len)
            return parser_fail(ps, t->col, "NEAR needs a distance in characters, as in NEAR/5");
        if (n > MAX_NEAR)
            return parser_fail(ps, t->col, "NEAR distance is larger than %d", MAX_NEAR);
        t->n = (int32_t)n;
    }
    return 0;
}

static bool tok_starts_operand(enum tok_kind k)
{
    return k == TK_WORD || k == TK_PHRASE || k == TK_LPAREN || k == TK_NOT;
}

/* The error for a token found where an operand should start. */
static int parser_want_operand(struct parser *ps)
{
    struct tok *t = &ps->tok;
    switch (t->kind) {
    case TK_RPAREN:
        return parser_fail(ps, t->col, "')' without '('");
    case TK_AND:
    case TK_OR:
    case TK_NEAR:
        return parser_fail(ps, t->col, "%s has no left operand", tok_name(t->kind));
    case TK_END:
        return parser_fail(ps, t->col, "expression ends where an operand was expected");
    default:
        return parser_fail(ps, t->col, "unexpected token");
    }
}

static int32_t parse_or(struct parser *ps);

static int32_t parse_term(struct parser *ps)
{
    struct tok t = ps->tok;
    if (t.kind == TK_PHRASE && t.len == 0)
        return parser_fail(ps, t.col, "empty phrase");
    int32_t id = scheme_term_intern(ps->se, ps->nz, t.s, t.len);
    if (id < 0)
        return parser_fail(ps, t.col, "term is empty after normalisation");
    if (parser_next(ps) < 0)
        return -1;
    return scheme_node_add(ps->sc, SN_TERM, id, 0, 0);
}

/* primary := term | phrase | '(' or ')' */
static int32_t parse_primary(struct parser *ps)
{
    struct tok t = ps->tok;
    if (t.kind == TK_WORD || t.kind == TK_PHRASE)
        return parse_term(ps);
    if (t.kind != TK_LPAREN)
        return parser_want_operand(ps);
    if (++ps->depth > MAX_DEPTH)
        return parser_fail(ps, t.col, "parentheses nested deeper than %d", MAX_DEPTH);
    if (parser_next(ps) < 0)
        return -1;
    if (ps->tok.kind == TK_RPAREN)
        return parser_fail(ps, ps->tok.col, "empty parentheses");
    if (ps->tok.kind == TK_END)
        return parser_fail(ps, t.col, "'(' is not closed");
    int32_t inner = parse_or(ps);
    if (inner < 0)
        return -1;
    if (ps->tok.kind != TK_RPAREN)
        return parser_fail(ps, t.col, "'(' is not closed");
    ps->depth--;
    if (parser_next(ps) < 0)
        return -1;
    return inner;
}

/* near := primary [NEAR/n primary], both operands terms or phrases */
static int32_t parse_near(struct parser *ps)
{
    int32_t left = parse_primary(ps);
    if (left < 0 || ps->tok.kind != TK_NEAR)
        return left;
    struct tok op = ps->tok;
    if (ps->sc->nodes[left].op != SN_TERM)
        return parser_fail(ps, op.col,
                           "NEAR joins two terms or phrases; its left operand is not one");
    if (parser_next(ps) < 0)
        return -1;
    if (ps->tok.kind == TK_END)
        return parser_fail(ps, op.col, "NEAR has no right operand");
    if (ps->tok.kind != TK_WORD && ps->tok.kind != TK_PHRASE)
        return parser_fail(ps, ps->tok.col,
                           "NEAR joins two terms or phrases; its right operand is not one");
    int32_t right = parse_term(ps);
    if (right < 0)
        return -1;
    if (ps->tok.kind == TK_NEAR)
        return parser_fail(ps, ps->tok.col,
                           "NEAR joins two terms or phrases; its left operand is not one");
    /* Reuse the left leaf as the NEAR node; the right leaf stays unused. */
    struct snode *n = &ps->sc->nodes[left];
    *n = (struct snode){SN_NEAR, n->a, ps->sc->nodes[right].a, op.n};
    return left;
}

/* unary := NOT unary | near */
static int32_t parse_unary(struct parser *ps)
{
    if (ps->tok.kind != TK_NOT)
        return parse_near(ps);
    struct tok op = ps->tok;
    if (++ps->depth > MAX_DEPTH)
        return parser_fail(ps, op.col, "NOT nested deeper than %d", MAX_DEPTH);
    if (parser_next(ps) < 0)
        return -1;
    if (!tok_starts_operand(ps->tok.kind))
        return parser_fail(ps, op.col, "NOT has no operand");
    int32_t child = parse_unary(ps);
    ps->depth--;
    if (child < 0)
        return -1;
    return scheme_node_add(ps->sc, SN_NOT, child, 0, 0);
}

/* and := unary ([AND] unary)* */
static int32_t parse_and(struct parser *ps)
{
    struct idlist ops = {0};
    int32_t r = parse_unary(ps);
    while (r >= 0) {
        idlist_push(&ops, r);
        if (ps->tok.kind == TK_AND) {
            struct tok op = ps->tok;
            if (parser_next(ps) < 0) {
                r = -1;
                break;
            }
            if (!tok_starts_operand(ps->tok.kind)) {
                r = parser_fail(ps, op.col, "AND has no right operand");
                break;
            }
        } else if (!tok_starts_operand(ps->tok.kind)) {
            break;
        }
        r = parse_unary(ps);
    }
    if (r >= 0)
        r = scheme_node_list(ps->sc, SN_AND, ops.v, ops.n);
    free(ops.v);
    return r;
}

/* or := and (OR and)* */
static int32_t parse_or(struct parser *ps)
{
    struct idlist ops = {0};
    int32_t r = parse_and(ps);
    while (r >= 0) {
        idlist_push(&ops, r);
        if (ps->tok.kind != TK_OR)
            break;
        struct tok op = ps->tok;
        if (parser_next(ps) < 0) {
            r = -1;
            break;
        }
        if (!tok_starts_operand(ps->tok.kind)) {
            r = parser_fail(ps, op.col, "OR has no right operand");
            break;
        }
        r = parse_and(ps);
    }
    if (r >= 0)
        r = scheme_node_list(ps->sc, SN_OR, ops.v, ops.n);
    free(ops.v);
    return r;
}

/* Compiles expr into sc (its terms into se's table). 0, or -1 with *col and
 * msg set. */
static int scheme_parse(struct scheme_engine *se, struct normalizer *nz, struct scheme *sc,
                        const char *expr, int *col, char *msg, size_t msgsz)
{
    struct parser ps = {
        .se = se, .nz = nz, .sc = sc, .p = expr, .end = expr + strlen(expr), .col = 1};
    int32_t root = -1;
    if (parser_next(&ps) == 0) {
        if (ps.tok.kind == TK_END) {
            parser_fail(&ps, 1, "empty expression");
        } else {
            root = parse_or(&ps);
            if (root >= 0 && ps.tok.kind != TK_END) {
                if (ps.tok.kind == TK_RPAREN)
                    parser_fail(&ps, ps.tok.col, "')' without '('");
                else if (ps.tok.kind == TK_NEAR)
                    parser_fail(&ps, ps.tok.col,
                                "NEAR joins two terms or phrases; its left operand is not one");
                else
                    parser_fail(&ps, ps.tok.col, "unexpected %s", tok_name(ps.tok.kind));
                root = -1;
            }
        }
    }
    if (ps.err_col) {
        *col = ps.err_col;
        snprintf(msg, msgsz, "%s", ps.err);
        return -1;
    }
    sc->root = root;
    return 0;
}

/* ---- groups ------------------------------------------------------------------ */

static const char *const group_key[N_GROUPS] = {"region", "subject", "event", "exclude"};

static int scheme_groups(struct scheme_engine *se, struct normalizer *nz, struct scheme *sc,
                         const struct scheme_config *c, const char **bad_group, size_t *bad_term)
{
    int32_t groups[N_GROUPS];
    size_t n_groups = 0;
    int32_t exclude = -1;
    for (int g = 0; g < N_GROUPS; g++) {
        struct idlist ors = {0};
        for (size_t j = 0; j < c->n_terms[g]; j++) {
            const char *raw = c->terms[g][j] ? c->terms[g][j] : "";
            int32_t id = scheme_term_intern(se, nz, raw, strlen(raw));
            if (id < 0) {
                free(ors.v);
                *bad_group = group_key[g];
                *bad_term = j;
                return -1;
            }
            idlist_push(&ors, scheme_node_add(sc, SN_TERM, id, 0, 0));
            sc->tb = xrealloc(sc->tb, (sc->n_tb + 1) * sizeof *sc->tb);
            sc->tb[sc->n_tb++] = (struct term_bits){id, (uint8_t)(1u << g)};
        }
        if (ors.n) {
            int32_t any = scheme_node_list(sc, SN_OR, ors.v, ors.n);
            if (g == GROUP_EXCLUDE) {
                exclude = scheme_node_add(sc, SN_NOT, any, 0, 0);
            } else {
                groups[n_groups++] = any;
                sc->need |= (uint8_t)(1u << g);
            }
        }
        free(ors.v);
    }
    if (n_groups == 0) {
        sc->root = -1; /* no positive group: matches nothing (see the top) */
        return 0;
    }
    if (exclude >= 0)
        groups[n_groups++] = exclude;
    sc->root = scheme_node_list(sc, SN_AND, groups, n_groups);
    sc->grouped = true;
    return 0;
}

/* An expression in the groups' shape, clauses joined by AND, each a term,
 * an OR of terms, or NOT of either, is decided like a grouped scheme:
 * each positive clause gets a group bit of its own (seven at most: the
 * exclude bit is taken), the NOT clauses share the exclude bit. Deciding
 * from bits costs the same for every scheme; walking the tree costs its
 * size, for every scheme one of whose terms occurs. */
static const uint8_t clause_bits[] = {1u << 0, 1u << 1, 1u << 2, 1u << 4,
                                      1u << 5, 1u << 6, 1u << 7};

/* Is node a term or an OR of terms? */
static bool clause_of_terms(const struct scheme *sc, int32_t node)
{
    const struct snode *n = &sc->nodes[node];
    if (n->op == SN_TERM)
        return true;
    if (n->op != SN_OR)
        return false;
    for (int32_t k = 0; k < n->b; k++) {
        if (sc->nodes[sc->kids[n->a + k]].op != SN_TERM)
            return false;
    }
    return true;
}

static void clause_bits_add(struct scheme *sc, int32_t node, uint8_t bit)
{
    const struct snode *n = &sc->nodes[node];
    int32_t count = n->op == SN_TERM ? 1 : n->b;
    sc->tb = xrealloc(sc->tb, (sc->n_tb + (size_t)count) * sizeof *sc->tb);
    for (int32_t k = 0; k < count; k++) {
        const struct snode *t = n->op == SN_TERM ? n : &sc->nodes[sc->kids[n->a + k]];
        sc->tb[sc->n_tb++] = (struct term_bits){t->a, bit};
    }
}

static void scheme_expr_groups(struct scheme *sc)
{
    if (sc->grouped || sc->root < 0)
        return;
    const struct snode *r = &sc->nodes[sc->root];
    const int32_t *clause = r->op == SN_AND ? &sc->kids[r->a] : &sc->root;
    int32_t n = r->op == SN_AND ? r->b : 1;
    size_t positive = 0;
    for (int32_t k = 0; k < n; k++) {
        const struct snode *c = &sc->nodes[clause[k]];
        if (!clause_of_terms(sc, c->op == SN_NOT ? c->a : clause[k]))
            return;
        positive += c->op != SN_NOT;
    }
    if (positive == 0 || positive > sizeof clause_bits)
        return;
    positive = 0;
    for (int32_t k = 0; k < n; k++) {
        const struct snode *c = &sc->nodes[clause[k]];
        if (c->op == SN_NOT) {
            clause_bits_add(sc, c->a, EXCLUDE_BIT);
        } else {
            sc->need |= clause_bits[positive];
            clause_bits_add(sc, clause[k], clause_bits[positive++]);
        }
    }
    sc->grouped = true;
}

static int tb_cmp(const void *a, const void *b)
{
    const struct term_bits *x = a, *y = b;
    return x->term < y->term ? -1 : x->term > y->term;
}

/* A term's group bits in a grouped scheme (tb sorted and merged). */
static uint8_t scheme_term_bits(const struct scheme *sc, int32_t t)
{
    size_t lo = 0, hi = sc->n_tb;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (sc->tb[mid].term < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < sc->n_tb && sc->tb[lo].term == t ? sc->tb[lo].bits : 0;
}

/* ---- evaluation ----------------------------------------------------------------- */

static bool scheme_term_in(const struct scheme_engine *se, int32_t t, unsigned fields)
{
    return se->term_gen[t] == se->gen && (se->term_fields[t] & fields);
}

/* Do an occurrence of ta and one of tb (distinct) lie within n characters
 * of each other in one field? Each term's occurrences come in text order, so
 * one merge of the two lists by start decides it: an occurrence is closest
 * to the earlier-starting occurrence of the other term that ends last. */
static bool scheme_near(const struct scheme_engine *se, int32_t ta, int32_t tb, int32_t n,
                        unsigned fields)
{
    for (unsigned field = 1; field <= 2; field++) {
        if (!(fields & field))
            continue;
        bool title = field == 1;
        int32_t i = se->term_head[ta], j = ta == tb ? -1 : se->term_head[tb];
        int64_t end_a = -1, end_b = -1; /* furthest end so far, per term */
        for (;;) {
            while (i >= 0 && se->occ[i].in_title != title)
                i = se->occ[i].next;
            while (j >= 0 && se->occ[j].in_title != title)
                j = se->occ[j].next;
            if (i < 0 && j < 0)
                break;
            bool take_a = j < 0 || (i >= 0 && se->occ[i].cstart <= se->occ[j].cstart);
            const struct occ *o = &se->occ[take_a ? i : j];
            /* the other term (the same one when ta == tb: an earlier occurrence) */
            int64_t other = take_a && ta != tb ? end_b : end_a;
            if (other >= 0 && (int64_t)o->cstart - other <= n)
                return true; /* overlapping counts as 0 apart */
            if (take_a) {
                if (o->cend > end_a)
                    end_a = o->cend;
                i = o->next;
            } else {
                if (o->cend > end_b)
                    end_b = o->cend;
                j = o->next;
            }
        }
    }
    return false;
}

static bool scheme_eval(const struct scheme_engine *se, const struct scheme *sc, int32_t node,
                        unsigned fields, const char *title, const char *text)
{
    const struct snode *nd = &sc->nodes[node];
    switch (nd->op) {
    case SN_TERM:
        return scheme_term_in(se, nd->a, fields);
    case SN_NEAR:
        return scheme_term_in(se, nd->a, fields) && scheme_term_in(se, nd->b, fields) &&
               scheme_near(se, nd->a, nd->b, nd->n, fields);
    case SN_NOT:
        return !scheme_eval(se, sc, nd->a, fields, title, text);
    case SN_AND:
        for (int32_t i = 0; i < nd->b; i++)
            if (!scheme_eval(se, sc, sc->kids[nd->a + i], fields, title, text))
                return false;
        return true;
    case SN_OR:
        for (int32_t i = 0; i < nd->b; i++)
            if (scheme_eval(se, sc, sc->kids[nd->a + i], fields, title, text))
                return true;
        return false;
    }
    return false;
}

/* Collects the term ids of sc that count as found terms: those not under an
 * odd number of NOTs. */
static void scheme_collect_pos(const struct scheme *sc, int32_t node, bool neg, struct idlist *out)
{
    const struct snode *nd = &sc->nodes[node];
    switch (nd->op) {
    case SN_TERM:
        if (!neg)
            idlist_push(out, nd->a);
        break;
    case SN_NEAR:
        if (!neg) {
            idlist_push(out, nd->a);
            idlist_push(out, nd->b);
        }
        break;
    case SN_NOT:
        scheme_collect_pos(sc, nd->a, !neg, out);
        break;
    default:
        for (int32_t i = 0; i < nd->b; i++)
            scheme_collect_pos(sc, sc->kids[nd->a + i], neg, out);
    }
}

/* Every term id of the tree (for the postings), negated or not. */
static void scheme_collect_all(const struct scheme *sc, int32_t node, struct idlist *out)
{
    const struct snode *nd = &sc->nodes[node];
    if (nd->op == SN_TERM || nd->op == SN_NEAR) {
        idlist_push(out, nd->a);
        if (nd->op == SN_NEAR)
            idlist_push(out, nd->b);
    } else if (nd->op == SN_NOT) {
        scheme_collect_all(sc, nd->a, out);
    } else {
        for (int32_t i = 0; i < nd->b; i++)
            scheme_collect_all(sc, sc->kids[nd->a + i], out);
    }
}

static int cmp_i32(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

static size_t sort_unique(int32_t *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_i32);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k - 1])
            v[k++] = v[i];
    return k;
}

/* ---- the engine --------------------------------------------------------------- */

static struct scheme_engine *scheme_engine_alloc(size_t n_schemes)
{
    struct scheme_engine *se = xcalloc(1, sizeof *se);
    se->n_schemes = n_schemes;
    se->schemes = xcalloc(n_schemes ? n_schemes : 1, sizeof *se->schemes);
    for (size_t i = 0; i < n_schemes; i++)
        se->schemes[i].root = -1;
    return se;
}

/* After every scheme is compiled: the automaton, the postings (term ->
 * schemes), the schemes that can match without a hit, the scratch. */
static void scheme_engine_finish(struct scheme_engine *se)
{
    jy_free(&se->hash);
    se->hash_cap = 0;
    size_t nt = se->n_terms, ns = se->n_schemes;
    se->ac = ac_new();
    for (size_t t = 0; t < nt; t++)
        ac_add(se->ac, se->terms[t], strlen(se->terms[t]), (int32_t)t);
    ac_build(se->ac);

    se->term_gen = xcalloc(nt ? nt : 1, sizeof *se->term_gen);
    se->term_fields = xcalloc(nt ? nt : 1, 1);
    se->term_head = xmalloc((nt ? nt : 1) * sizeof *se->term_head);
    se->term_tail = xmalloc((nt ? nt : 1) * sizeof *se->term_tail);
    se->n_cand_words = (ns + 63) / 64;
    se->cands = xcalloc(se->n_cand_words ? se->n_cand_words : 1, sizeof *se->cands);
    se->always = xmalloc((ns ? ns : 1) * sizeof *se->always);
    se->hits = xmalloc((nt ? nt : 1) * sizeof *se->hits);
    se->mask = xcalloc(ns ? ns : 1, 1);

    /* Postings in CSR form: count, then fill. */
    struct idlist *all = xcalloc(ns ? ns : 1, sizeof *all);
    se->post_at = xcalloc(nt + 1, sizeof *se->post_at);
    se->gen = 1; /* nothing has occurred in generation 1 */
    for (size_t s = 0; s < ns; s++) {
        struct scheme *sc = &se->schemes[s];
        if (!sc->active)
            continue;
        scheme_collect_all(sc, sc->root, &all[s]);
        all[s].n = sort_unique(all[s].v, all[s].n);
        for (size_t k = 0; k < all[s].n; k++)
            se->post_at[all[s].v[k] + 1]++;
        struct idlist pos = {0};
        scheme_collect_pos(sc, sc->root, false, &pos);
        sc->n_pos_terms = sort_unique(pos.v, pos.n);
        sc->pos_terms = pos.v;
        sc->always = scheme_eval(se, sc, sc->root, 3, NULL, NULL);
        if (sc->always)
            se->always[se->n_always++] = (int32_t)s;
        scheme_expr_groups(sc);
        if (sc->n_tb > 1) { /* merge a term given in two groups */
            qsort(sc->tb, sc->n_tb, sizeof *sc->tb, tb_cmp);
            size_t k = 0;
            for (size_t i = 0; i < sc->n_tb; i++) {
                if (k && sc->tb[k - 1].term == sc->tb[i].term)
                    sc->tb[k - 1].bits |= sc->tb[i].bits;
                else
                    sc->tb[k++] = sc->tb[i];
            }
            sc->n_tb = k;
        }
    }
    for (size_t t = 0; t < nt; t++)
        se->post_at[t + 1] += se->post_at[t];
    se->post = xmalloc((se->post_at[nt] ? se->post_at[nt] : 1) * sizeof *se->post);
    se->post_bits = xmalloc(se->post_at[nt] ? se->post_at[nt] : 1);
    uint32_t *fill = xmalloc((nt ? nt : 1) * sizeof *fill);
    memcpy(fill, se->post_at, nt * sizeof *fill);
    for (size_t s = 0; s < ns; s++) {
        const struct scheme *sc = &se->schemes[s];
        for (size_t k = 0; k < all[s].n; k++) {
            int32_t t = all[s].v[k];
            se->post_bits[fill[t]] = sc->grouped ? scheme_term_bits(sc, t) : 0;
            se->post[fill[t]++] = (int32_t)s;
        }
        free(all[s].v);
    }
    free(fill);
    free(all);
}

/* col: 1-based, in characters of the expression. */
static int scheme_config_error(struct jy_error *err, const struct config *cfg,
                               const struct scheme_config *c, size_t i, int col, const char *msg)
{
    const char *path = cfg->path ? cfg->path : "config";
    if (c->expr_lines == EXPR_FOLDED)
        return jy_error_set(err, JY_ECONFIG,
                            "%s:%d: analysis.schemes[%zu].expr (character %d of it): %s", path,
                            c->expr_line, i, col, msg);
    /* a literal block keeps its lines, each indented like the first */
    int line = c->expr_line, at = 1;
    const char *s = c->expr;
    for (int k = 1; k < col && *s; k++) {
        uint32_t cp;
        size_t n = utf8_decode(s, strlen(s), &cp);
        s += n;
        if (cp == '\n') {
            line++;
            at = 1;
        } else {
            at++;
        }
    }
    return jy_error_set(err, JY_ECONFIG, "%s:%d:%d: analysis.schemes[%zu].expr: %s", path, line,
                        c->expr_column + at - 1, i, msg);
}

/* The schemes of cfg parsed into se's terms and trees (what can be wrong
 * with them is found here); se freed on an error. */
static int scheme_engine_parse(struct scheme_engine *se, struct normalizer *nz,
                               const struct config *cfg, struct jy_error *err);

int scheme_engine_new(struct normalizer *nz, const struct config *cfg, struct scheme_engine **out,
                      struct jy_error *err)
{
    *out = NULL;
    struct scheme_engine *se = scheme_engine_alloc(cfg->analysis.n_schemes);
    int rc = scheme_engine_parse(se, nz, cfg, err);
    if (rc)
        return rc;
    scheme_engine_finish(se);
    *out = se;
    return 0;
}

int scheme_engine_check(const struct config *cfg, struct jy_error *err)
{
    struct scheme_engine *se = scheme_engine_alloc(cfg->analysis.n_schemes);
    int rc = scheme_engine_parse(se, NULL, cfg, err);
    if (!rc) /* the automaton and the postings are not needed to know */
        scheme_engine_free(se);
    return rc;
}

static int scheme_engine_parse(struct scheme_engine *se, struct normalizer *nz,
                               const struct config *cfg, struct jy_error *err)
{
    const struct analysis_config *an = &cfg->analysis;
    for (size_t i = 0; i < an->n_schemes; i++) {
        const struct scheme_config *c = &an->schemes[i];
        struct scheme *sc = &se->schemes[i];
        sc->name = xstrdup(c->name ? c->name : "");
        sc->title_only = c->title_only;
        for (size_t m = 0; m < c->n_media; m++)
            sc->media |= 1u << c->media[m];
        if (!c->enabled)
            continue;
        if (c->expr) {
            int col = 0;
            char msg[256];
            if (scheme_parse(se, nz, sc, c->expr, &col, msg, sizeof msg) < 0) {
                scheme_engine_free(se);
                return scheme_config_error(err, cfg, c, i, col, msg);
            }
        } else {
            const char *group = NULL;
            size_t j = 0;
            if (scheme_groups(se, nz, sc, c, &group, &j) < 0) {
                scheme_engine_free(se);
                return jy_error_set(err, JY_ECONFIG,
                                    "%s:%d:%d: analysis.schemes[%zu].%s[%zu]: term is empty "
                                    "after normalisation",
                                    cfg->path ? cfg->path : "config", c->line, c->column, i, group,
                                    j);
            }
        }
        sc->active = sc->root >= 0;
    }
    return 0;
}

void scheme_engine_free(struct scheme_engine *se)
{
    if (!se)
        return;
    for (size_t i = 0; i < se->n_schemes; i++) {
        struct scheme *sc = &se->schemes[i];
        free(sc->name);
        free(sc->nodes);
        free(sc->kids);
        free(sc->pos_terms);
        free(sc->tb);
    }
    free(se->schemes);
    for (size_t t = 0; t < se->n_terms; t++)
        free(se->terms[t]);
    free(se->terms);
    free(se->hash);
    ac_free(se->ac);
    free(se->post_at);
    free(se->post);
    free(se->post_bits);
    free(se->hits);
    free(se->mask);
    free(se->always);
    free(se->term_gen);
    free(se->term_fields);
    free(se->term_head);
    free(se->term_tail);
    free(se->pick);
    free(se->occ);
    free(se->cands);
    free(se);
}

size_t scheme_engine_count(const struct scheme_engine *se)
{
    return se ? se->n_schemes : 0;
}

const char *scheme_engine_name(const struct scheme_engine *se, int i)
{
    if (!se || i < 0 || (size_t)i >= se->n_schemes)
        return NULL;
    return se->schemes[i].name;
}

static bool scheme_on_hit(void *ctx, int32_t term, size_t start, size_t end, size_t cstart,
                          size_t cend)
{
    struct scheme_engine *se = ctx;
    uint8_t field = se->scanning_title ? 1 : 2;
    if (se->term_gen[term] != se->gen) {
        se->term_gen[term] = se->gen;
        se->term_fields[term] = 0;
        se->term_head[term] = se->term_tail[term] = -1;
        se->hits[se->n_hits++] = term;
        /* A scheme containing this term may now match. */
        for (uint32_t k = se->post_at[term]; k < se->post_at[term + 1]; k++) {
            int32_t s = se->post[k];
            se->cands[s >> 6] |= UINT64_C(1) << (s & 63);
        }
    }
    se->term_fields[term] |= field;
    if (se->n_occ >= MAX_OCC)
        return true;
    if (se->n_occ == se->cap_occ) {
        se->cap_occ = se->cap_occ ? se->cap_occ * 2 : 64;
        se->occ = xrealloc(se->occ, se->cap_occ * sizeof *se->occ);
    }
    int32_t o = (int32_t)se->n_occ++;
    se->occ[o] = (struct occ){
        term, -1, (uint32_t)start, (uint32_t)end, (uint32_t)cstart, (uint32_t)cend, field == 1};
    if (se->term_tail[term] >= 0)
        se->occ[se->term_tail[term]].next = o;
    else
        se->term_head[term] = o;
    se->term_tail[term] = o;
    return true;
}

/* What scheme_engine_match hands back, grown as schemes match. */
struct match_out {
    int *schemes;
    size_t n_schemes;
    struct an_term *terms;
    size_t n_terms, cap_terms;
    bool want_terms;
};

static void scheme_match_one(struct scheme_engine *se, int32_t s, const char *title,
                             const char *text, enum media_level ml, struct match_out *mo)
{
    const struct scheme *sc = &se->schemes[s];
    uint8_t mask = se->mask[s];
    se->mask[s] = 0;
    if (sc->media && !(sc->media & (1u << ml)))
        return;
    unsigned fields = sc->title_only ? 1u : 3u;
    if (sc->grouped ? (mask & sc->need) != sc->need || (mask & EXCLUDE_BIT)
                    : !scheme_eval(se, sc, sc->root, fields, title, text))
        return;
    if (!mo->schemes)
        mo->schemes = xmalloc(se->n_schemes * sizeof *mo->schemes);
    mo->schemes[mo->n_schemes++] = s;
    if (!mo->want_terms)
        return;
    /* The occurrences of the scheme's own terms, walked from each term that
     * occurred (not every occurrence of every term: common words occur
     * often), at most TERM_OCC_MAX of each (enough to show; a text of one
     * word repeated would otherwise be copied once per matched scheme), then
     * put back in the order of the text. */
    size_t n = 0;
    for (size_t i = 0; i < sc->n_pos_terms; i++) {
        int32_t t = sc->pos_terms[i];
        if (se->term_gen[t] != se->gen)
            continue;
        int kept = 0;
        for (int32_t o = se->term_head[t]; o >= 0 && kept < TERM_OCC_MAX; o = se->occ[o].next) {
            if (!(fields & (se->occ[o].in_title ? 1u : 2u)))
                continue;
            kept++;
            if (n == se->cap_pick) {
                se->cap_pick = se->cap_pick ? se->cap_pick * 2 : 64;
                se->pick = xrealloc(se->pick, se->cap_pick * sizeof *se->pick);
            }
            se->pick[n++] = o;
        }
    }
    if (n > 1)
        qsort(se->pick, n, sizeof *se->pick, cmp_i32);
    for (size_t i = 0; i < n; i++) {
        const struct occ *oc = &se->occ[se->pick[i]];
        if (mo->n_terms == mo->cap_terms) {
            mo->cap_terms = mo->cap_terms ? mo->cap_terms * 2 : 8;
            mo->terms = xrealloc(mo->terms, mo->cap_terms * sizeof *mo->terms);
        }
        mo->terms[mo->n_terms++] =
            (struct an_term){s, se->terms[oc->term], oc->start, oc->end, oc->in_title};
    }
}

const struct ac *scheme_engine_ac(const struct scheme_engine *se)
{
    return se ? se->ac : NULL;
}

void scheme_engine_begin(struct scheme_engine *se)
{
    if (!se)
        return;
    if (++se->gen == 0) {
        /* The generation counter wrapped: forget every stamp once. */
        memset(se->term_gen, 0, (se->n_terms ? se->n_terms : 1) * sizeof *se->term_gen);
        se->gen = 2;
    }
    se->n_occ = 0;
    se->n_hits = 0;
}

void scheme_engine_field(struct scheme_engine *se, bool title)
{
    if (se)
        se->scanning_title = title;
}

bool scheme_engine_hit(void *ctx, int32_t term, size_t start, size_t end, size_t cstart,
                       size_t cend)
{
    return scheme_on_hit(ctx, term, start, end, cstart, cend);
}

void scheme_engine_match(struct scheme_engine *se, const char *title, const char *text,
                         enum media_level ml, int **schemes, size_t *n_schemes,
                         struct an_term **terms, size_t *n_terms)
{
    if (se) {
        scheme_engine_begin(se);
        if (title && *title) {
            se->scanning_title = true;
            ac_scan(se->ac, title, strlen(title), scheme_on_hit, se);
        }
        if (text && *text) {
            se->scanning_title = false;
            ac_scan(se->ac, text, strlen(text), scheme_on_hit, se);
        }
    }
    scheme_engine_decide(se, title, text, ml, schemes, n_schemes, terms, n_terms);
}

void scheme_engine_decide(struct scheme_engine *se, const char *title, const char *text,
                          enum media_level ml, int **schemes, size_t *n_schemes,
                          struct an_term **terms, size_t *n_terms)
{
    *schemes = NULL;
    *n_schemes = 0;
    if (terms) {
        *terms = NULL;
        *n_terms = 0;
    }
    if (!se)
        return;
    for (size_t k = 0; k < se->n_always; k++) {
        int32_t s = se->always[k];
        se->cands[s >> 6] |= UINT64_C(1) << (s & 63);
    }
    /* Grouped schemes learn which of their groups the item's terms fall in
     * (a title-only one counts title hits alone); scheme_match_one reads and
     * clears the masks. */
    for (size_t h = 0; h < se->n_hits; h++) {
        int32_t t = se->hits[h];
        for (uint32_t k = se->post_at[t]; k < se->post_at[t + 1]; k++) {
            uint8_t bits = se->post_bits[k];
            if (bits && (!se->schemes[se->post[k]].title_only || (se->term_fields[t] & 1)))
                se->mask[se->post[k]] |= bits;
        }
    }
    /* Candidates come out of the bit set in ascending order, and the set is
     * left empty for the next item. */
    struct match_out mo = {.want_terms = terms != NULL};
    for (size_t w = 0; w < se->n_cand_words; w++) {
        while (se->cands[w]) {
            int32_t s = (int32_t)(w * 64) + __builtin_ctzll(se->cands[w]);
            se->cands[w] &= se->cands[w] - 1;
            scheme_match_one(se, s, title, text, ml, &mo);
        }
    }
    *schemes = mo.schemes;
    *n_schemes = mo.n_schemes;
    if (terms) {
        *terms = mo.terms;
        *n_terms = mo.n_terms;
    }
}

/* ---- one expression on its own (jingyu scheme test) ------------------------------ */

struct scheme_set {
    struct scheme_engine *se;
};

int scheme_compile_expr(const char *expr, struct scheme_set **out, int *column,
                        struct jy_error *err)
{
    *out = NULL;
    if (column)
        *column = 0;
    /* Terms are normalised like the configuration's; without OpenCC's data
     * the fallback still lower-cases Latin letters. */
    struct normalizer *nz = NULL;
    if (normalizer_new(&nz, NULL) < 0)
        nz = NULL;
    struct scheme_engine *se = scheme_engine_alloc(1);
    struct scheme *sc = &se->schemes[0];
    sc->name = xstrdup("expr");
    int col = 0;
    char msg[256];
    int rc = scheme_parse(se, nz, sc, expr ? expr : "", &col, msg, sizeof msg);
    normalizer_free(nz);
    if (rc < 0) {
        scheme_engine_free(se);
        if (column)
            *column = col;
        return jy_error_set(err, JY_EINVAL, "column %d: %s", col, msg);
    }
    sc->active = true;
    scheme_engine_finish(se);
    *out = xmalloc(sizeof **out);
    (*out)->se = se;
    return 0;
}

bool scheme_set_match(struct scheme_set *ss, const char *title, const char *text,
                      struct an_term **terms, size_t *n_terms)
{
    int *schemes;
    size_t n;
    if (terms) {
        *terms = NULL;
        *n_terms = 0;
    }
    if (!ss)
        return false;
    scheme_engine_match(ss->se, title, text, MEDIA_UNKNOWN, &schemes, &n, terms, n_terms);
    free(schemes);
    return n > 0;
}

void scheme_set_free(struct scheme_set *ss)
{
    if (!ss)
        return;
    scheme_engine_free(ss->se);
    free(ss);
}
