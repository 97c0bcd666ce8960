/* siptrail hints [--markdown] [ID...]: what to change so a diagnosis does not happen, per SBC. */
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "fix_hints_print.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: siptrail hints [--markdown] [ID...]\n"
		"  The settings that cause each diagnosis and what avoids it, per SBC family\n"
		"  (Kamailio, OpenSIPS, Asterisk pjsip, FreeSWITCH sofia) and the certificate\n"
		"  chain to install; the same hints `explain` prints under each diagnosis.\n"
		"  ID            only these diagnoses (e.g. TLS_INCOMPLETE_CHAIN)\n"
		"  --markdown    every hint as the Markdown table of docs/diagnoses.md\n");
}

static int id_of(const char *name)
{
	for (int id = 0; id < DIAG_COUNT; id++)
		if (!strcmp(name, diag_id_name(id)))
			return id;
	return -1;
}

int cmd_hints(int argc, char **argv)
{
	bool markdown = false, chosen[DIAG_COUNT] = {false}, any = false;

	for (int i = 1; i < argc; i++) {
		int id = id_of(argv[i]);
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--markdown")) {
			markdown = true;
		} else if (id >= 0) {
			chosen[id] = any = true;
		} else {
			fprintf(stderr, "siptrail hints: unknown diagnosis or option '%s'\n",
				argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (markdown) {
		fix_hints_print_markdown(stdout);
		return EXIT_OK;
	}
	for (int id = 0; id < DIAG_COUNT; id++) {
		if (any && !chosen[id])
			continue;
		printf("%s\n", diag_id_name(id));
		fix_hints_print_text(stdout, id);
	}
	return EXIT_OK;
}
