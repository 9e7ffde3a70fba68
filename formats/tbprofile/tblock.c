/* tblock: whether Thunderbird runs on a profile (see tblock.h). */
#include "tbprofile/tblock.h"

#include <stdlib.h>
#include <string.h>

#include "util/fsutil.h"
#include "util/platform.h"

/* `.parentlock` (Linux) or `parent.lock` (Windows) is held by a running Thunderbird. */
static bool parentlock_held(const char *dir, const char *name)
{
    char *path = path_join(dir, name);
    bool held = plat_file_locked(path);
    free(path);
    return held;
}

/* `lock` -> "IP:+PID" names a live process. */
static bool lock_link_alive(const char *dir)
{
    char *path = path_join(dir, "lock");
    char *target = plat_readlink(path);
    free(path);
    if (!target)
        return false;
    const char *plus = strrchr(target, '+');
    char *end = NULL;
    long pid = plus && plus[1] ? strtol(plus + 1, &end, 10) : 0;
    bool alive = end && !*end && pid > 0 && plat_process_alive(pid);
    free(target);
    return alive;
}

bool tblock_in_use(const char *dir)
{
    return parentlock_held(dir, ".parentlock") || parentlock_held(dir, "parent.lock") ||
           lock_link_alive(dir);
}
