/* roster.c: days, shifts, rotations and gaps. A day is a calendar day in
 * the configured zone (a fixed offset taken when the configuration was
 * loaded: the bureau's zone, Asia/Shanghai, has no daylight saving). A
 * shift of a day starts at its start time on that day and may run into the
 * next (the usual 24-hour shift from 08:30). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roster.h"

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int64_t roster_day_of(const struct duty_config *dc, int64_t t)
{
    return floor_div(t + dc->utc_offset, 86400);
}

int roster_day_parse(const char *s, int64_t *day)
{
    return jy_day_parse(s, day);
}

void roster_day_format(int64_t day, char out[16])
{
    int y, m, d;
    jy_civil_from_days(day, &y, &m, &d);
    snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
}

void roster_time_format(const struct duty_config *dc, int64_t t, char *out, size_t size)
{
    int64_t local = t + dc->utc_offset;
    int64_t day = floor_div(local, 86400);
    int64_t sec = local - day * 86400;
    int y, m, d;
    jy_civil_from_days(day, &y, &m, &d);
    snprintf(out, size, "%02d-%02d %02d:%02d", m % 100, d % 100, (int)(sec / 3600),
             (int)(sec % 3600 / 60));
}

int roster_weekday(int64_t day)
{
    /* 1970-01-01 was a Thursday (3, counting Monday as 0) */
    return (int)((day % 7 + 7 + 3) % 7);
}

void roster_month(int64_t day, int64_t *first, int *days)
{
    int y, m, d;
    jy_civil_from_days(day, &y, &m, &d);
    *first = jy_days_from_civil(y, m, 1);
    int64_t next = m == 12 ? jy_days_from_civil(y + 1, 1, 1) : jy_days_from_civil(y, m + 1, 1);
    *days = (int)(next - *first);
}

void roster_shift_window(const struct duty_config *dc, size_t s, int64_t day, int64_t *start,
                         int64_t *end)
{
    const struct duty_shift *sh = &dc->shifts[s];
    *start = day * 86400 - dc->utc_offset + (int64_t)sh->start * 60;
    *end = *start + (int64_t)sh->hours * 3600;
}

bool roster_shift_at(const struct duty_config *dc, int64_t t, size_t *shift, int64_t *day)
{
    int64_t today = roster_day_of(dc, t);
    /* a shift of the day before (or two before, for 48-hour shifts) may
     * still be running; the latest-starting one that covers t wins */
    bool found = false;
    int64_t best = 0;
    for (int64_t d = today - 2; d <= today; d++) {
        for (size_t s = 0; s < dc->n_shifts; s++) {
            int64_t a, b;
            roster_shift_window(dc, s, d, &a, &b);
            if (a <= t && t < b && (!found || a >= best)) {
                found = true;
                best = a;
                *shift = s;
                *day = d;
            }
        }
    }
    return found;
}

const char *roster_rotation_person(const struct duty_rotation *r, int64_t day)
{
    if (day < r->start_day || r->n_people == 0 || r->every < 1)
        return NULL;
    int64_t k = (day - r->start_day) / r->every;
    return r->people[k % (int64_t)r->n_people];
}

void roster_slots_free(struct roster_slot *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].shift);
        free(v[i].post);
        free(v[i].login);
        free(v[i].name);
        free(v[i].source);
    }
    free(v);
}

struct roster_gap *roster_gaps(const struct duty_config *dc, const struct roster_slot *slots,
                               size_t n_slots, int64_t from, int64_t to, size_t *n)
{
    struct roster_gap *v = NULL;
    size_t cap = 0;
    *n = 0;
    for (int64_t day = from; day <= to; day++) {
        for (size_t s = 0; s < dc->n_shifts; s++) {
            const struct duty_shift *sh = &dc->shifts[s];
            for (size_t p = 0; p < sh->n_posts; p++) {
                bool filled = false;
                for (size_t i = 0; i < n_slots && !filled; i++) {
                    const struct roster_slot *x = &slots[i];
                    filled = x->day == day && x->login && *x->login &&
                             !strcmp(x->shift, sh->name) && !strcmp(x->post, sh->posts[p]);
                }
                if (filled)
                    continue;
                if (*n == cap) {
                    cap = cap ? 2 * cap : 16;
                    v = xrealloc(v, cap * sizeof *v);
                }
                v[(*n)++] = (struct roster_gap){day, sh->name, sh->posts[p]};
            }
        }
    }
    return v;
}
