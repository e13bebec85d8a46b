/*
 * ui_private: what the files of ui/ share with each other and with their
 * unit tests (tests/unit/ui). Nothing outside ui/ and its tests includes it.
 * The pieces are layered so that the pure ones can be tested without a
 * terminal or a database: the key table, the line editor and the formatting
 * helpers know nothing of curses; the list window knows the store's types
 * but fetches through callbacks; the drawing functions take models, not
 * connections.
 */
#ifndef JY_UI_PRIVATE_H
#define JY_UI_PRIVATE_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "store/store.h"
#include "util/util.h"

/* ---- keys (keymap.c) ----------------------------------------------------- */

/* A key as the loop sees it: a Unicode code point from get_wch(), or a
 * curses function key (KEY_UP, KEY_RESIZE, ...) marked with UI_KEY_FN so the
 * two ranges cannot collide (KEY_DOWN is also U+0102). */
#define UI_KEY_FN 0x01000000
#define UI_FN(k) ((k) | UI_KEY_FN)
#define UI_CTRL(c) ((c)&0x1f)
#define UI_KEY_ESC 27

/* Views decide which keys mean something; a table entry lists the views it
 * applies to. UI_VIEW_SEARCH is added to UI_VIEW_MAIN while a search is shown. */
enum {
    UI_VIEW_MAIN = 1 << 0,
    UI_VIEW_SEARCH = 1 << 1,
    UI_VIEW_PAGER = 1 << 2,
    UI_VIEW_HELP = 1 << 3,
    UI_VIEW_SOURCES = 1 << 4,
    UI_VIEW_EVENT = 1 << 5,
    UI_VIEW_INCIDENTS = 1 << 6, /* the incident list */
    UI_VIEW_INCIDENT = 1 << 7,  /* one incident */
    UI_VIEW_FORM = 1 << 8,
    UI_VIEW_KPI = 1 << 9,
    UI_VIEW_ROSTER = 1 << 10,
    UI_VIEW_DIRECTORY = 1 << 11,
    UI_VIEW_ALL = 0xeff /* every view but a form (where keys type) */
};

enum ui_action {
    UI_ACT_NONE,
    UI_ACT_DOWN,
    UI_ACT_UP,
    UI_ACT_PAGE_DOWN,
    UI_ACT_PAGE_UP,
    UI_ACT_TOP,
    UI_ACT_BOTTOM,
    UI_ACT_OPEN,
    UI_ACT_BACK,
    UI_ACT_QUIT,
    UI_ACT_NEXT_PANE,
    UI_ACT_SEARCH,
    UI_ACT_SEARCH_NEXT,
    UI_ACT_SEARCH_PREV,
    UI_ACT_REDRAW,
    UI_ACT_COMMAND,
    UI_ACT_HELP,
    UI_ACT_SOURCES,
    UI_ACT_ACK,          /* acknowledge the selected event's alerts */
    UI_ACT_LABEL_NEG,    /* the operator labels the item in the pager 负面 */
    UI_ACT_LABEL_NEU,    /* ... 中性 */
    UI_ACT_LABEL_POS,    /* ... 正面 */
    UI_ACT_INCIDENTS,    /* the incident list */
    UI_ACT_KPI,          /* the KPI view */
    UI_ACT_ROSTER,       /* the duty schedule (again: week <-> month) */
    UI_ACT_DIRECTORY,    /* the directories (again: the next list) */
    UI_ACT_HANDOVER,     /* write the handover note */
    UI_ACT_HANDOVER_ACK, /* acknowledge the handover note (incoming officer) */
    UI_ACT_INC_NEW,      /* an incident by hand (a phone tip, an internal report) */
    UI_ACT_INC_TASK,     /* a task for a department */
    UI_ACT_NEW_INCIDENT, /* open an incident for the selected event */
    UI_ACT_SILENCE,      /* silence the selected event (or end its silence) */
    /* in the incident view */
    UI_ACT_INC_EDIT,     /* the form of the incident's current step */
    UI_ACT_INC_HEADER,   /* title, category, level, officer, departments */
    UI_ACT_INC_RESPOND,  /* record a response */
    UI_ACT_INC_DRAFT,    /* write the statement */
    UI_ACT_INC_SUBMIT,   /* submit it for approval */
    UI_ACT_INC_APPROVE,  /* approve it (approver) */
    UI_ACT_INC_REJECT,   /* return it with a comment (approver) */
    UI_ACT_INC_PUBLISH,  /* record its publication */
    UI_ACT_INC_NEXT,     /* move to the next step (or reopen) */
    UI_ACT_INC_BACK,     /* back to verification: new facts */
    UI_ACT_INC_CLOSE,    /* the closure form */
    UI_ACT_INC_CORRECT,  /* the newest release corrected, with the reason */
    UI_ACT_INC_RETRACT,  /* ... retracted */
    UI_ACT_INC_FEEDBACK, /* a department's feedback on the oldest open task */
    /* in a form */
    UI_ACT_FORM_SAVE,
    UI_ACT_FORM_CANCEL
};

