/* tblock: whether Thunderbird runs on a profile.
 *
 * Thunderbird on Linux and macOS marks a profile it runs on twice (nsProfileLock): a symbolic
 * link `lock` whose target ends in "+PID", left behind when it crashes, and a POSIX record lock
 * on the file `.parentlock`, which the system drops with the process. A profile is in use when
 * `.parentlock` is locked by another process, or when `lock` names a process that is alive. On
 * Windows the lock is `parent.lock`, held open without sharing while Thunderbird runs: that is
 * seen on Windows (util/platform's plat_file_locked), while a copy of such a profile read on
 * Linux carries no lock, so it is not a sign of use. */
#ifndef WLMIGRATE_TBLOCK_H
#define WLMIGRATE_TBLOCK_H

#include <stdbool.h>

/* True when Thunderbird (or another program holding its lock) runs on the profile `dir`. */
bool tblock_in_use(const char *dir);

#endif
