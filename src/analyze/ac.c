/*
 * ac.c: an Aho-Corasick automaton over bytes, shared by schemes, the
 * sentiment lexicon and the risk vocabulary. One pass over a text reports
 * every occurrence of every pattern, so matching cost grows with the text and
 * the hits, not with the number of patterns.
 *
 * Building happens in two stages. ac_add grows a plain trie (root children in
 * a 256-entry table, other children in sibling lists). ac_build renumbers the
 * states breadth-first and lays them out compactly:
 *  - the first DENSE_MAX states (the root and the shallowest states, where
 *    almost every scan step lands) get a full 256-entry row with failure
 *    transitions resolved, so a step there is one load;
 *  - the other states keep only their own edges, sorted by byte, in one flat
 *    array, plus a failure link. A failure link always points to a shallower
 *    state, hence (breadth-first numbering) to a smaller number, so following
 *    failure links from a sparse state ends in a dense row.
 * For 5,000 Chinese terms (about 50,000 states) this is a few MB at most.
 *
 * Outputs: each state lists the patterns that end exactly there (value and
 * length), and a dictionary-suffix link to the nearest shallower state on its
 * failure chain that has outputs, so reporting costs time per hit only.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_int.h"

/* At most this many states get a full 256-entry row (4 MB of int32). */
#ifndef DENSE_MAX
#define DENSE_MAX 4096
#endif

struct ac_out {
    int32_t value;
    uint32_t len;
};

/* Construction-time trie node. */
struct ac_tnode {
    int32_t first_child, next_sibling; /* -1: none */
    int32_t out_head;                  /* index into tout, -1: none */
    uint8_t byte;                      /* label of the edge into this node */
};

struct ac_tout {
    struct ac_out out;
    int32_t next;
};

struct ac {
    /* construction */
    struct ac_tnode *tn;
    size_t n_tn, cap_tn;
    struct ac_tout *tout;
    size_t n_tout, cap_tout;
    int32_t root_child[256];
    size_t n_patterns;
    bool built;

    /* the built automaton (states numbered breadth-first, 0 = root) */
    size_t n_states, n_dense;
    int32_t *dense;     /* n_dense * 256 */
    int32_t *fail;      /* n_states */
    uint32_t *edge_at;  /* n_states + 1: edges of s are [edge_at[s], edge_at[s+1]) */
    uint8_t *edge_byte; /* sorted per state */
    int32_t *edge_to;
    uint32_t *out_at; /* n_states + 1 */
    struct ac_out *outs;
    int32_t *dict;   /* nearest suffix state with outputs, -1: none */
    int32_t *report; /* s itself when it has outputs, else dict[s]: one load a byte */
};

struct ac *ac_new(void)
{
    struct ac *a = xcalloc(1, sizeof *a);
    for (int c = 0; c < 256; c++)
        a->root_child[c] = -1;
    a->cap_tn = 64;
    a->tn = xmalloc(a->cap_tn * sizeof *a->tn);
    a->tn[0] = (struct ac_tnode){-1, -1, -1, 0};
    a->n_tn = 1;
    return a;
}

static int32_t ac_tnode_new(struct ac *a, uint8_t byte)
{
    if (a->n_tn == a->cap_tn) {
        a->cap_tn *= 2;
        a->tn = xrealloc(a->tn, a->cap_tn * sizeof *a->tn);
    }
    a->tn[a->n_tn] = (struct ac_tnode){-1, -1, -1, byte};
    return (int32_t)a->n_tn++;
}