struct ui_key {
    int codes[4];     /* 0-terminated */
    const char *name; /* as shown in the hint line, on `?` and in man/jingyu.1 */
    const char *desc; /* Chinese description for the help screen */
    const char *hint; /* short label for the hint line, NULL: not in the hint line */
    enum ui_action action;
    unsigned views;
};

const struct ui_key *ui_keymap_table(size_t *n);
/* The action bound to key in view (a UI_VIEW_* mask), UI_ACT_NONE if none. */
enum ui_action ui_keymap_lookup(unsigned view, int key);
/* The hint line for view: "NAME hint" pairs in table order, as many whole
 * pairs as fit in cols display columns. A new string. */
char *ui_keymap_hint(unsigned view, int cols);
/* The same with the entries of the actions in first (in that order) ahead
 * of the rest: the incident view puts its next step's keys there. */
char *ui_keymap_hint_first(unsigned view, int cols, const enum ui_action *first, size_t n_first);
/* The help screen's lines for every entry ("NAME  description  (views)"). */
char **ui_keymap_help_lines(size_t *n);
const char *ui_view_names(unsigned views, char *buf, size_t n);

/* ---- line editor (lineedit.c) -------------------------------------------- */

#define UI_LINE_MAX 512

struct ui_lineedit {
    char buf[UI_LINE_MAX]; /* UTF-8, NUL-terminated */
    size_t len;
};

enum ui_le_result { UI_LE_CONTINUE, UI_LE_ACCEPT, UI_LE_CANCEL };

void ui_lineedit_clear(struct ui_lineedit *le);
/* Feeds one key: printable code points are appended, Backspace removes the
 * last whole character (with its combining marks), Ctrl-U clears, Esc
 * cancels, Enter accepts. */
enum ui_le_result ui_lineedit_key(struct ui_lineedit *le, int key);
/* The end of the text that fits in cols columns (the cursor sits after it). */
const char *ui_lineedit_tail(const struct ui_lineedit *le, int cols);

/* ---- forms (form.c) -------------------------------------------------------- */

enum ui_field_kind {
    UI_FIELD_LINE, /* one line of text */
    UI_FIELD_TEXT, /* several lines, wrapped by display width */
    UI_FIELD_CHOICE,
    UI_FIELD_TIME /* "2026-12-01 08:30" (jy_time_parse) */
};

struct ui_field {
    const char *key;   /* the store's field name (matches struct field_error) */
    const char *label; /* Chinese */
    enum ui_field_kind kind;
    struct jy_buf value; /* UTF-8, capped */
    size_t cursor;       /* byte offset into value, on a character boundary */
    const char *const *choices;
    size_t n_choices;
    char error[160]; /* shown beside the label until the field is edited */
    char *theirs;    /* after a conflict: the value someone else saved, when it differs */
    char *opened;    /* the value the form opened with (ui_form_mark_opened), NULL: not kept */
};

#define UI_FORM_MAX_FIELDS 8

struct ui_form {
    char title[160];
    int kind; /* enum inc_form, or UI_FORM_PUBLISH */
    int64_t incident_id, version, release_id;
    char draft_key[96];
    struct ui_field f[UI_FORM_MAX_FIELDS];
    size_t n, cur;
    int scroll;
    int wrap;      /* display columns a value is laid out in (set when drawn): Up/Down follow it */
    bool conflict; /* someone saved first: the next save is on top of their version */
};
#define UI_FORM_PUBLISH 100  /* the publication record (not a form of the incident row) */
#define UI_FORM_NEW 101      /* an incident by hand */
#define UI_FORM_HANDOVER 102 /* the handover note */

