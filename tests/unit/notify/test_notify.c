/* test_notify.c: the parts of notifications that need no network: the
 * 钉钉 and 飞书 signatures against values computed independently (Python's
 * hmac), the robots' payloads, backoff, when escalation steps are due, the
 * secrets file (refused when others can read it; values never echoed) and
 * ${NAME} expansion. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "notify/notify.h"

static void signatures(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(notify_dingtalk_sign("SEC123", 1700000000000LL, out, sizeof out), 0);
    assert_string_equal(out, "lkcPI1uoxBY1gUnCnnPH1Kkru0Hqjo7rFpA3haIVhEQ%3D");
    assert_int_equal(notify_feishu_sign("fs", 1700000000, out, sizeof out), 0);
    assert_string_equal(out, "KnO01LyLeUz2sHjT1ogyJOBrkgWI59ibq0SodIhTzOk=");
    assert_int_not_equal(notify_dingtalk_sign("SEC123", 1, out, 8), 0); /* too small: refused */
}

static void payloads(void **state)
{
    (void)state;
    char *p = notify_payload(NOTIFY_WECOM, "【预警】标题", "正文\"引号\"", 0, NULL);
    json_t *j = json_loads(p, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "msgtype")), "text");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "text"), "content")),
                        "【预警】标题\n正文\"引号\"");
    json_decref(j);
    free(p);
    p = notify_payload(NOTIFY_FEISHU, "s", "b", 1700000000, "SIG");
    j = json_loads(p, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "timestamp")), "1700000000");
    assert_string_equal(json_string_value(json_object_get(j, "sign")), "SIG");
    assert_string_equal(json_string_value(json_object_get(j, "msg_type")), "text");
    json_decref(j);
    free(p);
    p = notify_payload(NOTIFY_JSON, "s", "b", 42, NULL);
    j = json_loads(p, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "at")), 42);
    json_decref(j);
    free(p);
}

static void backoff_and_escalation(void **state)
{
    (void)state;
    assert_int_equal(notify_backoff(1), 30);
    assert_int_equal(notify_backoff(2), 60);
    assert_int_equal(notify_backoff(5), 480);
    assert_int_equal(notify_backoff(30), 3600);
    struct escalation_config ec = {.leader = {0, 5, 10, 30, 60}, .bureau = {0, 15, 30, 90, 180}};
    int64_t t = 1800000000;
    assert_int_equal(escalation_due(&ec, 2, t, t), 0);
    assert_int_equal(escalation_due(&ec, 2, t, t + 599), 0);
    assert_int_equal(escalation_due(&ec, 2, t, t + 600), 1);
    assert_int_equal(escalation_due(&ec, 2, t, t + 1800), 2);
    assert_int_equal(escalation_due(&ec, 0, t, t + 3600), 1); /* 信源失联: as IV */
}

static void secrets(void **state)
{
    (void)state;
    char path[] = "/tmp/jy-secrets-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "# keys\nwecom_key: abc123\nding: \"q u o t e d\"\n\n";
    assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    struct notify_secrets s;
    struct jy_error err = {0};
    chmod(path, 0644);
    assert_int_equal(notify_secrets_load(path, &s, &err), JY_EPERM);
    assert_non_null(strstr(err.msg, "0644"));
    assert_null(strstr(err.msg, "abc123"));
    chmod(path, 0600);
    assert_int_equal(notify_secrets_load(path, &s, &err), 0);
    assert_string_equal(notify_secret(&s, "wecom_key"), "abc123");
    assert_string_equal(notify_secret(&s, "ding"), "q u o t e d");
    assert_null(notify_secret(&s, "nope"));
    char *url;
    assert_int_equal(notify_expand("https://h/send?key=${wecom_key}&x=1", &s, &url, &err), 0);
    assert_string_equal(url, "https://h/send?key=abc123&x=1");
    free(url);
    assert_int_equal(notify_expand("https://h/${nope}", &s, &url, &err), JY_ECONFIG);
    assert_non_null(strstr(err.msg, "nope"));
    notify_secrets_free(&s);
    /* a malformed line is named by number, its text is not echoed */
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, "secretvalue-without-name\n", 25), 25);
    close(fd);
    assert_int_equal(notify_secrets_load(path, &s, &err), JY_ECONFIG);
    assert_non_null(strstr(err.msg, "line 1"));
    assert_null(strstr(err.msg, "secretvalue"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signatures),
        cmocka_unit_test(payloads),
        cmocka_unit_test(backoff_and_escalation),
        cmocka_unit_test(secrets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