void ac_add(struct ac *a, const char *pattern, size_t len, int32_t value)
{
    if (a->built)
        abort(); /* broken invariant: patterns come before ac_build */
    if (len == 0)
        return;
    const uint8_t *p = (const uint8_t *)pattern;
    int32_t s = a->root_child[p[0]];
    if (s < 0) {
        s = ac_tnode_new(a, p[0]);
        a->root_child[p[0]] = s;
    }
    for (size_t i = 1; i < len; i++) {
        int32_t c = a->tn[s].first_child;
        while (c >= 0 && a->tn[c].byte != p[i])
            c = a->tn[c].next_sibling;
        if (c < 0) {
            c = ac_tnode_new(a, p[i]);
            a->tn[c].next_sibling = a->tn[s].first_child;
            a->tn[s].first_child = c;
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
    o->out = (struct ac_out){value, (uint32_t)len};
    o->next = -1;
    int32_t *link = &a->tn[s].out_head;
    while (*link >= 0)
        link = &a->tout[*link].next;
    *link = (int32_t)a->n_tout++;
    a->n_patterns++;
}

size_t ac_count(const struct ac *a)
{
    return a ? a->n_patterns : 0;
}

static int ac_cmp_byte(const void *x, const void *y)
{
    const struct ac_tnode *const *a = x, *const *b = y;
    return (int)(*a)->byte - (int)(*b)->byte;
}

/* The goto-or-fail transition from s on byte c, for a built state s. */
/* Transitions (dense rows, edge targets) hold a target state t as ~t when t
 * has something to report, so the scan loop touches the output tables only at
 * those states; AC_ID recovers the number. */
#define AC_ID(t) ((t) ^ ((t) >> 31))

static inline int32_t ac_next(const struct ac *a, int32_t s, uint8_t c)
{
    while ((size_t)s >= a->n_dense) {
        uint32_t lo = a->edge_at[s], hi = a->edge_at[s + 1];
        /* Sparse states have few edges: a linear scan beats bisection. */
        for (uint32_t i = lo; i < hi; i++) {
            if (a->edge_byte[i] == c)
                return a->edge_to[i];
            if (a->edge_byte[i] > c)
                break;
        }
        s = a->fail[s];
    }
    return a->dense[(size_t)s * 256 + c];
}

void ac_build(struct ac *a)
{
    if (a->built)
        return;
    size_t n = a->n_tn;
    /* Breadth-first order: order[new] = old. */
    int32_t *order = xmalloc(n * sizeof *order);
    struct ac_tnode **kids = xmalloc(256 * sizeof *kids);
    size_t head = 0, tail = 0;
    order[tail++] = 0;
    a->edge_at = xmalloc((n + 1) * sizeof *a->edge_at);
    a->edge_byte = xmalloc(n ? n : 1);
    a->edge_to = xmalloc((n ? n : 1) * sizeof *a->edge_to);
    a->out_at = xmalloc((n + 1) * sizeof *a->out_at);
    a->outs = xmalloc((a->n_tout ? a->n_tout : 1) * sizeof *a->outs);
    uint32_t n_edges = 0, n_outs = 0;
    while (head < tail) {
        int32_t old = order[head];
        size_t s = head++;
        a->edge_at[s] = n_edges;
        a->out_at[s] = n_outs;
        for (int32_t o = a->tn[old].out_head; o >= 0; o = a->tout[o].next)
            a->outs[n_outs++] = a->tout[o].out;
        size_t nk = 0;
        if (old == 0) {
            for (int c = 0; c < 256; c++)
                if (a->root_child[c] >= 0)
                    kids[nk++] = &a->tn[a->root_child[c]];
        } else {
            for (int32_t c = a->tn[old].first_child; c >= 0; c = a->tn[c].next_sibling)
                kids[nk++] = &a->tn[c];
            qsort(kids, nk, sizeof *kids, ac_cmp_byte);
        }
        for (size_t k = 0; k < nk; k++) {
            int32_t child = (int32_t)(kids[k] - a->tn);
            order[tail++] = child;
            a->edge_byte[n_edges] = kids[k]->byte;
            a->edge_to[n_edges++] = (int32_t)(tail - 1);
        }
    }
    a->edge_at[n] = n_edges;
    a->out_at[n] = n_outs;
    a->n_states = n;
    a->n_dense = n < DENSE_MAX ? n : DENSE_MAX;
    a->dense = xmalloc(a->n_dense * 256 * sizeof *a->dense);
    a->fail = xmalloc(n * sizeof *a->fail);
    a->dict = xmalloc(n * sizeof *a->dict);
    a->fail[0] = 0;
    a->dict[0] = -1;
    a->report = xmalloc(n * sizeof *a->report);

    /* In breadth-first order a state's failure link is known before the
     * state is visited (its parent set it), and it points to a smaller
     * number, whose row is already complete. */
    for (size_t s = 0; s < n; s++) {
        a->report[s] = a->out_at[s + 1] > a->out_at[s] ? (int32_t)s : a->dict[s];
        if (s < a->n_dense) {
            int32_t *row = &a->dense[s * 256];
            if (s == 0) {
                for (int c = 0; c < 256; c++)
                    row[c] = 0;
            } else {
                memcpy(row, &a->dense[(size_t)a->fail[s] * 256], 256 * sizeof *row);
            }
            for (uint32_t e = a->edge_at[s]; e < a->edge_at[s + 1]; e++)
                row[a->edge_byte[e]] = a->edge_to[e];
        }
        for (uint32_t e = a->edge_at[s]; e < a->edge_at[s + 1]; e++) {
            int32_t v = a->edge_to[e];
            int32_t f = s == 0 ? 0 : ac_next(a, a->fail[s], a->edge_byte[e]); /* not flagged yet */
            a->fail[v] = f;
            a->dict[v] = a->out_at[f + 1] > a->out_at[f] ? f : a->dict[f];
        }
    }
    for (size_t i = 0; i < a->n_dense * 256; i++)
        if (a->report[a->dense[i]] >= 0)
            a->dense[i] = ~a->dense[i];
    for (uint32_t e = 0; e < n_edges; e++)
        if (a->report[a->edge_to[e]] >= 0)
            a->edge_to[e] = ~a->edge_to[e];
    free(order);
    free(kids);
    jy_free(&a->tn);
    jy_free(&a->tout);
    a->n_tn = a->cap_tn = a->n_tout = a->cap_tout = 0;
    a->built = true;
}

void ac_scan(const struct ac *a, const char *text, size_t len, ac_hit_fn hit, void *ctx)
{
    if (!a || !a->built || a->n_patterns == 0 || !text)
        return;
    const uint8_t *p = (const uint8_t *)text;
    int32_t s = 0;
    for (size_t i = 0; i < len; i++) {
        int32_t t = (size_t)s < a->n_dense ? a->dense[(size_t)s * 256 + p[i]] : ac_next(a, s, p[i]);
        s = AC_ID(t);
        if (t >= 0)
            continue;
        for (t = a->report[s]; t >= 0; t = a->dict[t]) {
            for (uint32_t o = a->out_at[t]; o < a->out_at[t + 1]; o++) {
                size_t end = i + 1;
                if (!hit(ctx, a->outs[o].value, end - a->outs[o].len, end))
                    return;
            }
        }
    }
}

void ac_free(struct ac *a)
{
    if (!a)
        return;
    free(a->tn);
    free(a->tout);
    free(a->dense);
    free(a->fail);
    free(a->edge_at);
    free(a->edge_byte);
    free(a->edge_to);
    free(a->out_at);
    free(a->outs);
    free(a->dict);
    free(a->report);
    free(a);
}