enum ui_form_result { UI_FORM_IGNORED, UI_FORM_MOVED, UI_FORM_CHANGED };

void ui_form_init(struct ui_form *fm, const char *title);
void ui_form_free(struct ui_form *fm);
struct ui_field *ui_form_add(struct ui_form *fm, const char *key, const char *label,
                             enum ui_field_kind kind, const char *initial);
struct ui_field *ui_form_field(struct ui_form *fm, const char *key);
const char *ui_form_get(const struct ui_form *fm, const char *key); /* "" when none */
/* Keeps each field's value as the form opened with it ... */
void ui_form_mark_opened(struct ui_form *fm);
/* ... so that a field the officer never changed is told apart: true when
 * its value differs from that one (or none was kept). */
bool ui_form_touched(const struct ui_field *f);
/* Sets a value (sanitised: one line unless multi-line; a choice not among
 * the choices becomes the first). */
void ui_form_set(struct ui_form *fm, const char *key, const char *value);
void ui_form_set_choices(struct ui_form *fm, const char *key, const char *const *choices, size_t n);
/* Puts each message beside its field and the cursor on the first of them. */
void ui_form_set_errors(struct ui_form *fm, const struct field_error *e, size_t n);
/* One key typed in the form. */
enum ui_form_result ui_form_key(struct ui_form *fm, int key);
/* Drafts: the form's identity and values as JSON, and back. */
char *ui_form_to_json(const struct ui_form *fm);
struct ui_form_draft {
    int kind;
    int64_t incident_id, version, release_id;
    size_t cur;
    struct json_t *fields;
};
int ui_form_draft_read(const char *json, struct ui_form_draft *d);
void ui_form_draft_apply(struct ui_form *fm, const struct ui_form_draft *d);
void ui_form_draft_free(struct ui_form_draft *d);

/* ---- formatting (format.c) ----------------------------------------------- */

/* "HH:MM" when t is on now's local day, else "MM-DD HH:MM"; "--:--" for 0. */
void ui_format_when(int64_t t, int64_t now, char *out, size_t n);
/* How long ago: "从未", "刚刚", "12秒前", "5分钟前", "3小时前", "2天前". */
void ui_format_age(int64_t t, int64_t now, char *out, size_t n);
/* The same, compact for the risk board's age column (at most 6 columns):
 * "刚刚" (under a minute), "5分钟", "3小时", "2天"; "-" for 0. */
void ui_format_age_short(int64_t t, int64_t now, char *out, size_t n);
/* An event's velocity (items in the last hour against the hourly mean of
 * the 12 before) as an arrow: "↑" at 2 or more (doubling), "↗" at 1.2 or
 * more, "↓" under 0.8, "→" in between (steady). */
const char *ui_velocity_arrow(double velocity);
/* A sparkline of n counts, one cell each: blank for 0, otherwise one of
 * ▁▂▃▄▅▆▇█ scaled to the largest count (which gets █; any count above 0
 * gets at least ▁). Writes at most out_n bytes (NUL-terminated). */
void ui_sparkline(const int *v, size_t n, char *out, size_t out_n);
/* Sentiment in Chinese: 负面 / 中性 / 正面 (-1, 0, 1), "—" otherwise. */
const char *ui_sentiment_label(int s);
/* The strings of a JSON array of terms or names: each element a string, an
 * object with a "term" (or "name") member, or an array whose first element
 * is a string ([term, count]). Empty strings and repeats are skipped. NULL
 * or bad JSON gives none. Free with ui_lines_free. */
char **ui_json_strings(const char *json, size_t *n);
/* "A、B、C" of those strings (at most max, then "…"); "" when none. A new string. */
char *ui_json_join(const char *json, size_t max);
/* Marks the bytes of s that belong to an occurrence of any of the terms
 * (ASCII letters compared case-insensitively, everything else byte for
 * byte; overlapping occurrences all marked). Returns a new array of
 * strlen(s) flags, or NULL when nothing matched. */
