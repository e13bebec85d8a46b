/* test_incident.c: the workflow's rules without a database. The state
 * machine as a table (every from/to pair, with the step done and not done,
 * and who may), role parsing, form validation, the deadline clocks and their
 * defaults from the config, sorting for the list, numbering of follow-up
 * reports, and the KPI arithmetic. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "incident/incident.h"

static struct config *cfg;

static int load_defaults(void **state)
{
    (void)state;
    char path[] = "/tmp/jy-incident-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    const char *yaml = "database: /tmp/unused.db\n";
    if (write(fd, yaml, strlen(yaml)) < 0)
        return -1;
    close(fd);
    struct jy_error err = {0};
    int rc = config_load(path, &cfg, &err);
    unlink(path);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    return rc;
}

static int free_defaults(void **state)
{
    (void)state;
    config_free(cfg);
    return 0;
}

static struct actor person(unsigned roles)
{
    struct actor a = {.roles = roles, .known = true};
    snprintf(a.login, sizeof a.login, "p%u", roles);
    snprintf(a.name, sizeof a.name, "p%u", roles);
    return a;
}

/* Facts with every step done (all = true) or none. */
static struct inc_facts facts(enum inc_state s, bool all)
{
    struct inc_facts f = {.state = s};
    if (all) {
        f.assessed = f.verified = f.release_approved = f.release_published = true;
        f.closure_filled = true;
        f.responses = 1;
    }
    return f;
}

/* The whole table: E = allowed forward, R = return (needs a reason), O =
 * reopen (needs a reason and a leader), . = never. */
static const char table[INC_N_STATES][INC_N_STATES + 1] = {
    /* to:        asmt resp veri appr rele foll clos */
    [INC_ASSESSMENT] = ".E.....", [INC_RESPONSE] = "..E....", [INC_VERIFICATION] = "...E...",
    [INC_APPROVAL] = "..R.E..",   [INC_RELEASED] = "..R..E.", [INC_FOLLOWUP] = "..RE..E",
    [INC_CLOSED] = ".....O.",
};

static void test_transition_table(void **state)
{
    (void)state;
    struct actor op = person(ROLE_OPERATOR), leader = person(ROLE_LEADER);
    for (int from = 0; from < INC_N_STATES; from++) {
        for (int to = 0; to < INC_N_STATES; to++) {
            char kind = table[from][to];
            struct inc_facts f = facts(from, true);
            struct jy_error err = {0};
            enum inc_move move = MOVE_FORWARD;
            int rc = incident_transition_check(&f, to, &leader, "理由", &move, &err);
            if (kind == '.') {
                if (rc != JY_ESTATE)
                    fail_msg("%s -> %s should be refused, got %d", inc_state_name(from),
                             inc_state_name(to), rc);
                assert_true(strlen(err.msg) > 0);
                continue;
            }
            if (rc != 0)
                fail_msg("%s -> %s refused: %s", inc_state_name(from), inc_state_name(to), err.msg);
            assert_int_equal(move, kind == 'E'   ? MOVE_FORWARD
                                   : kind == 'R' ? MOVE_RETURN
                                                 : MOVE_REOPEN);
            /* returns and reopening need a reason */
            rc = incident_transition_check(&f, to, &leader, "  ", NULL, &err);
            assert_int_equal(rc, kind == 'E' ? 0 : JY_ESTATE);
            /* an operator may do everything but reopen */
            rc = incident_transition_check(&f, to, &op, "理由", NULL, &err);
            assert_int_equal(rc, kind == 'O' ? JY_EPERM : 0);
        }
    }
}

