/* progress: terminal progress line or plain log lines (see progress.h). */
#include "report/progress.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/platform.h"
#include "util/utf8.h"
#include "util/xalloc.h"

struct progress {
    FILE *out;
    enum progress_mode mode;
    bool tty;
    const char *verb;
    size_t total, done;
    uint64_t done_bytes;
    double start, last_draw;
    bool line_shown;
};

static double now(void) { return plat_monotonic_seconds(); }

struct progress *progress_new(FILE *out, enum progress_mode mode, const char *verb,
                              size_t total_messages)
{
    struct progress *p = xcalloc(1, sizeof *p);
    p->out = out;
    p->mode = mode;
    p->tty = plat_isatty(out);
    p->verb = verb;
    p->total = total_messages;
    p->start = p->last_draw = now();
    return p;
}

static void draw(struct progress *p, double t)
{
    double elapsed = t - p->start;
    double mbps = elapsed > 0 ? (double)p->done_bytes / 1e6 / elapsed : 0;
    fputs(p->tty ? "\r\033[K" : "", p->out);
    fprintf(p->out, _("%s %zu/%zu messages, %.1f MB/s"), p->verb, p->done, p->total, mbps);
    if (p->done > 0 && p->total > p->done && elapsed > 1) {
        double left = elapsed * (double)(p->total - p->done) / (double)p->done;
        fprintf(p->out, _(", about %d:%02d left"), (int)left / 60, (int)left % 60);
    }
    if (!p->tty)
        fputc('\n', p->out);
    fflush(p->out);
    p->line_shown = p->tty;
    p->last_draw = t;
}

void progress_folder(struct progress *p, const char *name, size_t messages)
{
    if (!p || p->mode != PROGRESS_VERBOSE)
        return;
    if (p->line_shown)
        fputs("\r\033[K", p->out);
    p->line_shown = false;
    fputs(_("  folder "), p->out);
    utf8_print(p->out, name, strlen(name));
    fprintf(p->out, _(" (%zu messages)\n"), messages);
}

void progress_message(struct progress *p, uint64_t bytes)
{
    if (!p)
        return;
    p->done++;
    p->done_bytes += bytes;
    if (p->mode == PROGRESS_QUIET)
        return;
    double t = now();
    if (t - p->last_draw >= (p->tty ? 0.1 : 10.0))
        draw(p, t);
}

void progress_free(struct progress *p)
{
    if (!p)
        return;
    if (p->mode != PROGRESS_QUIET && (p->tty || p->mode == PROGRESS_VERBOSE)) {
        draw(p, now());
        if (p->tty)
            fputc('\n', p->out);
    }
    free(p);
}
