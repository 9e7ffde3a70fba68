/* holdfile.exe: holds a file open with no sharing, as a running program does, for the tests.
 *
 * On Windows a file that another process opened without FILE_SHARE_READ cannot be opened for
 * reading at all (ERROR_SHARING_VIOLATION): the way a running Windows Live Mail, a backup tool
 * or a virus scanner makes one message file unreadable. Running as root, the tests cannot make
 * a file unreadable with permissions, so tests/windows/35-links-and-locks.t builds this with
 * mingw-w64 and runs it under Wine beside wlmigrate.exe.
 *
 * Usage: holdfile.exe FILE   opens FILE with share mode 0, prints "held" and a newline, and
 * keeps it open until its standard input ends; exit 1 when FILE cannot be opened. */
#include <stdio.h>
#include <windows.h>

int wmain(int argc, wchar_t **argv)
{
    if (argc != 2)
        return 2;
    HANDLE h = CreateFileW(argv[1], GENERIC_READ, 0, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL,
                           NULL);
    if (h == INVALID_HANDLE_VALUE) {
        printf("cannot open (error %lu)\n", GetLastError());
        return 1;
    }
    printf("held\n");
    fflush(stdout);
    char byte;
    DWORD got;
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    while (ReadFile(in, &byte, 1, &got, NULL) && got > 0)
        ;
    CloseHandle(h);
    return 0;
}