/* nz: NULL to find terms as written (ASCII case aside), or a normalizer to
 * find them as the analysis does (see normalize_fold). */
unsigned char *ui_mark_terms(const char *s, char *const *terms, size_t n_terms,
                             struct normalizer *nz);
const char *ui_source_state_label(enum source_state s);
/* Sanitised s truncated to cols display columns (with "…") and padded with
 * spaces to exactly cols columns. A new string. */
char *ui_cell(const char *s, int cols);
/* Wraps text (newlines kept as breaks) into lines of at most cols display
 * columns, breaking Latin words at spaces when it can. */
char **ui_wrap(const char *text, int cols, size_t *n);
void ui_lines_free(char **lines, size_t n);

/* One part of the header line, laid out by importance: when the line is too
 * narrow, the least important part is shortened (to brief), then dropped,
 * then the next, until the rest fits. rank 0 is never dropped. */
struct ui_header_part {
    const char *full, *brief; /* brief: NULL when there is no shorter form */
    int rank;                 /* importance: lower goes first */
    int shown;                /* set by ui_header_fit: 0 dropped, 1 brief, 2 full */
};
/* Chooses each part's form for cols columns with sep columns between the
 * parts shown; returns the line's width. */
int ui_header_fit(struct ui_header_part *p, size_t n, int cols, int sep);

enum ui_cmd_kind {
    UI_CMD_EMPTY,
    UI_CMD_UNKNOWN,
    UI_CMD_QUIT,
    UI_CMD_HELP,
    UI_CMD_SOURCE_LIST,
    UI_CMD_SOURCE_ENABLE,
    UI_CMD_SOURCE_DISABLE,
    UI_CMD_USAGE /* a known command with a missing argument; arg names it */
};
struct ui_command {
    enum ui_cmd_kind kind;
    char arg[UI_LINE_MAX];
};
/* Parses a `:` command line (without the colon). */
void ui_command_parse(const char *line, struct ui_command *cmd);

/* ---- list window (list.c) ------------------------------------------------ */

/* Where a list's rows come from: the feed (store_items_page/_tail) or a
 * search (store_search, which can only go older). */
struct ui_list_src {
    void *ctx;
    int (*page)(void *ctx, const struct store_cursor *from, bool older, size_t limit,
                struct store_item **out, size_t *n, struct jy_error *err);
    int (*tail)(void *ctx, size_t limit, struct store_item **out, size_t *n,
                struct jy_error *err); /* NULL: G goes to the last loaded row */
    void (*free_rows)(struct store_item *rows, size_t n);
    bool can_newer; /* page(..., older=false, ...) works */
};

/* A window of rows around what is visible: only these rows are ever
 * queried, a page or two at a time, never the whole table and never a
 * count. */
struct ui_list {
    struct ui_list_src src;
    struct store_item *rows;
    size_t n;
    size_t top, sel; /* indexes into rows: first visible and selected row */
    int height;      /* visible rows */
    bool at_newest;  /* rows[0] is the newest there is */
    bool at_oldest;  /* rows[n-1] is the oldest there is */
};

void ui_list_init(struct ui_list *l, const struct ui_list_src *src, int height);
void ui_list_free(struct ui_list *l);
/* Loads the newest rows and selects the first (g). */
int ui_list_home(struct ui_list *l, struct jy_error *err);
/* Loads the oldest rows and selects the last (G). */
int ui_list_end(struct ui_list *l, struct jy_error *err);
/* Moves the selection by delta rows; page: the view scrolls by delta too. */
int ui_list_move(struct ui_list *l, long delta, bool page, struct jy_error *err);
/* After the data changed: re-queries the rows around the view, keeping the
 * selection on the same item (or on the newest when it was there). */
int ui_list_refresh(struct ui_list *l, struct jy_error *err);
void ui_list_set_height(struct ui_list *l, int height);
const struct store_item *ui_list_selected(const struct ui_list *l);

/* ---- drawing (draw.c) ----------------------------------------------------- */

enum {
    UI_PAIR_ERROR = 1,
    UI_PAIR_WARN,
    UI_PAIR_OK,
    UI_PAIR_TITLE,
    UI_PAIR_LEVEL, /* UI_PAIR_LEVEL + level - 1 for levels I..IV */
    UI_PAIR_LEVEL_LAST = UI_PAIR_LEVEL + 3,
    UI_PAIR_MARK /* matched terms in the pager */
};

