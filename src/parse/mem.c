/* mem.c: the bound on what parsing one document may allocate.
 *
 * A document of tiny elements costs libxml2 a node of some 120 bytes for
 * every four bytes of input (a 20 MB feed took 594 MB), and jansson is no
 * better with a long array of small values. The byte caps on bodies and
 * fields cannot see that, so libxml2 and jansson allocate through the
 * functions below, which count what the calling thread holds while a limit
 * is set. jansson copes with a failed allocation, so for it an allocation
 * that would pass the limit is refused; libxml2 2.9 does not (it crashed
 * when its input buffer could not grow), so xml.c only asks the count from
 * its SAX callbacks and stops the parser there. Either way parse_feed
 * reports the source's error. Sizes come from malloc_usable_size rather than a header,
 * so a block allocated before the functions were installed (or on another
 * thread) is freed safely; its size only blurs the count a little. */
#include <jansson.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlmemory.h>

#include "parse_internal.h"

static _Thread_local struct {
    long long used; /* may go below 0: blocks of an earlier parse freed now */
    size_t limit;   /* 0: no limit */
    bool refuse;    /* refuse what passes it (else only count) */
    bool hit;
} parse_mem;

static bool parse_mem_refuse(size_t more)
{
    if (!parse_mem.limit || !parse_mem.refuse)
        return false;
    if (more > parse_mem.limit || parse_mem.used + (long long)more > (long long)parse_mem.limit) {
        parse_mem.hit = true;
        return true;
    }
    return false;
}

/* Outside a bounded parse nothing is counted: the count starts afresh at
 * each parse_mem_begin, and a block freed then only lowers it. */
static void *parse_mem_malloc(size_t n)
{
    if (!parse_mem.limit)
        return malloc(n);
    if (parse_mem_refuse(n))
        return NULL;
    void *p = malloc(n);
    if (p)
        parse_mem.used += (long long)malloc_usable_size(p);
    return p;
}

static void *parse_mem_realloc(void *p, size_t n)
{
    if (!parse_mem.limit)
        return realloc(p, n);
    size_t old = p ? malloc_usable_size(p) : 0;
    if (n > old && parse_mem_refuse(n - old))
        return NULL;
    void *q = realloc(p, n);
    if (q)
        parse_mem.used += (long long)malloc_usable_size(q) - (long long)old;
    return q;
}

static void parse_mem_free(void *p)
{
    if (!p)
        return;
    if (parse_mem.limit)
        parse_mem.used -= (long long)malloc_usable_size(p);
    free(p);
}

static char *parse_mem_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = parse_mem_malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static void parse_init_once(void)
{
    xmlMemSetup(parse_mem_free, parse_mem_malloc, parse_mem_realloc, parse_mem_strdup);
    json_set_alloc_funcs(parse_mem_malloc, parse_mem_free);
    xmlInitParser();
}

void parse_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, parse_init_once);
}

void parse_mem_begin(size_t limit, bool refuse)
{
    parse_mem.used = 0;
    parse_mem.hit = false;
    parse_mem.limit = limit;
    parse_mem.refuse = refuse;
}

bool parse_mem_over(void)
{
    if (parse_mem.limit && parse_mem.used > (long long)parse_mem.limit)
        parse_mem.hit = true;
    return parse_mem.hit;
}

bool parse_mem_end(void)
{
    bool hit = parse_mem.hit;
    parse_mem.limit = 0;
    parse_mem.hit = false;
    return hit;
}

int parse_mem_error(struct jy_error *err, size_t limit)
{
    bool mib = limit >= (1u << 20) && limit % (1u << 20) == 0;
    return jy_error_set(err, JY_ETOOBIG,
                        "parsing the document needs more than %zu %s of memory "
                        "(the limit is collector.parse_memory times max_body)",
                        mib ? limit >> 20 : limit >> 10, mib ? "MiB" : "KiB");
}