static void test_transition_needs(void **state)
{
    (void)state;
    struct actor op = person(ROLE_OPERATOR);
    struct {
        enum inc_state from, to;
        const char *why;
    } cases[] = {
        {INC_ASSESSMENT, INC_RESPONSE, "研判未完成"},
        {INC_RESPONSE, INC_VERIFICATION, "尚无首次回应"},
        {INC_VERIFICATION, INC_APPROVAL, "核查未完成"},
        {INC_APPROVAL, INC_RELEASED, "未经审批"},
        {INC_FOLLOWUP, INC_CLOSED, "办结表未填写"},
        {INC_FOLLOWUP, INC_APPROVAL, "尚未发布"},
        {INC_ASSESSMENT, INC_VERIFICATION, "须先完成「响应」"},
        {INC_RESPONSE, INC_CLOSED, "须先完成「核查」"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct inc_facts f = facts(cases[i].from, false);
        struct jy_error err = {0};
        assert_int_equal(incident_transition_check(&f, cases[i].to, &op, NULL, NULL, &err),
                         JY_ESTATE);
        if (!strstr(err.msg, cases[i].why))
            fail_msg("%s -> %s: \"%s\" lacks \"%s\"", inc_state_name(cases[i].from),
                     inc_state_name(cases[i].to), err.msg, cases[i].why);
    }
}

static void test_rights(void **state)
{
    (void)state;
    struct inc_facts f = facts(INC_ASSESSMENT, true);
    struct jy_error err = {0};
    struct actor viewer = person(ROLE_VIEWER);
    assert_int_equal(incident_transition_check(&f, INC_RESPONSE, &viewer, NULL, NULL, &err),
                     JY_EPERM);
    struct actor unknown = person(ROLE_VIEWER);
    unknown.known = false;
    assert_int_equal(actor_check_write(&unknown, &err), JY_EPERM);
    assert_non_null(strstr(err.msg, "未登记"));
    struct actor ro = person(ROLE_ADMIN | ROLE_OPERATOR);
    ro.read_only = true;
    assert_int_equal(actor_check_write(&ro, &err), JY_EPERM);
    assert_non_null(strstr(err.msg, "只读"));
    assert_false(actor_has(&ro, ROLE_ADMIN));

    unsigned r;
    assert_int_equal(role_parse("operator, approver", &r, &err), 0);
    assert_int_equal(r, ROLE_OPERATOR | ROLE_APPROVER);
    char buf[128];
    role_format(r, buf, sizeof buf);
    assert_string_equal(buf, "operator,approver");
    role_format_zh(r, buf, sizeof buf);
    assert_string_equal(buf, "值班员、审批领导");
    assert_int_equal(role_parse("operator,boss", &r, &err), JY_EINVAL);
    assert_non_null(strstr(err.msg, "boss"));
    assert_int_equal(role_parse("", &r, &err), JY_EINVAL);
}

static void test_forms(void **state)
{
    (void)state;
    const struct incident_config *ic = &cfg->incident;
    int64_t now = 1800000000;
    struct field_error e[INC_MAX_FIELD_ERRORS];
    struct incident x = {
        .title = "网传民警打人", .category = "执法争议", .level = 2, .departments = "督察、治安"};
    assert_int_equal(incident_form_validate(FORM_HEADER, &x, ic, now, e), 0);
    x.category = "无此类";
    x.departments = "督察、厨房";
    assert_int_equal(incident_form_validate(FORM_HEADER, &x, ic, now, e), 2);
    assert_string_equal(e[0].field, "category");
    assert_string_equal(e[1].field, "departments");
    assert_non_null(strstr(e[1].msg, "厨房"));

    struct incident a = {
        .level = 1, .model_level = 3, .strategy = "先核实", .started_at = now - 600};
    assert_int_equal(incident_form_validate(FORM_ASSESSMENT, &a, ic, now, e), 1);
    assert_string_equal(e[0].field, "level_reason");
    a.level_reason = "视频扩散";
    a.reported_up = true;
    assert_int_equal(incident_form_validate(FORM_ASSESSMENT, &a, ic, now, e), 1);
    assert_string_equal(e[0].field, "reported_at");
    a.reported_at = now + 3600;
    assert_int_equal(incident_form_validate(FORM_ASSESSMENT, &a, ic, now, e), 1);
    assert_non_null(strstr(e[0].msg, "晚于现在"));
    a.reported_at = now - 300;
    assert_int_equal(incident_form_validate(FORM_ASSESSMENT, &a, ic, now, e), 0);

    struct incident v = {.facts = "   ", .legal_opinion = "合法"};
    assert_int_equal(incident_form_validate(FORM_VERIFICATION, &v, ic, now, e), 3);
    assert_string_equal(e[0].field, "facts");
    assert_string_equal(e[1].field, "legal_by");
    assert_string_equal(e[2].field, "verified_by");

    struct incident c = {.outcome = "已澄清", .effective = -1, .satisfaction = 101};
    assert_int_equal(incident_form_validate(FORM_CLOSURE, &c, ic, now, e), 3);
    assert_string_equal(e[0].field, "effective");
    assert_string_equal(e[1].field, "effective_why");
    assert_string_equal(e[2].field, "satisfaction");
}

static void test_blank(void **state)
{
    (void)state;
    assert_true(inc_blank(NULL));
    assert_true(inc_blank(""));
    assert_true(inc_blank(" \t\n"));
    assert_true(inc_blank("\xe3\x80\x80\xe3\x80\x80")); /* ideographic spaces */
    assert_true(inc_blank("\xc2\xa0"));                 /* no-break space */
    assert_false(inc_blank("\xe3\x80\x80已核实"));
    /* a strategy of ideographic spaces is no strategy */
    struct incident x = {.level = 3, .strategy = "\xe3\x80\x80"};
    struct inc_facts f = incident_facts(&x);
    assert_false(f.assessed);
}

static void test_numbers(void **state)
{
    (void)state;
    struct {
        int n;
        const char *zh;
    } cases[] = {{1, "一"},
                 {9, "九"},
                 {10, "十"},
                 {11, "十一"},
                 {20, "二十"},
                 {21, "二十一"},
                 {100, "一百"},
                 {105, "一百零五"},
                 {110, "一百一十"},
                 {1001, "一千零一"},
                 {2345, "二千三百四十五"}};
    char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        inc_zh_number(cases[i].n, buf, sizeof buf);
        assert_string_equal(buf, cases[i].zh);
    }
    inc_release_name(1, buf, sizeof buf);
    assert_string_equal(buf, "首次通报");
    inc_release_name(2, buf, sizeof buf);
    assert_string_equal(buf, "续报一");
    inc_release_name(12, buf, sizeof buf);
    assert_string_equal(buf, "续报十一");
}

