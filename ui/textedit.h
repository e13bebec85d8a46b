/*
 * textedit.h: editing a form field's text at a cursor, without curses.
 *
 * The text is UTF-8 in a bounded jy_buf; the cursor is a byte offset that
 * always sits on a character boundary, and a combining mark travels with
 * the character it sits on. Lines are laid out by display width (a CJK
 * character takes two columns) the way the form draws them, so that the
 * cursor's row and column, and Up and Down, agree with what is on screen.
 * ui/form.c maps keys to these functions; tests/unit/ui drives them alone.
 */
#ifndef JY_UI_TEXTEDIT_H
#define JY_UI_TEXTEDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"

/* One display line of a laid-out text: bytes [start, end) of it. */
struct textedit_line {
    size_t start, end;
};

/* Inserts n bytes (whole characters) at *cur and moves the cursor past
 * them: 0, or JY_EINVAL when the buffer's cap would be passed (nothing is
 * inserted then: a character is never cut). */
int textedit_insert(struct jy_buf *b, size_t *cur, const char *s, size_t n);
/* Each returns whether it moved the cursor or changed the text. */
bool textedit_left(const struct jy_buf *b, size_t *cur);
bool textedit_right(const struct jy_buf *b, size_t *cur);
bool textedit_home(const struct jy_buf *b, size_t *cur); /* start of the line (^A) */
bool textedit_end(const struct jy_buf *b, size_t *cur);  /* end of the line (^E) */
bool textedit_backspace(struct jy_buf *b, size_t *cur);  /* the character before */
bool textedit_delete(struct jy_buf *b, size_t *cur);     /* the character under */
/* ^K: the rest of the line; at a line's end, the line break. */
bool textedit_kill_line(struct jy_buf *b, size_t *cur);
/* ^W: the word before the cursor and the spaces after it (a word ends at a
 * space or a punctuation mark, Chinese ones included). */
bool textedit_kill_word(struct jy_buf *b, size_t *cur);
/* The text's display lines for width cols: broken at each '\n' and where
 * the next character would pass cols. *n lines (at least one); the caller
 * frees the array. */
struct textedit_line *textedit_layout(const char *s, size_t len, int cols, size_t *n);
/* Row and display column of byte offset cur in that layout. A cursor at
 * the end of a full line stays on it. */
void textedit_locate(const char *s, size_t len, int cols, size_t cur, int *row, int *col);
/* Up (dir < 0) or Down (dir > 0) one display line, to the same display
 * column or the nearest character boundary left of it: false at the first
 * or last line (the form then moves to the previous or next field). */
bool textedit_vertical(const struct jy_buf *b, size_t *cur, int cols, int dir);

#endif
