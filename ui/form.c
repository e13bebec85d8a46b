/* form.c: the form widget behind every incident form.
 *
 * A form is a short list of fields: one-line text, multi-line text, a
 * choice among fixed values, or a time. Keys type into the focused field
 * (any code point the terminal's input method sends, through get_wch), Tab
 * and Shift-Tab move between fields, Enter ends a line field and breaks a
 * multi-line one, Left/Right (or Space) step through a choice. Multi-line
 * values wrap by display width. Each field can carry a validation message,
 * drawn beside its label, and, after a version conflict, the value someone
 * else saved, drawn under the operator's own. The model is plain data (the
 * unit tests drive it without a terminal); ui_draw_form draws it. Text is
 * edited at a cursor by display column (textedit.c): Left/Right, Home/End
 * (^A/^E), Delete, ^K, ^W, insertion anywhere, and Up/Down between the
 * lines of a multi-line field (past its first or last line they move to
 * the field before or after). A form serialises to JSON so that a draft
 * survives a dropped session. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "textedit.h"
#include "ui_private.h"

#define FIELD_MAX_BYTES 20000

void ui_form_init(struct ui_form *fm, const char *title)
{
    memset(fm, 0, sizeof *fm);
    snprintf(fm->title, sizeof fm->title, "%s", title);
}

void ui_form_free(struct ui_form *fm)
{
    for (size_t i = 0; i < fm->n; i++) {
        jy_buf_free(&fm->f[i].value);
        free(fm->f[i].theirs);
        free(fm->f[i].opened);
    }
    fm->n = 0;
}

void ui_form_mark_opened(struct ui_form *fm)
{
    for (size_t i = 0; i < fm->n; i++) {
        free(fm->f[i].opened);
        fm->f[i].opened = xstrdup(fm->f[i].value.data ? fm->f[i].value.data : "");
    }
}

bool ui_form_touched(const struct ui_field *f)
{
    const char *v = f->value.data ? f->value.data : "";
    return !f->opened || strcmp(f->opened, v) != 0;
}

struct ui_field *ui_form_add(struct ui_form *fm, const char *key, const char *label,
                             enum ui_field_kind kind, const char *initial)
{
    if (fm->n >= UI_FORM_MAX_FIELDS)
        abort(); /* a form is built by code: more fields is a programming error */
    struct ui_field *f = &fm->f[fm->n++];
    memset(f, 0, sizeof *f);
    f->key = key;
    f->label = label;
    f->kind = kind;
    jy_buf_init(&f->value, FIELD_MAX_BYTES);
    ui_form_set(fm, key, initial);
    return f;
}

struct ui_field *ui_form_field(struct ui_form *fm, const char *key)
{
    for (size_t i = 0; i < fm->n; i++) {
        if (!strcmp(fm->f[i].key, key))
            return &fm->f[i];
    }
    return NULL;
}

const char *ui_form_get(const struct ui_form *fm, const char *key)
{
    for (size_t i = 0; i < fm->n; i++) {
        if (!strcmp(fm->f[i].key, key))
            return fm->f[i].value.data ? fm->f[i].value.data : "";
    }
    return "";
}

void ui_form_set(struct ui_form *fm, const char *key, const char *value)
{
    struct ui_field *f = ui_form_field(fm, key);
    if (!f)
        return;
    jy_buf_reset(&f->value);
    jy_buf_puts(&f->value, "");
    if (value) {
        /* a one-line field keeps one line; control characters never enter */
        char *clean =
            utf8_sanitize(value, strlen(value), f->kind == UI_FIELD_TEXT ? UTF8_KEEP_NEWLINES : 0);
        size_t n = strlen(clean);
        if (n > FIELD_MAX_BYTES - 1)
            n = FIELD_MAX_BYTES - 1;
        while (n > 0 && ((unsigned char)clean[n] & 0xC0) == 0x80)
            n--; /* never cut a character */
        jy_buf_append(&f->value, clean, n);
        free(clean);
    }
    f->cursor = f->value.len; /* typing goes on after what is there */
    if (f->kind == UI_FIELD_CHOICE && f->n_choices) {
        bool known = false;
        for (size_t i = 0; i < f->n_choices && !known; i++)
            known = !strcmp(f->value.data, f->choices[i]);
        if (!known) {
            jy_buf_reset(&f->value);
            jy_buf_puts(&f->value, f->choices[0]);
        }
    }
}

