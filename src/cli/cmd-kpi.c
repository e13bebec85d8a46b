/* cmd-kpi.c: jingyu kpi, the plan's KPIs over a period. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "incident/incident.h"

/* ---- kpi --------------------------------------------------------------------------- */

static int kpi_main(struct cli *c, const struct opts *o)
{
    int rc = 0;
    const char *fs = cli_opt(o, "--from"), *ts = cli_opt(o, "--to");
    int64_t from, to;
    bool to_date;
    if (!fs || !ts || jy_time_parse(fs, &from, NULL) || jy_time_parse(ts, &to, &to_date)) {
        rc = cli_usage_error(c, "usage: kpi --from DATE --to DATE [--json] (DATE as 2026-12-01)");
        return rc;
    }
    if (to_date)
        to += 86400; /* --to names the last day counted */
    struct kpi k[KPI_N];
    struct jy_error err = {0};
    if ((rc = store_kpi(c->st, &c->cfg->incident, from, to, c->now, k, &err))) {
        rc = cli_fail(c, rc, &err);
        return rc;
    }
    struct jy_buf b;
    jy_buf_init(&b, 0);
    bool json = cli_flag(o, "--json");
    if (json) { /* one document: the period, then each KPI */
        jy_buf_puts(&b, "{");
        cli_json_str(&b, "from", fs, true);
        cli_json_str(&b, "to", ts, false);
        jy_buf_json_key(&b, "kpis", false);
        jy_buf_puts(&b, "[");
    }
    for (int i = 0; i < KPI_N; i++) {
        if (json) {
            jy_buf_puts(&b, i ? ",{" : "{");
            cli_json_str(&b, "kpi", k[i].key, true);
            cli_json_str(&b, "label", k[i].label, false);
            cli_json_str(&b, "definition", k[i].definition, false);
            jy_buf_json_key(&b, "numerator", false);
            jy_buf_json_num(&b, k[i].numerator, 2);
            jy_buf_json_key(&b, "denominator", false);
            jy_buf_json_num(&b, k[i].denominator, 2);
            jy_buf_json_key(&b, "value", false);
            if (k[i].defined)
                jy_buf_json_num(&b, k[i].value, 2);
            else
                jy_buf_puts(&b, "null");
            jy_buf_json_key(&b, "target", false);
            jy_buf_json_num(&b, k[i].target, 2);
            jy_buf_json_key(&b, "below_target", false);
            jy_buf_puts(&b, k[i].below ? "true" : "false");
            jy_buf_puts(&b, "}");
            continue;
        }
        char value[32];
        if (!k[i].defined)
            snprintf(value, sizeof value, "—");
        else if (k[i].kind == KPI_SATISFACTION)
            snprintf(value, sizeof value, "%.1f", k[i].value);
        else
            snprintf(value, sizeof value, "%.1f%%", k[i].value);
        printf("%s\t%s\t%g/%g\t目标 %g%s\t%s%s\n", k[i].label, value, k[i].numerator,
               k[i].denominator, k[i].target, k[i].kind == KPI_SATISFACTION ? "" : "%",
               k[i].below ? "低于目标\t" : "", k[i].definition);
    }
    if (json)
        printf("%s]}\n", b.data);
    jy_buf_free(&b);
    return rc;
}

static const struct verb_opts kpi_opts[] = {
    {"*", "--from --to --json"},
    {NULL, NULL},
};

int cmd_kpi(const struct config *cfg, int argc, char **argv)
{
    return cli_main(cfg, "jingyu kpi", argc, argv, kpi_opts, kpi_main);
}