static void test_clock_defaults(void **state)
{
    (void)state;
    const struct incident_config *ic = &cfg->incident;
    /* ack, report, holding, authoritative, briefing, response, result */
    int want[5][7] = {{0},
                      {5, 60, 240, 300, 1440, 0, 4320},
                      {10, 60, 240, 300, 1440, 0, 4320},
                      {30, 60, 0, 0, 0, 2880, 4320},
                      {60, 60, 0, 0, 0, 2880, 4320}};
    for (int l = 1; l <= 4; l++) {
        for (int k = 0; k < INC_N_CLOCKS; k++)
            assert_int_equal(ic->deadlines[l][k], want[l][k]);
    }
}

static void test_clocks(void **state)
{
    (void)state;
    const struct incident_config *ic = &cfg->incident;
    int64_t t0 = 1800000000;
    struct incident x = {.level = 2, .started_at = t0, .acked_at = t0 + 120};
    struct inc_clock c[INC_N_CLOCKS];
    /* 30 minutes in: ack met, report pending (due at 1 h) */
    size_t n = incident_clocks(&x, ic, t0 + 1800, c);
    assert_int_equal(n, 6);
    assert_int_equal(c[0].kind, CLOCK_ACK);
    assert_int_equal(c[0].status, CLOCK_MET);
    assert_int_equal(c[1].kind, CLOCK_REPORT);
    assert_int_equal(c[1].status, CLOCK_PENDING);
    assert_int_equal(c[1].due_at, t0 + 3600);
    const struct inc_clock *next = incident_next_clock(c, n);
    assert_int_equal(next->kind, CLOCK_REPORT);
    assert_true(incident_on_time(c, n));
    /* 2 hours in with no report: overdue, shown first, not on time */
    n = incident_clocks(&x, ic, t0 + 7200, c);
    next = incident_next_clock(c, n);
    assert_int_equal(next->kind, CLOCK_REPORT);
    assert_int_equal(next->status, CLOCK_OVERDUE);
    assert_false(incident_on_time(c, n));
    /* reported late, responded in time */
    x.reported_up = true;
    x.reported_at = t0 + 5400;
    x.first_response_at = t0 + 7000;
    n = incident_clocks(&x, ic, t0 + 7200, c);
    assert_int_equal(c[1].status, CLOCK_LATE);
    assert_int_equal(c[2].kind, CLOCK_HOLDING);
    assert_int_equal(c[2].status, CLOCK_MET);
    assert_false(incident_on_time(c, n));
    /* the acknowledgement is due from the alert, not from the first item */
    struct incident z = {
        .level = 2, .started_at = t0, .ack_from = t0 + 3600, .acked_at = t0 + 3900};
    n = incident_clocks(&z, ic, t0 + 4000, c);
    size_t ack = 0;
    while (ack < n && c[ack].kind != CLOCK_ACK)
        ack++;
    assert_true(ack < n);
    assert_int_equal(c[ack].due_at, t0 + 3600 + 600);
    assert_int_equal(c[ack].status, CLOCK_MET);
    /* a closed incident's clocks stop at its closing; closing meets result */
    struct incident y = {.level = 4,
                         .started_at = t0,
                         .acked_at = t0,
                         .state = INC_CLOSED,
                         .closed_at = t0 + 600,
                         .reported_up = true,
                         .reported_at = t0 + 60,
                         .first_response_at = t0 + 300};
    n = incident_clocks(&y, ic, t0 + 30 * 86400, c);
    assert_int_equal(n, 4);
    assert_true(incident_on_time(c, n));
    assert_null(incident_next_clock(c, n));
    /* level IV has no briefing clock; a 新闻发布会 counts only where it applies */
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(c[i].kind, CLOCK_BRIEFING);
}

