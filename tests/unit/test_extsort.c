/* test_extsort: records sorted in bounded memory come back in the order a full in-memory sort
 * gives, whatever the budget: with no spill, with a few runs, and with so many runs that they
 * are merged while records still come (more than EXTSORT_MAX_RUNS); equal keys by the string,
 * then by arrival; every record's data intact. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/extsort.h"

struct item {
    int64_t key;
    char tie[24];
    uint32_t seq;
};

static int cmp_item(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    int c = strcmp(x->tie, y->tie);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Sorts `items` with a budget and checks the order and data against qsort's. */
static void check(const struct item *items, size_t n, size_t budget, const char *what,
                  size_t *runs)
{
    struct extsort *s = extsort_new(budget);
    struct error err = {{0}};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = extsort_add(s, items[i].key, items[i].tie, &items[i], sizeof items[i], &err);
    struct item *want = malloc((n ? n : 1) * sizeof *want);
    memcpy(want, items, n * sizeof *want);
    qsort(want, n, sizeof *want, cmp_item);
    size_t got = 0, same = 0;
    const char *tie;
    const void *data;
    size_t len;
    int r;
    while (rc == 0 && (r = extsort_next(s, &tie, &data, &len, &err)) == 1) {
        struct item it;
        if (len == sizeof it) {
            memcpy(&it, data, sizeof it);
            same += got < n && memcmp(&it, &want[got], sizeof it) == 0 && strcmp(tie, it.tie) == 0;
        }
        got++;
    }
    ok(rc == 0 && got == n && same == n, "%s: %zu records in order, data intact (%zu runs "
       "written) %s", what, n, extsort_runs_written(s), err.msg);
    *runs = extsort_runs_written(s);
    free(want);
    extsort_free(s);
}

int main(void)
{
    size_t n = 60000, runs;
    struct item *items = calloc(n, sizeof *items);
    for (size_t i = 0; i < n; i++) {
        items[i].key = (int64_t)(next_random() % 5000) - 2500; /* many equal keys */
        snprintf(items[i].tie, sizeof items[i].tie, "m%03u.eml", (unsigned)(next_random() % 40));
        items[i].seq = (uint32_t)i;
    }
    check(items, n, (size_t)1 << 30, "no spill", &runs);
    is_int((long)runs, 0, "a budget that holds everything writes no run");
    check(items, n, 1 << 20, "a few runs", &runs);
    ok(runs >= 2 && runs <= 16, "a 1 MiB budget writes a few runs (%zu)", runs);
    check(items, n, 16 << 10, "many runs", &runs);
    ok(runs > 2 * 16, "a 16 KiB budget writes more runs than may be open, merged on the way (%zu)",
       runs);
    check(items, 0, 1024, "empty", &runs);
    check(items, 1, 1, "one record, a budget smaller than it", &runs);

    /* Equal keys and strings: the order they came in. */
    struct item same[5];
    for (int i = 0; i < 5; i++)
        same[i] = (struct item){7, "same", (uint32_t)(4 - i)};
    struct extsort *s = extsort_new(64);
    struct error err = {{0}};
    for (int i = 0; i < 5; i++)
        extsort_add(s, same[i].key, same[i].tie, &same[i].seq, sizeof same[i].seq, &err);
    const char *tie;
    const void *data;
    size_t len;
    char order[16] = "";
    while (extsort_next(s, &tie, &data, &len, &err) == 1) {
        uint32_t v;
        memcpy(&v, data, sizeof v);
        order[strlen(order)] = (char)('0' + v);
    }
    is_str(order, "43210", "equal key and string: arrival order, across runs");
    extsort_free(s);
    free(items);
    return tap_done();
}