void ui_form_set_choices(struct ui_form *fm, const char *key, const char *const *choices, size_t n)
{
    struct ui_field *f = ui_form_field(fm, key);
    if (!f)
        return;
    f->choices = choices;
    f->n_choices = n;
    char *cur = xstrdup(f->value.data ? f->value.data : "");
    ui_form_set(fm, key, cur);
    free(cur);
}

void ui_form_set_errors(struct ui_form *fm, const struct field_error *e, size_t n)
{
    for (size_t i = 0; i < fm->n; i++)
        fm->f[i].error[0] = '\0';
    bool moved = false;
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < fm->n; i++) {
            if (strcmp(fm->f[i].key, e[k].field))
                continue;
            if (!fm->f[i].error[0])
                snprintf(fm->f[i].error, sizeof fm->f[i].error, "%s", e[k].msg);
            if (!moved) { /* the cursor goes to the first field to fix */
                fm->cur = i;
                moved = true;
            }
        }
    }
}

static void step_choice(struct ui_field *f, int dir)
{
    if (!f->n_choices)
        return;
    size_t at = 0;
    while (at < f->n_choices && strcmp(f->value.data, f->choices[at]))
        at++;
    at = at == f->n_choices ? 0 : (at + f->n_choices + (size_t)(dir > 0 ? 1 : -1)) % f->n_choices;
    jy_buf_reset(&f->value);
    jy_buf_puts(&f->value, f->choices[at]);
    f->cursor = f->value.len;
}

/* The value laid out this wide when drawn (what Up and Down follow). */
static int form_wrap(const struct ui_form *fm)
{
    return fm->wrap > 0 ? fm->wrap : 76;
}

/* An editing key on a line or multi-line field: IGNORED when it is not
 * one, or did nothing. */
static enum ui_form_result edit_key(struct ui_form *fm, struct ui_field *f, int key)
{
    bool changed = false, moved = false;
    switch (key) {
    case UI_FN(KEY_LEFT):
        moved = textedit_left(&f->value, &f->cursor);
        break;
    case UI_FN(KEY_RIGHT):
        moved = textedit_right(&f->value, &f->cursor);
        break;
    case UI_FN(KEY_HOME):
    case UI_CTRL('A'):
        moved = textedit_home(&f->value, &f->cursor);
        break;
    case UI_FN(KEY_END):
    case UI_CTRL('E'):
        moved = textedit_end(&f->value, &f->cursor);
        break;
    case UI_FN(KEY_BACKSPACE):
    case 127:
    case 8:
        changed = textedit_backspace(&f->value, &f->cursor);
        break;
    case UI_FN(KEY_DC):
        changed = textedit_delete(&f->value, &f->cursor);
        break;
    case UI_CTRL('K'):
        changed = textedit_kill_line(&f->value, &f->cursor);
        break;
    case UI_CTRL('W'):
        changed = textedit_kill_word(&f->value, &f->cursor);
        break;
    case UI_FN(KEY_UP):
    case UI_FN(KEY_DOWN):
        if (f->kind != UI_FIELD_TEXT)
            return UI_FORM_IGNORED;
        moved =
            textedit_vertical(&f->value, &f->cursor, form_wrap(fm), key == UI_FN(KEY_UP) ? -1 : 1);
        break;
    default:
        return UI_FORM_IGNORED;
    }
    if (changed) {
        f->error[0] = '\0';
        return UI_FORM_CHANGED;
    }
    return moved ? UI_FORM_MOVED : UI_FORM_IGNORED;
}

