/*
 * ac.c: an Aho-Corasick automaton over code points, shared by schemes, the
 * sentiment lexicon and the risk vocabulary. One pass over a text reports
 * every occurrence of every pattern, so matching cost grows with the text and
 * the hits, not with the number of patterns.
 *
 * Why code points and not bytes: a byte automaton for 5,000 Chinese terms
 * has tens of thousands of states, and every step of a scan is a dependent
 * load from a table of megabytes, so a scan waits on memory three times per
 * Chinese character. Here each code point that occurs in some pattern gets a
 * small symbol number (a 64K-entry table for the BMP, a hash for the rest);
 * a character that occurs in no pattern sends the scan straight back to the
 * root without touching the automaton; the root's transitions are one array
 * indexed by symbol; deeper states have few edges, kept sorted in one flat
 * array, plus a failure link. Everything a scan touches is a few hundred KB.
 *
 * Outputs: each state lists the patterns that end exactly there (value and
 * length in code points), and a dictionary-suffix link to the nearest
 * shallower state on its failure chain that has outputs, so reporting costs
 * time per hit only. Hits are reported with byte offsets: the scan keeps the
 * byte offset of every code point of the text.
 *
 * Unions: every pattern added is kept, so that the analyzer can join the
 * three vocabularies into one automaton (ac_union) whose outputs name the
 * part they came from; one pass over a text then sends each part's hits to
 * its own consumer, where three passes used to decode and walk the text
 * three times.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_int.h"

#define BMP 0x10000

struct ac_out {
    int32_t value;
    uint16_t len;  /* code points */
    uint16_t part; /* which automaton of a union (ac_union) it came from */
};

/* Every pattern as added, kept so that automata can be joined later. */
struct ac_pat {
    uint32_t at, len; /* bytes in the pattern arena */
    int32_t value;
    uint16_t part;
};

/* Construction-time trie node. */
struct ac_tnode {
    int32_t first_child, next_sibling; /* -1: none */
    int32_t out_head;                  /* index into tout, -1: none */
    uint32_t sym;                      /* label of the edge into this node */
};

struct ac_tout {
    struct ac_out out;
    int32_t next;
};

/* Code points above the BMP: an open-addressing table cp -> symbol. */
struct ac_astral {
    uint32_t *cp, *sym; /* cp 0: empty */
    size_t cap, used;
};

struct ac {
    /* symbols */
    /* BMP code point -> symbol, 0: in no pattern or (past 65,535 symbols,
     * which no real vocabulary reaches) look in the hash. Two bytes an entry
     * keep the table where a scan's lookups stay in cache. */
    uint16_t *bmp_sym;
    bool big; /* some BMP symbols live in the hash */
    struct ac_astral astral;
    uint32_t n_syms; /* symbols are 1..n_syms */

    /* construction */
    struct ac_tnode *tn;
    size_t n_tn, cap_tn;
    struct ac_tout *tout;
    size_t n_tout, cap_tout;
    int32_t *root_kid; /* symbol -> trie node, -1: none (grows with n_syms) */
    size_t cap_root_kid;
    size_t n_patterns;
    struct ac_pat *pats; /* n_patterns of them */
    size_t cap_pats;
    struct jy_buf pat_text;
    bool built;

    /* the built automaton (states numbered breadth-first, 0 = root) */
    size_t n_states;
    int32_t *root_next; /* n_syms + 1: root's transition on each symbol (0: stay) */
    /* What a scan reads of a state at every character, in one place:
     * separate arrays cost a cache miss each. */
    struct ac_state {
        uint32_t edge_lo, edge_hi; /* its edges: edges[edge_lo..edge_hi), sorted by symbol */
        int32_t fail;
        int32_t report; /* itself when it has outputs, else its dictionary link; -1: none */
    } * st;
    struct ac_edge {
        uint32_t sym;
        int32_t to;
    } * edges;
    uint32_t *out_at; /* n_states + 1 */
    struct ac_out *outs;
    int32_t *dict; /* nearest proper suffix state with outputs, -1: none */
};

static inline uint32_t hash32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

static uint32_t astral_get(const struct ac_astral *t, uint32_t cp)
{
    if (!t->cap)
        return 0;
    for (size_t i = hash32(cp) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (t->cp[i] == cp)
            return t->sym[i];
        if (t->cp[i] == 0)
            return 0;
    }
}

