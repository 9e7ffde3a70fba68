/* reader: freeing what a reader's locate op found (see reader.h). */
#include "pipeline/reader.h"

#include <stdlib.h>

void reader_locations_free(struct reader_location *found, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(found[i].path);
    free(found);
}
