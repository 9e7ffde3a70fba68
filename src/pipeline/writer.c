/* writer: the outcome a writer op hands back to the pipeline (see writer.h). */
#include "pipeline/writer.h"

#include <stdarg.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/i18n.h"
#include "util/xalloc.h"

void writer_outcome_output(struct writer_outcome *o, const char *path)
{
    o->outputs = xgrow(o->outputs, &o->outputs_cap, o->noutputs + 1, sizeof *o->outputs);
    o->outputs[o->noutputs++] = xstrdup(path);
}

void writer_outcome_note(struct writer_outcome *o, enum problem_kind kind, const char *path,
                         const char *fmt, ...)
{
    struct buf msg = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    va_start(ap, fmt);
    i18n_remember_vformat(buf_str(&msg), fmt, ap);
    va_end(ap);
    o->notes = xgrow(o->notes, &o->notes_cap, o->nnotes + 1, sizeof *o->notes);
    o->notes[o->nnotes++] = (struct writer_note){kind, xstrdup(path ? path : ""),
                                                 buf_detach(&msg)};
}

void writer_outcome_clear(struct writer_outcome *o)
{
    for (size_t i = 0; i < o->noutputs; i++)
        free(o->outputs[i]);
    for (size_t i = 0; i < o->nnotes; i++) {
        free(o->notes[i].path);
        free(o->notes[i].message);
    }
    o->noutputs = 0;
    o->nnotes = 0;
}

void writer_outcome_free(struct writer_outcome *o)
{
    writer_outcome_clear(o);
    free(o->outputs);
    free(o->notes);
    *o = (struct writer_outcome){0};
}