static void astral_put(struct ac_astral *t, uint32_t cp, uint32_t sym)
{
    if ((t->used + 1) * 2 > t->cap) {
        struct ac_astral old = *t;
        t->cap = old.cap ? old.cap * 2 : 16;
        t->cp = xcalloc(t->cap, sizeof *t->cp);
        t->sym = xcalloc(t->cap, sizeof *t->sym);
        t->used = 0;
        for (size_t i = 0; i < old.cap; i++) {
            if (old.cp[i])
                astral_put(t, old.cp[i], old.sym[i]);
        }
        free(old.cp);
        free(old.sym);
    }
    size_t i = hash32(cp) & (t->cap - 1);
    while (t->cp[i] && t->cp[i] != cp)
        i = (i + 1) & (t->cap - 1);
    if (!t->cp[i])
        t->used++;
    t->cp[i] = cp;
    t->sym[i] = sym;
}

static inline uint32_t ac_sym(const struct ac *a, uint32_t cp)
{
    if (cp < BMP) {
        uint32_t s = a->bmp_sym[cp];
        return s || !a->big ? s : astral_get(&a->astral, cp);
    }
    return astral_get(&a->astral, cp);
}

/* The symbol of cp, allocated on first use (construction only). */
static uint32_t ac_sym_make(struct ac *a, uint32_t cp)
{
    uint32_t s = ac_sym(a, cp);
    if (s)
        return s;
    s = ++a->n_syms;
    if (cp < BMP && s <= UINT16_MAX) {
        a->bmp_sym[cp] = (uint16_t)s;
    } else {
        astral_put(&a->astral, cp, s);
        a->big |= cp < BMP;
    }
    if (s >= a->cap_root_kid) {
        size_t cap = a->cap_root_kid ? a->cap_root_kid * 2 : 1024;
        a->root_kid = xrealloc(a->root_kid, cap * sizeof *a->root_kid);
        for (size_t i = a->cap_root_kid; i < cap; i++)
            a->root_kid[i] = -1;
        a->cap_root_kid = cap;
    }
    return s;
}

struct ac *ac_new(void)
{
    struct ac *a = xcalloc(1, sizeof *a);
    a->bmp_sym = xcalloc(BMP, sizeof *a->bmp_sym);
    a->cap_tn = 64;
    a->tn = xmalloc(a->cap_tn * sizeof *a->tn);
    a->tn[0] = (struct ac_tnode){-1, -1, -1, 0};
    a->n_tn = 1;
    jy_buf_init(&a->pat_text, 0);
    return a;
}

static int32_t ac_tnode_new(struct ac *a, uint32_t sym)
{
    if (a->n_tn == a->cap_tn) {
        a->cap_tn *= 2;
        a->tn = xrealloc(a->tn, a->cap_tn * sizeof *a->tn);
    }
    a->tn[a->n_tn] = (struct ac_tnode){-1, -1, -1, sym};
    return (int32_t)a->n_tn++;
}

static void ac_add_part(struct ac *a, const char *pattern, size_t len, int32_t value, uint16_t part)
{
    if (a->built)
        abort(); /* broken invariant: patterns come before ac_build */
    if (len == 0 || len > UINT16_MAX)
        return; /* (no vocabulary holds a 64 KB term) */
    if (a->n_patterns == a->cap_pats) {
        a->cap_pats = a->cap_pats ? a->cap_pats * 2 : 64;
        a->pats = xrealloc(a->pats, a->cap_pats * sizeof *a->pats);
    }
    a->pats[a->n_patterns] = (struct ac_pat){(uint32_t)a->pat_text.len, (uint32_t)len, value, part};
    jy_buf_append(&a->pat_text, pattern, len);
    int32_t s = 0;
    uint32_t n = 0;
    for (size_t i = 0; i < len; n++) {
        uint32_t cp;
        i += utf8_decode(pattern + i, len - i, &cp);
        uint32_t sym = ac_sym_make(a, cp);
        int32_t c;
        if (s == 0) {
            c = a->root_kid[sym];
            if (c < 0) {
                c = ac_tnode_new(a, sym);
                a->root_kid[sym] = c;
            }
        } else {
            c = a->tn[s].first_child;
            while (c >= 0 && a->tn[c].sym != sym)
                c = a->tn[c].next_sibling;
            if (c < 0) {
                c = ac_tnode_new(a, sym);
                a->tn[c].next_sibling = a->tn[s].first_child;
                a->tn[s].first_child = c;
            }
        }
        s = c;
    }
    if (a->n_tout == a->cap_tout) {
        a->cap_tout = a->cap_tout ? a->cap_tout * 2 : 16;
        a->tout = xrealloc(a->tout, a->cap_tout * sizeof *a->tout);
    }
    /* Appended at the tail so that one pattern's values come out in the
     * order they were added. */
    struct ac_tout *o = &a->tout[a->n_tout];
    o->out = (struct ac_out){value, (uint16_t)n, part};
    o->next = -1;
    int32_t *link = &a->tn[s].out_head;
    while (*link >= 0)
        link = &a->tout[*link].next;
    *link = (int32_t)a->n_tout++;
    a->n_patterns++;
}

