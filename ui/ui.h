/*
 * ui: the ncurses console. Everything on the screen lives in ui/; it holds
 * no SQL (data comes through src/store) and is the only place that includes
 * curses. This header is the face the rest of jingyu sees: one entry point
 * that main.c calls for `jingyu [--config FILE] [--no-collect]
 * [--exit-after N]`.
 */
#ifndef JY_UI_H
#define JY_UI_H

#include <stdbool.h>

#include "config/config.h"
#include "util/util.h"

struct ui_options {
    bool collect;   /* start the collector thread (collector_start) unless false (--no-collect) */
    int exit_after; /* >0: quit by itself after this many refresh ticks (sanitizer smoke runs) */
    bool read_only; /* --read-only: the console writes nothing */
};

/* Opens its own store connection, starts the collector thread when asked,
 * runs the console until the user quits (or SIGTERM/SIGHUP/SIGINT arrives,
 * or exit_after ticks pass) and restores the terminal on every path.
 * Returns 0, or a negative JY_E* code with err filled (terminal restored). */
int ui_run(const struct config *cfg, const struct ui_options *opts, struct jy_error *err);

#endif
