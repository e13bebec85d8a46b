/* cmd-train-grading.c: the officers' grading labels for whoever fits the risk
 * model's weights.
 *
 *   jingyu train --grading-labels [--db FILE]          JSON lines, one per label
 *   jingyu train --grading-labels --fit [--db FILE]    suggested analysis.risk.weights
 *
 * A label pairs the model's level and score for an incident's event with
 * the level the officer set in 研判, the reason, and the event's
 * explanation at that moment (each indicator's value 0..1 and weight). The
 * fit turns each officer's level into a target score (the middle of that
 * level's band under analysis.risk.levels) and finds the indicator weights,
 * adding up to 100 and none negative, whose score sum(weight * value) comes
 * closest to the targets, pulled towards the configured weights (a ridge of
 * 1 per weight, about four labels' worth) so that a handful of labels moves
 * them only a little. It prints the suggestion; it never writes
 * config.yaml. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyze/analyze.h"
#include "cli/cli.h"
#include "store/store.h"

#define N_IND 6
static const char *const indicators[N_IND] = {"content", "attitude",  "intensity",
                                              "media",   "evolution", "local"};
#define LABELS_MAX 100000
#define RIDGE 1.0

/* The configured weights scaled to 100, as the model uses them. */
static void current_weights(const struct risk_config *r, double w[N_IND])
{
    double v[N_IND] = {r->w_content, r->w_attitude,  r->w_intensity,
                       r->w_media,   r->w_evolution, r->w_local};
    double sum = 0;
    for (int i = 0; i < N_IND; i++)
        sum += v[i] > 0 ? v[i] : 0;
    if (sum <= 0) {
        const double def[N_IND] = {RISK_DEFAULT_WEIGHTS};
        memcpy(v, def, sizeof v);
        sum = 100;
    }
    for (int i = 0; i < N_IND; i++)
        w[i] = (v[i] > 0 ? v[i] : 0) * 100.0 / sum;
}

static void level_bounds(const struct risk_config *r, double lmin[4])
{
    memcpy(lmin, r->level_min, 4 * sizeof *lmin);
    if (lmin[0] <= 0 && lmin[1] <= 0 && lmin[2] <= 0 && lmin[3] <= 0) {
        const double def[4] = {RISK_DEFAULT_LEVELS};
        memcpy(lmin, def, 4 * sizeof *lmin);
    }
}

/* The middle of level's band (I: from its threshold to 100). */
static double level_target(const double lmin[4], int level)
{
    double lo = lmin[level - 1], hi = level == 1 ? 100 : lmin[level - 2];
    return (lo + hi) / 2;
}

static int level_of(const double lmin[4], double score)
{
    for (int l = 0; l < 4; l++)
        if (score + 1e-9 >= lmin[l])
            return l + 1;
    return 0;
}

/* Each indicator's value from an explanation; false when one is missing.
 * *capped: the explanation carries the model's level cap. */
static bool explanation_values(json_t *ex, double v[N_IND], bool *capped)
{
    bool seen[N_IND] = {false};
    *capped = false;
    size_t i;
    json_t *o;
    json_array_foreach(ex, i, o)
    {
        const char *name = json_string_value(json_object_get(o, "indicator"));
        if (!name)
            continue;
        if (!strcmp(name, "cap"))
            *capped = true;
        for (int k = 0; k < N_IND; k++) {
            if (!strcmp(name, indicators[k])) {
                v[k] = json_number_value(json_object_get(o, "value"));
                seen[k] = true;
            }
        }
    }
    for (int k = 0; k < N_IND; k++)
        if (!seen[k])
            return false;
    return true;
}

static void print_label(const struct store_grading_label *g, json_t *ex)
{
    json_t *o = json_object();
    json_object_set_new(o, "incident_id", json_integer(g->incident_id));
    json_object_set_new(o, "event_id", json_integer(g->event_id));
    json_object_set_new(o, "model_level", json_string(level_roman(g->model_level)));
    json_object_set_new(o, "model_score", json_real(round(g->model_score * 10) / 10));
    json_object_set_new(o, "officer_level", json_string(level_roman(g->officer_level)));
    json_object_set_new(o, "reason", json_string(g->reason ? g->reason : ""));
    json_object_set_new(o, "labelled_by", json_string(g->labelled_by ? g->labelled_by : ""));
    json_object_set_new(o, "labelled_at", json_integer(g->labelled_at));
    json_object_set(o, "explanation", ex ? ex : json_null());
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    if (line)
        printf("%s\n", line);
    free(line);
    json_decref(o);
}

