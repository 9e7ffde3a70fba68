/* contacts: the `wlmigrate contacts IN... -o OUT --to vcard|csv` command.
 *
 * Address books alone, without a mail store: reads every IN (a file of any kind the registry's
 * contact readers know, or a directory of them) and writes OUT/contacts.vcf or OUT/contacts.csv
 * with the contact writer --to names. Parses its own options (the writers' come from the
 * registry), prints every problem and a summary, and returns the exit code. */
#ifndef WLMIGRATE_CLI_CONTACTS_H
#define WLMIGRATE_CLI_CONTACTS_H

/* `argv[0]` is "contacts". Returns 0 all read and written; 1 written, but the report lists
 * losses; 2 usage (also an existing OUT/contacts.* without --force); 3 fatal. */
int contacts_run(int argc, char **argv);

#endif