/* Sets up the level colours from level_color() on background bg (after
 * start_color). Orange is colour 208 on 256-colour terminals and bold
 * yellow elsewhere. */
void ui_colors_init_levels(short bg);
/* The attributes a risk level is drawn with: its colour (bold for I and II)
 * when colours are on, else bold for I and II. */
attr_t ui_level_attr(int level);
/* What must be seen: bold, and red when colours are on (overdue, gaps). */
attr_t ui_alarm_attr(void);

/* Draws s at (y, x) sanitised, cut to cols display columns with "…" and
 * padded to exactly cols columns. Returns the columns used. */
int ui_put(WINDOW *w, int y, int x, const char *s, int cols, attr_t attr);
/* A pane's title line: " title " then a horizontal rule to the width. */
void ui_draw_rule(WINDOW *w, int y, int x, int cols, const char *title, bool focused);

/* Feed row columns: time, source, title. */
#define UI_FEED_TIME_W 11
#define UI_FEED_SOURCE_W 12
void ui_draw_feed(WINDOW *w, int y, int x, int h, int cols, const struct ui_list *l, bool focused,
                  int64_t now);

/* The sources as last read, judged each second for the header. */
struct ui_health {
    struct store_source *sources;
    enum source_state *states;
    size_t n;
};

/* The risk board: events as store_events_board ranks them. */
struct ui_board {
    struct store_event *events;
    size_t n;
    size_t top, sel;
    int height; /* rows last drawn */
};
/* Board row columns (display columns, each followed by one space): level,
 * title (the rest), ×N items, sources, arrow, 24-hour sparkline, age,
 * acknowledged. The sparkline is left out below UI_BOARD_SPARK_MIN_COLS. */
#define UI_BOARD_LEVEL_W 3
#define UI_BOARD_COUNT_W 6
#define UI_BOARD_SOURCES_W 5
#define UI_BOARD_ARROW_W 1
#define UI_BOARD_SPARK_W 24
#define UI_BOARD_AGE_W 6
#define UI_BOARD_ACK_W 6
#define UI_BOARD_SPARK_MIN_COLS 80
void ui_draw_board(WINDOW *w, int y, int x, int h, int cols, const struct ui_board *b, bool focused,
                   int64_t now);

/* A scrollable block of text lines (pager, help, sources view). A line may
 * carry marks: one flag per byte, set where a matched term is drawn
 * highlighted. */
struct ui_text {
    char **lines;
    attr_t *attrs;
    unsigned char **marks; /* per line, NULL when nothing is marked */
    size_t n, cap;
    size_t top;
};
void ui_text_add(struct ui_text *t, const char *line, attr_t attr);
/* Adds text wrapped to cols. */
void ui_text_add_wrapped(struct ui_text *t, const char *text, int cols, attr_t attr);
/* Adds text wrapped to cols with every occurrence of the terms marked (an
 * occurrence split by a line break is marked on both lines). */
void ui_text_add_marked(struct ui_text *t, const char *text, int cols, attr_t attr,
                        struct normalizer *nz, char *const *terms, size_t n_terms);
void ui_text_clear(struct ui_text *t);
/* Draws the form; *cy, *cx get where the cursor belongs. */
void ui_draw_form(WINDOW *w, int y, int x, int h, int cols, struct ui_form *fm, int *cy, int *cx);
void ui_text_scroll(struct ui_text *t, long delta, int h);
void ui_draw_text(WINDOW *w, int y, int x, int h, int cols, const struct ui_text *t);

extern bool ui_use_color;

/* ---- layout (format.c) ----------------------------------------------------- */

/* Rows of the main screen: header, feed pane (rule + rows), second pane
 * (rule + rows), hint line, message line. *_h include the pane's rule. */
struct ui_layout {
    int header_y;
    int feed_y, feed_h;
    int side_y, side_h;
    int hint_y, msg_y;
};
void ui_layout_compute(int rows, size_t side_rows, struct ui_layout *lo);

/* ---- the application (app.c, panes.c, views.c) ----------------------------- */