static int fit(const struct config *cfg, const struct store_grading_label *g, size_t n)
{
    const struct risk_config *r = &cfg->analysis.risk;
    double w0[N_IND], w[N_IND], lmin[4];
    current_weights(r, w0);
    level_bounds(r, lmin);
    double *x = xcalloc(n ? n * N_IND : 1, sizeof *x), *y = xcalloc(n ? n : 1, sizeof *y);
    size_t m = 0, capped = 0, unreadable = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *ex = g[i].explanation ? json_loads(g[i].explanation, 0, NULL) : NULL;
        bool cap = false;
        if (json_is_array(ex) && explanation_values(ex, &x[m * N_IND], &cap)) {
            y[m++] = level_target(lmin, g[i].officer_level);
            capped += cap;
        } else {
            unreadable++;
        }
        json_decref(ex);
    }
    int rc = 0;
    if (n == 0) {
        fprintf(stderr, "jingyu train: no grading labels yet (an officer's 研判 level that "
                        "differs from the model's leaves one)\n");
        rc = CMD_EXIT_RUNTIME;
    } else if (m == 0) {
        fprintf(stderr, "jingyu train: no grading label with a readable explanation to fit\n");
        rc = CMD_EXIT_RUNTIME;
    } else if (jy_lsq_simplex(x, y, m, N_IND, w0, RIDGE, 100, w)) {
        fprintf(stderr, "jingyu train: the fit has no solution on these labels\n");
        rc = CMD_EXIT_RUNTIME;
    }
    if (rc == 0) {
        double err0 = 0, err1 = 0;
        size_t agree0 = 0, agree1 = 0;
        for (size_t i = 0; i < m; i++) {
            double s0 = 0, s1 = 0;
            for (int k = 0; k < N_IND; k++) {
                s0 += w0[k] * x[i * N_IND + k];
                s1 += w[k] * x[i * N_IND + k];
            }
            err0 += fabs(s0 - y[i]);
            err1 += fabs(s1 - y[i]);
            agree0 += level_of(lmin, s0) == level_of(lmin, y[i]);
            agree1 += level_of(lmin, s1) == level_of(lmin, y[i]);
        }
        printf("# %zu grading labels fitted (%zu without a readable explanation skipped)\n", m,
               unreadable);
        printf("# target: the middle of the officer's level band (levels I %g, II %g, III %g, "
               "IV %g)\n",
               lmin[0], lmin[1], lmin[2], lmin[3]);
        printf("# mean distance to target: configured weights %.1f, suggested %.1f points\n",
               err0 / (double)m, err1 / (double)m);
        printf("# officer's level matched (before the level cap): configured %zu/%zu, suggested "
               "%zu/%zu\n",
               agree0, m, agree1, m);
        if (capped)
            printf("# %zu of them were capped by analysis.risk.major_content: weights cannot "
                   "lift those above III\n",
                   capped);
        printf("# suggested analysis.risk.weights (not applied; review before editing "
               "config.yaml):\n");
        printf("weights: {");
        for (int k = 0; k < N_IND; k++)
            printf("%s%s: %.1f", k ? ", " : "", indicators[k], w[k]);
        printf("}\n");
    }
    free(x);
    free(y);
    return rc;
}

int cmd_train_grading(const struct config *cfg, int argc, char **argv)
{
    const char *db = cfg->database;
    bool do_fit = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--grading-labels"))
            continue;
        if (!strcmp(argv[i], "--fit")) {
            do_fit = true;
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else {
            fprintf(stderr,
                    "jingyu train: unknown option %s\n"
                    "usage: jingyu train --grading-labels [--fit] [--db FILE]\n",
                    argv[i]);
            return CMD_EXIT_USAGE;
        }
    }
    struct jy_error err = {0};
    struct store *st = NULL;
    if (store_open(db, &st, &err) != 0) {
        fprintf(stderr, "jingyu train: %s\n", err.msg);
        return CMD_EXIT_RUNTIME;
    }
    struct store_grading_label *g;
    size_t n;
    int rc = store_grading_labels_list(st, 0, LABELS_MAX, &g, &n, &err);
    store_close(st);
    if (rc) {
        fprintf(stderr, "jingyu train: %s\n", err.msg);
        return CMD_EXIT_RUNTIME;
    }
    if (do_fit) {
        rc = fit(cfg, g, n);
    } else {
        for (size_t i = 0; i < n; i++) {
            json_t *ex = g[i].explanation ? json_loads(g[i].explanation, 0, NULL) : NULL;
            print_label(&g[i], ex);
            json_decref(ex);
        }
    }
    store_grading_labels_free(g, n);
    return rc;
}