static void test_sort(void **state)
{
    (void)state;
    const struct incident_config *ic = &cfg->incident;
    int64_t now = 1800000000;
    struct incident v[4] = {
        {.id = 1,
         .level = 4,
         .started_at = now - 600,
         .acked_at = now - 600}, /* report in 50 min */
        {.id = 2, .level = 4, .started_at = now - 7200, .acked_at = now - 7200}, /* overdue 1 h */
        {.id = 3,
         .level = 4,
         .state = INC_CLOSED,
         .closed_at = now - 60,
         .started_at = now - 900,
         .acked_at = now - 900},
        {.id = 4, .level = 2, .started_at = now - 14400, .acked_at = now - 14400}, /* overdue 3 h */
    };
    incidents_sort(v, 4, ic, now);
    assert_int_equal(v[0].id, 4);
    assert_int_equal(v[1].id, 2);
    assert_int_equal(v[2].id, 1);
    assert_int_equal(v[3].id, 3);
    char buf[32];
    inc_format_span(3 * 3600 + 5 * 60, buf, sizeof buf);
    assert_string_equal(buf, "3小时05分");
    inc_format_span(45 * 60, buf, sizeof buf);
    assert_string_equal(buf, "45分");
    inc_format_span(3 * 86400 + 4 * 3600, buf, sizeof buf);
    assert_string_equal(buf, "3天4小时");
}