void ac_add(struct ac *a, const char *pattern, size_t len, int32_t value)
{
    ac_add_part(a, pattern, len, value, 0);
}

struct ac *ac_union(const struct ac *const *parts, size_t n)
{
    struct ac *u = ac_new();
    for (size_t p = 0; p < n; p++) {
        const struct ac *a = parts[p];
        for (size_t i = 0; a && i < a->n_patterns; i++)
            ac_add_part(u, a->pat_text.data + a->pats[i].at, a->pats[i].len, a->pats[i].value,
                        (uint16_t)p);
    }
    ac_build(u);
    return u;
}

size_t ac_count(const struct ac *a)
{
    return a ? a->n_patterns : 0;
}

/* s's edge on sym, or -1 (s built, not the root). */
static inline int32_t ac_edge(const struct ac *a, int32_t s, uint32_t sym)
{
    uint32_t lo = a->st[s].edge_lo, hi = a->st[s].edge_hi, end = hi;
    const struct ac_edge *e = a->edges;
    if (hi - lo <= 8) {
        for (uint32_t i = lo; i < hi; i++) {
            if (e[i].sym == sym)
                return e[i].to;
            if (e[i].sym > sym)
                break;
        }
        return -1;
    }
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (e[mid].sym < sym)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < end && e[lo].sym == sym ? e[lo].to : -1;
}

/* The goto-or-fail transition from s on sym (sym != 0). */
static inline int32_t ac_next(const struct ac *a, int32_t s, uint32_t sym)
{
    while (s != 0) {
        int32_t t = ac_edge(a, s, sym);
        if (t >= 0)
            return t;
        s = a->st[s].fail;
    }
    return a->root_next[sym];
}

static int ac_cmp_sym(const void *x, const void *y)
{
    const struct ac_tnode *const *a = x, *const *b = y;
    return (*a)->sym < (*b)->sym ? -1 : (*a)->sym > (*b)->sym;
}

void ac_build(struct ac *a)
{
    if (a->built)
        return;
    size_t n = a->n_tn;
    /* Breadth-first order: order[new] = old; children sorted by symbol. */
    int32_t *order = xmalloc(n * sizeof *order);
    size_t head = 0, tail = 0;
    order[tail++] = 0;
    struct ac_tnode **kids = NULL;
    size_t cap_kids = 0;
    a->st = xcalloc(n, sizeof *a->st);
    a->edges = xmalloc(n * sizeof *a->edges);
    uint32_t n_edges = 0;
    while (head < tail) {
        int32_t old = order[head];
        size_t k = 0;
        if (old == 0) {
            for (uint32_t sym = 1; sym <= a->n_syms; sym++) {
                if (a->root_kid[sym] < 0)
                    continue;
                if (k == cap_kids) {
                    cap_kids = cap_kids ? cap_kids * 2 : 64;
                    kids = xrealloc(kids, cap_kids * sizeof *kids);
                }
                kids[k++] = &a->tn[a->root_kid[sym]];
            }
        } else {
            for (int32_t c = a->tn[old].first_child; c >= 0; c = a->tn[c].next_sibling) {
                if (k == cap_kids) {
                    cap_kids = cap_kids ? cap_kids * 2 : 64;
                    kids = xrealloc(kids, cap_kids * sizeof *kids);
                }
                kids[k++] = &a->tn[c];
            }
            qsort(kids, k, sizeof *kids, ac_cmp_sym);
        }
        /* edges of new state `head`, targets numbered as they are queued */
        a->st[head].edge_lo = n_edges;
        for (size_t i = 0; i < k; i++) {
            int32_t c = (int32_t)(kids[i] - a->tn);
            a->edges[n_edges++] = (struct ac_edge){kids[i]->sym, (int32_t)tail};
            order[tail++] = c;
        }
        a->st[head].edge_hi = n_edges;
        head++;
    }
    free(kids);
    a->n_states = n;

    /* the root's transitions as one array */
    a->root_next = xcalloc(a->n_syms + 1, sizeof *a->root_next);
    for (uint32_t i = a->st[0].edge_lo; i < a->st[0].edge_hi; i++)
        a->root_next[a->edges[i].sym] = a->edges[i].to;

    /* outputs, in new numbering */
    a->out_at = xmalloc((n + 1) * sizeof *a->out_at);
    a->outs = xmalloc((a->n_tout ? a->n_tout : 1) * sizeof *a->outs);
    uint32_t n_outs = 0;
    for (size_t s = 0; s < n; s++) {
        a->out_at[s] = n_outs;
        for (int32_t o = a->tn[order[s]].out_head; o >= 0; o = a->tout[o].next)
            a->outs[n_outs++] = a->tout[o].out;
    }
    a->out_at[n] = n_outs;

    /* failure and dictionary links, breadth-first (parents before children) */
    a->dict = xmalloc(n * sizeof *a->dict);
    a->dict[0] = -1;
    a->st[0].report = -1;
    for (size_t s = 0; s < n; s++) {
        for (uint32_t i = a->st[s].edge_lo; i < a->st[s].edge_hi; i++) {
            int32_t t = a->edges[i].to;
            int32_t f = s == 0 ? 0 : ac_next(a, a->st[s].fail, a->edges[i].sym);
            a->st[t].fail = f;
            a->dict[t] = a->out_at[f] < a->out_at[f + 1] ? f : a->dict[f];
            a->st[t].report = a->out_at[t] < a->out_at[t + 1] ? t : a->dict[t];
        }
    }
    free(order);

    free(a->tn);
    a->tn = NULL;
    free(a->tout);
    a->tout = NULL;
    free(a->root_kid);
    a->root_kid = NULL;
    a->built = true;
}

