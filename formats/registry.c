/* writer: the static list of output formats (see writer.h). */
#include "pipeline/writer.h"

#include <string.h>

#include "mbox/tbwriter.h"
#include "pst/outlook.h"

static const struct writer_ops *const writers[] = {
    &tbwriter_ops,
    &outlook_ops,
};

const struct writer_ops *writer_find(const char *name)
{
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++)
        if (strcmp(writers[i]->name, name) == 0)
            return writers[i];
    return NULL;
}

const char *writer_names(void)
{
    return "thunderbird, outlook";
}
