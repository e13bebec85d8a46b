/* cmd-train.c: jingyu train FILE.jsonl: the sentiment model learnt from
 * labelled lines, stored in the database for every analyser to load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyze/analyze.h"
#include "cli/cli.h"
#include "store/store.h"

static const char *const emotion_negative[] = {"fear", "disgust", "sadness", "anger", NULL};
static const char *const emotion_positive[] = {"optimism", "gratitude", NULL};

static bool in_list(const char *s, const char *const *v)
{
    for (; *v; v++)
        if (strcmp(s, *v) == 0)
            return true;
    return false;
}

/* A label from {"label": ...} (negative/neutral/positive or 负面/中性/正面),
 * or, for the published emotion data set, {"emotion": ...}. */
static int example_label(json_t *o, enum sentiment *out)
{
    const char *l = json_string_value(json_object_get(o, "label"));
    if (l) {
        if (sentiment_parse(l, out) == 0)
            return 0;
        for (int s = -1; s <= 1; s++)
            if (strcmp(l, sentiment_label((enum sentiment)s)) == 0) {
                *out = (enum sentiment)s;
                return 0;
            }
        return JY_EINVAL;
    }
    const char *e = json_string_value(json_object_get(o, "emotion"));
    if (!e)
        return JY_EINVAL;
    *out = in_list(e, emotion_negative)   ? SENT_NEGATIVE
           : in_list(e, emotion_positive) ? SENT_POSITIVE
                                          : SENT_NEUTRAL;
    return 0;
}