enum ui_form_result ui_form_key(struct ui_form *fm, int key)
{
    if (fm->n == 0)
        return UI_FORM_IGNORED;
    struct ui_field *f = &fm->f[fm->cur];
    if (f->kind != UI_FIELD_CHOICE) {
        enum ui_form_result r = edit_key(fm, f, key);
        if (r != UI_FORM_IGNORED)
            return r;
    }
    switch (key) {
    case '\t':
        fm->cur = (fm->cur + 1) % fm->n;
        return UI_FORM_MOVED;
    case UI_FN(KEY_BTAB):
        fm->cur = (fm->cur + fm->n - 1) % fm->n;
        return UI_FORM_MOVED;
    case UI_FN(KEY_DOWN):
        fm->cur = fm->cur + 1 < fm->n ? fm->cur + 1 : fm->cur;
        return UI_FORM_MOVED;
    case UI_FN(KEY_UP):
        fm->cur = fm->cur ? fm->cur - 1 : 0;
        return UI_FORM_MOVED;
    case '\n':
    case '\r':
    case UI_FN(KEY_ENTER):
        if (f->kind == UI_FIELD_TEXT) {
            if (textedit_insert(&f->value, &f->cursor, "\n", 1))
                return UI_FORM_IGNORED;
            f->error[0] = '\0';
            return UI_FORM_CHANGED;
        }
        fm->cur = (fm->cur + 1) % fm->n;
        return UI_FORM_MOVED;
    case UI_FN(KEY_LEFT):
    case UI_FN(KEY_RIGHT):
    case ' ':
        if (f->kind == UI_FIELD_CHOICE) {
            step_choice(f, key == UI_FN(KEY_LEFT) ? -1 : 1);
            f->error[0] = '\0';
            return UI_FORM_CHANGED;
        }
        if (key != ' ')
            return UI_FORM_IGNORED;
        break;
    case UI_CTRL('U'):
        if (f->kind == UI_FIELD_CHOICE || f->value.len == 0)
            return UI_FORM_IGNORED;
        jy_buf_reset(&f->value);
        jy_buf_puts(&f->value, "");
        f->cursor = 0;
        f->error[0] = '\0';
        return UI_FORM_CHANGED;
    default:
        break;
    }
    if ((key & UI_KEY_FN) || f->kind == UI_FIELD_CHOICE)
        return UI_FORM_IGNORED;
    uint32_t cp = (uint32_t)key;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000) ||
        (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
        (cp >= 0x2066 && cp <= 0x2069))
        return UI_FORM_IGNORED; /* no control or direction-changing characters */
    char enc[4];
    size_t n = utf8_encode(cp, enc);
    if (textedit_insert(&f->value, &f->cursor, enc, n))
        return UI_FORM_IGNORED; /* full: ignore rather than cut */
    f->error[0] = '\0';
    return UI_FORM_CHANGED;
}

char *ui_form_to_json(const struct ui_form *fm)
{
    json_t *o = json_object();
    json_object_set_new(o, "form", json_integer(fm->kind));
    json_object_set_new(o, "incident", json_integer(fm->incident_id));
    json_object_set_new(o, "version", json_integer(fm->version));
    json_object_set_new(o, "release", json_integer(fm->release_id));
    json_object_set_new(o, "cur", json_integer((json_int_t)fm->cur));
    json_t *fields = json_object();
    for (size_t i = 0; i < fm->n; i++)
        json_object_set_new(fields, fm->f[i].key, json_string(fm->f[i].value.data));
    json_object_set_new(o, "fields", fields);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

int ui_form_draft_read(const char *json, struct ui_form_draft *d)
{
    memset(d, 0, sizeof *d);
    json_t *o = json ? json_loads(json, 0, NULL) : NULL;
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return JY_EPARSE;
    }
    d->kind = (enum inc_form)json_integer_value(json_object_get(o, "form"));
    d->incident_id = json_integer_value(json_object_get(o, "incident"));
    d->version = json_integer_value(json_object_get(o, "version"));
    d->release_id = json_integer_value(json_object_get(o, "release"));
    d->cur = (size_t)json_integer_value(json_object_get(o, "cur"));
    d->fields = json_incref(json_object_get(o, "fields"));
    json_decref(o);
    bool known = (d->kind >= FORM_HEADER && d->kind <= FORM_TASK) || d->kind == UI_FORM_PUBLISH ||
                 d->kind == UI_FORM_NEW || d->kind == UI_FORM_HANDOVER;
    if (!d->fields || !json_is_object(d->fields) || !known) {
        json_decref(d->fields);
        d->fields = NULL;
        return JY_EPARSE;
    }
    return 0;
}