enum ui_screen {
    UI_SCREEN_MAIN,
    UI_SCREEN_PAGER,
    UI_SCREEN_HELP,
    UI_SCREEN_SOURCES,
    UI_SCREEN_EVENT,
    UI_SCREEN_INCIDENTS,
    UI_SCREEN_INCIDENT,
    UI_SCREEN_FORM,
    UI_SCREEN_KPI,
    UI_SCREEN_ROSTER,
    UI_SCREEN_DIRECTORY
};
enum ui_prompt {
    UI_PROMPT_NONE,
    UI_PROMPT_SEARCH,
    UI_PROMPT_COMMAND,
    UI_PROMPT_QUIT,
    UI_PROMPT_REASON,        /* a line of text for app->pending (a reason, a comment) */
    UI_PROMPT_DISCARD,       /* leave the form and drop what was typed? (y/n) */
    UI_PROMPT_DRAFT,         /* a draft from an earlier session: restore it? (y/n/d) */
    UI_PROMPT_DRAFT_DISCARD, /* discard that draft for good? (y/n) */
    UI_PROMPT_FILTER         /* words that filter the directory list */
};

/* What a UI_PROMPT_REASON line is for. */
enum ui_pending {
    UI_PEND_NONE,
    UI_PEND_REJECT,
    UI_PEND_BACK,
    UI_PEND_REOPEN,
    UI_PEND_CORRECT,        /* the newest release corrected: the reason */
    UI_PEND_RETRACT,        /* ... retracted */
    UI_PEND_FEEDBACK,       /* a department's feedback on its task (app->pending_id) */
    UI_PEND_SILENCE_REASON, /* why event app->pending_id is silenced */
    UI_PEND_SILENCE_UNTIL,  /* ... and until when */
    UI_PEND_HANDOVER_FOR    /* a leader acknowledges note app->pending_id for its receiver */
};

/* ---- what a commit makes the console re-read (refresh.c) ------------------ */

enum {
    UI_RELOAD_FEED = 1 << 0,      /* the feed pane (and a search's results) */
    UI_RELOAD_HEALTH = 1 << 1,    /* the sources the header judges */
    UI_RELOAD_BOARD = 1 << 2,     /* the risk board */
    UI_RELOAD_ALERTS = 1 << 3,    /* the header's waiting alerts and escalations */
    UI_RELOAD_INCIDENTS = 1 << 4, /* open incidents (the header's overdue count) */
    UI_RELOAD_DUTY = 1 << 5,      /* the header's people on duty */
    UI_RELOAD_VIEW = 1 << 6,      /* the open view's text */
    UI_RELOAD_ALL = (1 << 7) - 1
};
/* The parts to re-read now, given the areas a commit changed (1 <<
 * STORE_AREA_*) and the screen shown. *deferred carries the hidden panes'
 * parts from one call to the next: the feed and the board are re-read when
 * the main screen shows again. */
unsigned ui_refresh_plan(unsigned areas, enum ui_screen screen, unsigned *deferred);

struct ui_app;

/* A pane of the main screen: the feed, and the risk board below it. */
struct ui_pane_ops {
    const char *name;
    /* The text of the pane's rule line. */
    void (*title)(struct ui_app *app, char *buf, size_t n);
    /* The data changed (or first load): re-query what is shown. */
    int (*reload)(struct ui_app *app, struct jy_error *err);
    void (*draw)(struct ui_app *app, WINDOW *w, int y, int x, int h, int cols, bool focused);
    /* Returns true when the pane handled the action. */
    bool (*key)(struct ui_app *app, enum ui_action act);
    /* The pane now has h rows for its content. */
    void (*resize)(struct ui_app *app, int h);
    /* How many content rows it would like (0: no preference). */
    size_t (*want_rows)(struct ui_app *app);
    /* Frees what the pane holds. */
    void (*destroy)(struct ui_app *app);
};

extern const struct ui_pane_ops ui_pane_feed;
extern const struct ui_pane_ops ui_pane_board;

/* Re-reads the sources the header judges each second (失联信源). */
int ui_health_reload(struct ui_app *app, struct jy_error *err);
void ui_health_free(struct ui_health *hl);