static void test_kpi(void **state)
{
    (void)state;
    struct kpi k[KPI_N];
    kpi_init(k, &cfg->incident);
    assert_string_equal(k[KPI_ALERT_TIMELY].label, "预警及时率");
    assert_non_null(strstr(k[KPI_ALERT_TIMELY].definition, "I 15分"));
    assert_non_null(strstr(k[KPI_EFFECTIVE].definition, "7天"));
    double targets[KPI_N] = {95, 90, 85, 100, 90, 90};
    for (int i = 0; i < KPI_N; i++)
        assert_true(k[i].target == targets[i]);
    k[KPI_ALERT_TIMELY].numerator = 19;
    k[KPI_ALERT_TIMELY].denominator = 20;
    kpi_finish(&k[KPI_ALERT_TIMELY]);
    assert_true(k[KPI_ALERT_TIMELY].defined);
    assert_true(k[KPI_ALERT_TIMELY].value == 95.0);
    assert_false(k[KPI_ALERT_TIMELY].below);
    k[KPI_RELEASE_ACCURATE].numerator = 9;
    k[KPI_RELEASE_ACCURATE].denominator = 10;
    kpi_finish(&k[KPI_RELEASE_ACCURATE]);
    assert_true(k[KPI_RELEASE_ACCURATE].below);
    k[KPI_SATISFACTION].numerator = 270;
    k[KPI_SATISFACTION].denominator = 3;
    kpi_finish(&k[KPI_SATISFACTION]);
    assert_true(k[KPI_SATISFACTION].value == 90.0);
    assert_false(k[KPI_SATISFACTION].below);
    kpi_finish(&k[KPI_GUIDANCE]);
    assert_false(k[KPI_GUIDANCE].defined);
    assert_false(k[KPI_GUIDANCE].below);
}

/* An incident opened from an event takes the most severe category the risk
 * model names in its explanation (a 警情谣言 event was opened as 其他 and
 * drafted from the wrong template); the template follows the category. */
static void test_category_and_template(void **state)
{
    (void)state;
    const char *const cats[] = {"执法争议", "民警违纪", "警情谣言", "袭警", "重大案事件", "其他"};
    size_t n = sizeof cats / sizeof cats[0];
    const char *rumour = "[{\"indicator\":\"content\",\"label\":\"涉警内容\",\"value\":0.8,"
                         "\"detail\":\"涉及 警情谣言\"},{\"indicator\":\"media\"}]";
    assert_string_equal(incident_category_for_event(rumour, cats, n), "警情谣言");
    const char *two = "[{\"indicator\":\"content\",\"detail\":\"涉及 警情谣言、执法争议\"}]";
    assert_string_equal(incident_category_for_event(two, cats, n), "执法争议");
    /* a debunked rumour weighs a quarter: any other category goes first */
    const char *debunked =
        "[{\"indicator\":\"content\",\"detail\":\"涉及 警情谣言(已辟谣)、重大案事件\"}]";
    assert_string_equal(incident_category_for_event(debunked, cats, n), "重大案事件");
    const char *assault = "[{\"indicator\":\"content\",\"detail\":\"涉及 袭警/民警受伤\"}]";
    assert_string_equal(incident_category_for_event(assault, cats, n), "袭警");
    /* only the content indicator counts; nothing sensitive: the default */
    const char *none = "[{\"indicator\":\"content\",\"detail\":\"未涉及敏感类别\"},"
                       "{\"indicator\":\"media\",\"detail\":\"警情谣言\"}]";
    assert_string_equal(incident_category_for_event(none, cats, n), "其他");
    assert_string_equal(incident_category_for_event(NULL, cats, n), "其他");
    /* a category not configured is not invented */
    const char *const few[] = {"执法争议", "其他"};
    assert_string_equal(incident_category_for_event(rumour, few, 2), "其他");
    const char *const no_other[] = {"执法争议"};
    assert_string_equal(incident_category_default(no_other, 1), "执法争议");
    assert_string_equal(incident_template_file("警情谣言"), "jingqing.txt");
    assert_string_equal(incident_template_file("其他"), "qingkuang.txt");
    assert_string_equal(incident_template_file(NULL), "qingkuang.txt");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transition_table),
        cmocka_unit_test(test_transition_needs),
        cmocka_unit_test(test_rights),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_clock_defaults),
        cmocka_unit_test(test_clocks),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_kpi),
        cmocka_unit_test(test_blank),
        cmocka_unit_test(test_category_and_template),
    };
    return cmocka_run_group_tests(tests, load_defaults, free_defaults);
}