int cmd_train(const struct config *cfg, int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--grading-labels") == 0)
            return cmd_train_grading(cfg, argc, argv);
    const char *file = NULL, *db = cfg->database;
    int holdout = 5;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            db = argv[++i];
        } else if (strcmp(argv[i], "--holdout") == 0 && i + 1 < argc) {
            holdout = atoi(argv[++i]);
            if (holdout < 0 || holdout == 1) {
                fprintf(stderr, "jingyu train: --holdout must be 0 or at least 2\n");
                return CMD_EXIT_USAGE;
            }
        } else if (!file && (argv[i][0] != '-' || !strcmp(argv[i], "-"))) {
            file = argv[i];
        } else {
            if (argv[i][0] == '-')
                fprintf(stderr, "jingyu train: unknown option %s\n", argv[i]);
            file = NULL;
            break;
        }
    }
    if (!file) {
        fprintf(stderr, "usage: jingyu train FILE.jsonl [--db FILE] [--holdout N]\n");
        return CMD_EXIT_USAGE;
    }
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    if (!f) {
        fprintf(stderr, "jingyu train: cannot open %s\n", file);
        return CMD_EXIT_RUNTIME;
    }
    struct jy_error err = {0};
    struct store *st = NULL;
    struct actor me;
    int arc = 0;
    if (store_open(db, &st, &err) != 0) {
        fprintf(stderr, "jingyu train: %s\n", err.msg);
        arc = CMD_EXIT_RUNTIME;
    } else {
        /* replacing the model is an admin's: refused before any work */
        arc = cmd_actor(cfg, st, "jingyu train", ROLE_ADMIN, &me);
    }
    if (arc) {
        store_close(st);
        if (f != stdin)
            fclose(f);
        return arc;
    }
    struct sentiment_example *ex = NULL;
    char **texts = NULL;
    size_t n = 0, cap = 0, bad = 0, lineno = 0, len;
    bool too_long;
    char *line;
    struct line_reader *lr = cli_line_reader_new(f);
    while ((line = cli_read_line(lr, &len, &too_long))) {
        lineno++;
        json_error_t je;
        json_t *o = too_long || len == 0 ? NULL : json_loadb(line, len, 0, &je);
        enum sentiment label;
        const char *text = json_string_value(json_object_get(o, "text"));
        if (!json_is_object(o) || !text || example_label(o, &label) != 0) {
            if (len > 0 && bad++ < 5)
                fprintf(stderr,
                        "jingyu train: %s:%zu: needs \"text\" and a \"label\" of "
                        "negative, neutral or positive; skipped\n",
                        file, lineno);
            json_decref(o);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            ex = xrealloc(ex, cap * sizeof *ex);
            texts = xrealloc(texts, cap * sizeof *texts);
        }
        texts[n] = xstrdup(text);
        ex[n].text = texts[n];
        ex[n].label = label;
        n++;
        json_decref(o);
    }
    cli_line_reader_free(lr);
    if (f != stdin)
        fclose(f);
    /* Operators' labels from the console are training data too. */
    char **lt = NULL;
    int *ll = NULL;
    size_t ln = 0;
    int rc = store_labels_examples(st, &lt, &ll, &ln, &err);
    for (size_t i = 0; rc == 0 && i < ln; i++) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            ex = xrealloc(ex, cap * sizeof *ex);
            texts = xrealloc(texts, cap * sizeof *texts);
        }
        texts[n] = lt[i];
        ex[n].text = texts[n];
        ex[n].label = (enum sentiment)ll[i];
        n++;
    }
    free(lt);
    free(ll);
    struct normalizer *nz = NULL;
    char *model = NULL;
    size_t model_len = 0;
    struct train_report rep = {0};
    if (rc == 0 && n < 3)
        rc = jy_error_set(&err, JY_EINVAL, "%zu labelled examples: too few to learn from", n);
    if (rc == 0)
        rc = normalizer_new(&nz, &err);
    if (rc == 0)
        rc = sentiment_train(nz, ex, n, holdout, &model, &model_len, &rep, &err);
    if (rc == 0) {
        char *info =
            xasprintf("{\"model\":\"logistic regression\",\"examples\":%zu,"
                      "\"console_labels\":%zu,\"holdout\":%d,\"c\":%g,"
                      "\"negative_threshold\":%g,"
                      "\"macro_f1\":%.4f,\"lexicon_macro_f1\":%.4f,"
                      "\"negative_f1\":%.4f,\"lexicon_negative_f1\":%.4f}",
                      rep.n_train + rep.n_test, ln, holdout, rep.c, rep.threshold, rep.macro_f1,
                      rep.lexicon_macro_f1, rep.negative_f1, rep.lexicon_negative_f1);
        rc = store_model_put(st, &me, "sentiment", model, model_len, info, jy_now(), &err);
        free(info);
    }
    if (rc == 0) {
        printf("trained on %zu examples (%zu from console labels), %zu held back\n", rep.n_train,
               ln, rep.n_test);
        if (rep.cv_f1 >= 0 && rep.threshold > 0)
            printf("logistic regression, C = %g and negative from P(negative) %.3f by 5-fold "
                   "cross-validation (macro-F1 negative vs rest %.3f)\n",
                   rep.c, rep.threshold, rep.cv_f1);
        else if (rep.cv_f1 >= 0)
            printf("logistic regression, C = %g by 5-fold cross-validation (macro-F1 negative "
                   "vs rest %.3f)\n",
                   rep.c, rep.cv_f1);
        else
            printf("logistic regression, C = %g (too few examples to cross-validate)\n", rep.c);
        if (rep.n_test) {
            printf("held-back macro-F1: model %.3f, lexicon %.3f; accuracy: model %.3f, lexicon "
                   "%.3f\n",
                   rep.macro_f1, rep.lexicon_macro_f1, rep.accuracy, rep.lexicon_accuracy);
            printf("held-back macro-F1 negative vs rest: model %.3f, lexicon %.3f\n",
                   rep.negative_f1, rep.lexicon_negative_f1);
        }
        printf("model stored in %s (%zu bytes); the collector uses it from its next start\n", db,
               model_len);
    } else {
        fprintf(stderr, "jingyu train: %s\n", err.msg);
    }
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    free(ex);
    free(model);
    normalizer_free(nz);
    store_close(st);
    return rc ? CMD_EXIT_RUNTIME : 0;
}