struct ui_app {
    const struct config *cfg;
    struct store *st;
    struct collector *coll;
    enum ui_screen screen;
    const struct ui_pane_ops *panes[2];
    size_t n_panes, focus;

    struct ui_list feed;
    struct ui_list search; /* valid while searching */
    bool searching;
    char query[UI_LINE_MAX];

    struct ui_health health; /* not a pane: the header's 失联信源 and the bell */
    struct ui_board board;

    struct ui_text text;    /* pager, help, sources or event view, whichever is open */
    struct store_item item; /* the item in the pager */
    bool have_item;
    struct normalizer *nz; /* for highlighting, made when first needed */
    bool nz_tried;
    int64_t event_id;       /* the event in the event view */
    int64_t event_alert_id; /* the newest alert of it that the view showed */
    int event_alert_level;  /* ... at the level it showed */

    int alerts;        /* events waiting for acknowledgement, not silenced (header) */
    int alert_sources; /* sources whose 信源失联 alert waits, not silenced */
    bool alerts_known; /* alerts has been read once */
    char silence_reason[UI_LINE_MAX]; /* UI_PEND_SILENCE_UNTIL: the reason typed first */
    char operator[64];                /* who acknowledges and labels: the login name */
    struct actor me;                  /* the person at the keyboard and what they may do */

    /* Open incidents, sorted for the list (overdue first), re-read with the
     * data; the header counts the overdue ones. */
    struct incident *incs;
    size_t n_incs, inc_sel;
    int overdue;
    int64_t incident_id;        /* the incident in the incident view */
    enum ui_action inc_keys[6]; /* its next step's keys, first in the hint line */
    size_t n_inc_keys;
    struct store_person *people; /* who is who, for names on screen (ui_person_label) */
    size_t n_people;
    int64_t people_version; /* data_version they were read at (0: not read) */
    struct ui_form form;    /* the form open on UI_SCREEN_FORM */
    enum ui_pending pending;
    int64_t pending_id; /* the release or task a pending line is for */
    char prompt_label[192];
    char *draft_offer;    /* UI_PROMPT_DRAFT: the draft's key */
    char duty_label[256]; /* the header's people on duty now ("" when nobody is scheduled) */
    int64_t duty_checked; /* when duty_label was last read */
    bool roster_month;    /* the roster view shows the month, not the week */
    int dir_kind;         /* the directory list shown (enum dir_kind) */
    char dir_filter[UI_LINE_MAX];      /* its filter words */
    char handover_filter[UI_LINE_MAX]; /* words the roster view's handover notes must hold */
    int64_t escalations; /* escalation steps to people taken so far (flash when it grows) */
    bool escalations_known;

    char msg[1024];
    bool msg_error;
    enum ui_prompt prompt;
    struct ui_lineedit le;

    int64_t data_version;
    struct store_marks marks; /* the change marks the screen was read at */
    unsigned deferred;        /* UI_RELOAD_* parts waiting for the main screen */
    int64_t full_refresh_at;  /* jy_mono_ms() of the last re-read of everything */
    int dark;
    bool audit_warn;          /* the audit chain's seal or an anchor is overdue or failing */
    int64_t audit_checked_ms; /* when that was last looked at (monotonic) */
    char collect_label[320];
    int rows, cols;
    bool quit;
};

