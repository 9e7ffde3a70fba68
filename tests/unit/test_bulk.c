/* Unit tests for the names of src/cli/bulk: whose store it is, and that name made safe as one
 * file name (OUT/<user>/<kind>/). */
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

int main(void)
{
    test_user_of();
    test_safe_name();
    return tap_done();
}
