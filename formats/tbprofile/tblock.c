/* tblock: whether Thunderbird runs on a profile (see tblock.h). */
#include "tbprofile/tblock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "util/fsutil.h"

/* `.parentlock` holds a record lock of a running Thunderbird. */
static bool parentlock_held(const char *dir)
{
    char *path = path_join(dir, ".parentlock");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    free(path);
    if (fd < 0)
        return false;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    bool held = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    close(fd);
    return held;
}

/* `lock` -> "IP:+PID" names a live process. */
static bool lock_link_alive(const char *dir)
{
    char *path = path_join(dir, "lock");
    char target[256];
    ssize_t n = readlink(path, target, sizeof target - 1);
    free(path);
    if (n <= 0)
        return false;
    target[n] = '\0';
    const char *plus = strrchr(target, '+');
    if (!plus || !plus[1])
        return false;
    char *end;
    long pid = strtol(plus + 1, &end, 10);
    if (*end || pid <= 0)
        return false;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

bool tblock_in_use(const char *dir)
{
    return parentlock_held(dir) || lock_link_alive(dir);
}