void ui_form_draft_apply(struct ui_form *fm, const struct ui_form_draft *d)
{
    fm->version = d->version;
    fm->cur = d->cur < fm->n ? d->cur : 0; /* where the operator was typing */
    for (size_t i = 0; i < fm->n; i++) {
        json_t *v = json_object_get(d->fields, fm->f[i].key);
        if (json_is_string(v))
            ui_form_set(fm, fm->f[i].key, json_string_value(v));
    }
}

void ui_form_draft_free(struct ui_form_draft *d)
{
    json_decref(d->fields);
    d->fields = NULL;
}

/* ---- drawing ---------------------------------------------------------------- */

/* Lines of the form for width cols: the label line (label, required mark,
 * message), the value wrapped (or "‹ choice ›"), the other version when in
 * conflict. Writes where each field starts and where the cursor goes. */
static void form_lines(const struct ui_form *fm, int cols, struct ui_text *t, size_t *field_line,
                       int *cursor_line, int *cursor_x)
{
    attr_t red = A_BOLD | (ui_use_color ? COLOR_PAIR(UI_PAIR_ERROR) : 0);
    attr_t warn = ui_use_color ? COLOR_PAIR(UI_PAIR_WARN) : A_DIM;
    for (size_t i = 0; i < fm->n; i++) {
        const struct ui_field *f = &fm->f[i];
        bool cur = i == fm->cur;
        field_line[i] = t->n;
        ui_text_add(t, f->label, cur ? A_REVERSE | A_BOLD : A_BOLD);
        if (f->error[0]) {
            /* the message sits beside the label, on its line */
            char *line = xasprintf("%s  ⚠ %s", t->lines[t->n - 1], f->error);
            free(t->lines[t->n - 1]);
            t->lines[t->n - 1] = line;
            t->attrs[t->n - 1] = cur ? red | A_REVERSE : red;
        }
        int w = cols - 4 > 10 ? cols - 4 : 10;
        if (f->kind == UI_FIELD_CHOICE) {
            char *line = xasprintf("  ‹ %s ›%s", f->value.data, cur ? "   （←/→ 或空格选择）" : "");
            ui_text_add(t, line, 0);
            free(line);
            if (cur) {
                *cursor_line = (int)t->n - 1;
                *cursor_x = 4 + utf8_width(f->value.data);
            }
        } else {
            /* laid out as textedit lays it out, so the cursor and Up/Down agree */
            const char *v = f->value.data ? f->value.data : "";
            size_t n = 0;
            struct textedit_line *lines = textedit_layout(v, f->value.len, w, &n);
            size_t first = t->n;
            for (size_t k = 0; k < n; k++) {
                char *line =
                    xasprintf("  %.*s", (int)(lines[k].end - lines[k].start), v + lines[k].start);
                ui_text_add(t, line, 0);
                free(line);
            }
            free(lines);
            if (cur) {
                int row, col;
                textedit_locate(v, f->value.len, w, f->cursor, &row, &col);
                *cursor_line = (int)(first + (size_t)row);
                *cursor_x = 2 + col;
            }
        }
        if (f->theirs) {
            char *line = xasprintf("  已保存的版本：%s", f->theirs);
            ui_text_add_wrapped(t, line, cols - 2, warn);
            free(line);
        }
        ui_text_add(t, "", 0);
    }
}

void ui_draw_form(WINDOW *w, int y, int x, int h, int cols, struct ui_form *fm, int *cy, int *cx)
{
    struct ui_text t = {0};
    size_t field_line[UI_FORM_MAX_FIELDS];
    int cursor_line = 0, cursor_x = 0;
    fm->wrap = cols - 4 > 10 ? cols - 4 : 10; /* as form_lines lays values out */
    form_lines(fm, cols, &t, field_line, &cursor_line, &cursor_x);
    /* keep the focused field (its label and the cursor) on screen */
    int top = fm->scroll;
    int want_top = (int)field_line[fm->cur];
    if (want_top < top)
        top = want_top;
    if (cursor_line >= top + h)
        top = cursor_line - h + 1;
    if (top < 0)
        top = 0;
    fm->scroll = top;
    t.top = (size_t)top;
    ui_draw_text(w, y, x, h, cols, &t);
    *cy = y + cursor_line - top;
    *cx = x + cursor_x;
    ui_text_clear(&t);
}
