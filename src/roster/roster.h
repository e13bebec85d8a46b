/*
 * roster: the duty schedule's rules, without storage or screen. It owns
 * calendar days in the configured zone (day numbers, "YYYY-MM-DD"), when a
 * shift begins and ends on a day, which shift covers a moment, who a
 * rotation puts on a post on a day, where a schedule has nobody in a
 * required post (gaps), and the text a handover note starts from. store
 * keeps the schedule and the notes; the console and the CLI show them.
 */
#ifndef JY_ROSTER_H
#define JY_ROSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "util/util.h"

/* Days are numbered from 1970-01-01 (day 0) in the configured zone. */
int64_t roster_day_of(const struct duty_config *dc, int64_t t);
/* "2026-12-01" -> day; JY_EINVAL for anything else (or an impossible date). */
int roster_day_parse(const char *s, int64_t *day);
void roster_day_format(int64_t day, char out[16]);
/* "12-02 08:30": t in the configured zone, whatever the process's TZ. */
void roster_time_format(const struct duty_config *dc, int64_t t, char *out, size_t size);
/* 0 Monday .. 6 Sunday. */
int roster_weekday(int64_t day);
/* The month's first day and its number of days, for the month holding day. */
void roster_month(int64_t day, int64_t *first, int *days);

/* When shift s of day begins and ends (epoch seconds). */
void roster_shift_window(const struct duty_config *dc, size_t s, int64_t day, int64_t *start,
                         int64_t *end);
/* The shift covering moment t: its index and day; false when none does. */
bool roster_shift_at(const struct duty_config *dc, int64_t t, size_t *shift, int64_t *day);

/* Who rotation r puts on its post on day (NULL before the rotation starts). */
const char *roster_rotation_person(const struct duty_rotation *r, int64_t day);

/* One assignment: a person on a post of a shift of a day. */
struct roster_slot {
    int64_t day;
    char *shift, *post, *login;
    char *name;   /* the person's name when known (filled by store) */
    char *source; /* "rotation", "override", "swap" */
};
void roster_slots_free(struct roster_slot *v, size_t n);

/* A required post with nobody in it. */
struct roster_gap {
    int64_t day;
    const char *shift, *post; /* point into the config */
};
/* The gaps among days [from, to] given the slots held (in any order).
 * Returns a new array (*n entries). */
struct roster_gap *roster_gaps(const struct duty_config *dc, const struct roster_slot *slots,
                               size_t n_slots, int64_t from, int64_t to, size_t *n);

#endif