/* Shows a message on the bottom line (printf-style). */
void ui_app_message(struct ui_app *app, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The list the feed pane shows: the search results while searching. */
struct ui_list *ui_app_list(struct ui_app *app);
int ui_app_search_start(struct ui_app *app, const char *query);
void ui_app_search_end(struct ui_app *app);
/* Acknowledges the event's waiting alerts up to the newest one the screen
 * showed (upto_alert) at the level it showed (seen_level): a level raised
 * since the last redraw stays waiting. Says how many (已确认 N 条预警). */
void ui_app_event_ack(struct ui_app *app, int64_t event_id, int64_t upto_alert, int seen_level);
/* `z`: asks for a reason and an end, then silences the event; an event
 * already silenced has its silence ended instead. */
void ui_app_silence(struct ui_app *app, int64_t event_id);
/* A line typed at a UI_PEND_SILENCE_* prompt. */
void ui_app_silence_prompt_done(struct ui_app *app, enum ui_pending what, const char *text);
/* The normalizer that highlighting folds text with, made on first use (it
 * opens OpenCC's dictionaries); NULL when that failed (terms are then found
 * as written). */
struct normalizer *ui_app_normalizer(struct ui_app *app);
/* Re-reads what the panes, the header and an open view show (after our own
 * writes, which do not move data_version). */
void ui_app_refresh(struct ui_app *app);

/* The people behind one login, or several joined by "、" ("zhang、li"), as
 * the screen names them: by name ("张三"), the login alone when nobody is
 * registered under it; "" for NULL. */
void ui_person_label(struct ui_app *app, const char *logins, char *buf, size_t n);
/* A release's status in Chinese (草稿, 待审批, 已批准, 已发布). */
const char *ui_release_status_label(const char *status);
/* An audit row's action in Chinese ("incident.advance.closed" -> 转入「办结」). */
void ui_audit_action_label(const char *action, char *buf, size_t n);

/* incidents.c: the incident list and view, and opening an incident. */
int ui_incidents_reload(struct ui_app *app, struct jy_error *err);
void ui_view_incidents_open(struct ui_app *app);
void ui_view_incident_open(struct ui_app *app, int64_t id);
void ui_incidents_build(struct ui_app *app);
void ui_incident_build(struct ui_app *app);
/* j/k/g/G/Enter in the list; true when handled. */
bool ui_incidents_key(struct ui_app *app, enum ui_action act);
/* roster.c: the duty view, the handover note, the header's people on duty. */
void ui_duty_update(struct ui_app *app);
void ui_view_roster_open(struct ui_app *app);
void ui_roster_build(struct ui_app *app);
void ui_handover_open(struct ui_app *app);
void ui_handover_save(struct ui_app *app);
void ui_handover_ack(struct ui_app *app);
/* A leader's answer (y) to acknowledging a note for its named receiver. */
void ui_handover_ack_for(struct ui_app *app, const char *answer);
void ui_view_directory_open(struct ui_app *app);
void ui_directory_build(struct ui_app *app);

/* The KPI view: this month so far. */
void ui_view_kpi_open(struct ui_app *app);
void ui_kpi_build(struct ui_app *app);
/* The incident view's keys (UI_ACT_INC_*). */
void ui_incident_action(struct ui_app *app, enum ui_action act);
/* A line typed at a UI_PROMPT_REASON prompt. */
void ui_incident_prompt_done(struct ui_app *app, const char *text);
/* The form: a key typed, save, leave (dropping the draft). */
void ui_form_screen_key(struct ui_app *app, int key);
void ui_form_save(struct ui_app *app);
void ui_form_leave(struct ui_app *app);
/* At start: offers back a draft kept from an earlier session. */
void ui_drafts_offer(struct ui_app *app);
/* The answer to the offer. */
enum ui_draft_answer {
    UI_DRAFT_RESTORE,
    UI_DRAFT_KEEP,        /* n or Esc: asked again at the next start */
    UI_DRAFT_DISCARD_ASK, /* d: asks to confirm */
    UI_DRAFT_DISCARD      /* confirmed */
};
void ui_drafts_answer(struct ui_app *app, enum ui_draft_answer answer);
/* `o`: opens an incident for the event (acknowledging its alerts). */
void ui_app_incident_from_event(struct ui_app *app, int64_t event_id);
/* False (with a message) when the person at the keyboard may not write. */
bool ui_app_may_write(struct ui_app *app);

/* views.c: the full-screen views. */
int ui_view_pager_open(struct ui_app *app, int64_t item_id);
void ui_view_help_open(struct ui_app *app);
int ui_view_sources_open(struct ui_app *app);
int ui_view_event_open(struct ui_app *app, int64_t event_id);
/* Stores the operator's sentiment label (-1, 0, 1) on the item in the pager. */
void ui_view_pager_label(struct ui_app *app, int label);
/* Rebuilds the open view's text for the current width (resize, new data). */
void ui_view_rebuild(struct ui_app *app);
void ui_view_close(struct ui_app *app);
void ui_view_draw(struct ui_app *app, WINDOW *w, int y, int h, int cols);
const char *ui_view_title(struct ui_app *app);

#endif
