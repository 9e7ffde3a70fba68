/* Unit tests for the names of src/cli/bulk: whose store it is, that name made safe as one
 * file name (OUT/<user>/<kind>/), and the job a store's process is given, read back. */
#include <stdlib.h>
#include <string.h>

#include "cli/bulk.h"
#include "tap.h"

static void test_user_of(void)
{
    static const struct {
        const char *root, *store, *want;
    } cases[] = {
        {"/mnt/c", "/mnt/c/Users/alice/AppData/Local/Microsoft/Windows Live Mail", "alice"},
        {"/mnt/c", "/mnt/c/users/Bob/appdata/Local/Microsoft/Windows Mail", "Bob"},
        {"/mnt/c",
         "/mnt/c/Documents and Settings/Carol/Local Settings/Application Data/Microsoft/"
         "Windows Live Mail",
         "Carol"},
        {"/srv/profiles", "/srv/profiles/dave/AppData/Local/Microsoft/Windows Live Mail", "dave"},
        {"/mnt/c/Users/erin/AppData/Local", "/mnt/c/Users/erin/AppData/Local/Microsoft/Windows Mail",
         "erin"},
        {"/srv/copies", "/srv/copies/frank", "frank"},
        {"/srv/copies", "/srv/copies/frank/Archive 2019", "frank"},
        {"/srv/copies/gina", "/srv/copies/gina/Windows Live Mail", "gina"},
        {"/srv/copies/hana", "/srv/copies/hana", "hana"},
        {"/", "/Windows Live Mail", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = bulk_user_of(cases[i].root, cases[i].store);
        char what[200];
        snprintf(what, sizeof what, "user of %s below %s", cases[i].store, cases[i].root);
        is_str(got, cases[i].want, what);
        free(got);
    }
}

static void test_safe_name(void)
{
    char long_ascii[101], long_kana[3 * 30 + 1];
    memset(long_ascii, 'a', 100);
    long_ascii[100] = '\0';
    for (int i = 0; i < 30; i++)
        memcpy(long_kana + 3 * i, "\xe3\x81\x82", 3); /* あ */
    long_kana[90] = '\0';
    static const char kana21[] = "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"
                                 "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"
                                 "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"
                                 "\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82\xe3\x81\x82"
                                 "\xe3\x81\x82";
    const struct {
        const char *in, *want;
    } cases[] = {
        {"alice", "alice"},
        {"\xe5\xb1\xb1\xe7\x94\xb0", "\xe5\xb1\xb1\xe7\x94\xb0"}, /* 山田 kept */
        {"a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j"},
        {"tab\there\x7f", "tab_here_"},
        {"\xff\xfe" "ab", "__ab"},
        {".profile", "_profile"},
        {"name.", "name_"},
        {"name ", "name_"},
        {"con", "con_"},
        {"LPT1.old", "LPT1_.old"},
        {"console", "console"},
        {"", "user"},
        {long_ascii, long_ascii + 36},
        {long_kana, kana21},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = bulk_safe_name(cases[i].in);
        char q[80], what[120];
        snprintf(what, sizeof what, "safe name of %s", tap_quote(cases[i].in, q, sizeof q));
        is_str(got, cases[i].want, what);
        free(got);
    }
}

/* The job's fields: each its length, a colon and its bytes; a field may hold a colon, a digit
 * or a line end (Linux paths can), and nothing that is not well formed is taken. */
static void test_job_decode(void)
{
    size_t n = 99;
    char **f = bulk_job_decode("4:/a:b3:out0:9:wlmigrate7:convert", 33, &n);
    ok(f && n == 5 && f[5] == NULL, "a job of five fields: five, then NULL");
    if (f && n == 5) {
        is_str(f[0], "/a:b", "a field holding a colon");
        is_str(f[1], "out", "the second field");
        is_str(f[2], "", "an empty field");
        is_str(f[4], "convert", "the last field");
    }
    for (size_t i = 0; f && i < n; i++)
        free(f[i]);
    free(f);
    f = bulk_job_decode("", 0, &n);
    ok(f && n == 0 && f[0] == NULL, "an empty job: no field");
    free(f);
    f = bulk_job_decode("11:line\nend 2:2:x9", 18, &n);
    ok(f && n == 2 && strcmp(f[0], "line\nend 2:") == 0 && strcmp(f[1], "x9") == 0,
       "a field holding a line end and digits");
    for (size_t i = 0; f && i < n; i++)
        free(f[i]);
    free(f);
    static const char *const bad[] = {"5:abc", "x:abc", "3abc", ":abc", "-1:a", "+1:a",
                                      " 1:a", "3:abc4", "99999999999999999999999:a",
                                      "18446744073709551615:a", "01:a", "00:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char q[80];
        ok(bulk_job_decode(bad[i], strlen(bad[i]), &n) == NULL, "refused: %s",
           tap_quote(bad[i], q, sizeof q));
    }
    ok(bulk_job_decode("3:a\0b", 5, &n) == NULL, "refused: a NUL inside a field");
    f = bulk_job_decode("1:a1:b", 3, &n);
    ok(f && n == 1 && strcmp(f[0], "a") == 0, "only the bytes given are read");
    for (size_t i = 0; f && i < n; i++)
        free(f[i]);
    free(f);
}

int main(void)
{
    test_user_of();
    test_safe_name();
    test_job_decode();
    return tap_done();
}