/* A position where some pattern ends: the state whose outputs (and
 * dictionary chain) end there, the code points read and the byte offset. */
struct ac_pend {
    int32_t report;
    uint32_t k, end;
};
#define AC_PEND 64

/* Reports the pending positions' hits in order; false when a sink stopped
 * the scan. */
static bool ac_flush(const struct ac *a, const struct ac_pend *pend, size_t n, const uint32_t *offs,
                     const struct ac_sink *sinks)
{
    for (size_t p = 0; p < n; p++) {
        uint32_t k = pend[p].k;
        for (int32_t t = pend[p].report; t >= 0; t = a->dict[t]) {
            for (uint32_t o = a->out_at[t]; o < a->out_at[t + 1]; o++) {
                const struct ac_out *out = &a->outs[o];
                const struct ac_sink *sk = &sinks[out->part];
                if (sk->hit &&
                    !sk->hit(sk->ctx, out->value, offs[k - out->len], pend[p].end, k - out->len, k))
                    return false;
            }
        }
    }
    return true;
}

void ac_scan_parts(const struct ac *a, const char *text, size_t len, const struct ac_sink *sinks)
{
    if (!a || !a->built || a->n_patterns == 0 || !text)
        return;
    /* The scan walks the text without a branch on whether a position has
     * hits (about a third have, at random): it notes every position in
     * pend, counting only those with outputs, and reports them in batches.
     * offs keeps where each code point starts, for the hits' start offsets. */
    uint32_t small[1024], *offs = len < 1024 ? small : xmalloc((len + 1) * sizeof *offs);
    struct ac_pend pend[AC_PEND + 1];
    size_t np = 0;
    int32_t s = 0;
    uint32_t k = 0; /* code points read */
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        offs[k++] = (uint32_t)i;
        i += utf8_decode(text + i, len - i, &cp);
        uint32_t sym = ac_sym(a, cp);
        /* a character in no pattern (symbol 0) sends the scan to the root */
        s = ac_next(a, sym ? s : 0, sym);
        int32_t r = a->st[s].report;
        pend[np] = (struct ac_pend){r, k, (uint32_t)i};
        np += r >= 0;
        if (np == AC_PEND) {
            if (!ac_flush(a, pend, np, offs, sinks))
                goto out;
            np = 0;
        }
    }
    ac_flush(a, pend, np, offs, sinks);
out:
    if (offs != small)
        free(offs);
}

void ac_scan(const struct ac *a, const char *text, size_t len, ac_hit_fn hit, void *ctx)
{
    const struct ac_sink one = {hit, ctx};
    ac_scan_parts(a, text, len, &one);
}

void ac_free(struct ac *a)
{
    if (!a)
        return;
    free(a->bmp_sym);
    free(a->astral.cp);
    free(a->astral.sym);
    free(a->tn);
    free(a->tout);
    free(a->root_kid);
    free(a->root_next);
    free(a->st);
    free(a->edges);
    free(a->out_at);
    free(a->outs);
    free(a->dict);
    free(a->pats);
    jy_buf_free(&a->pat_text);
    free(a);
}
