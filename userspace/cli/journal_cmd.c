/* Option parsing shared by the commands that read a journal or a capture. */
#include <getopt.h>
#include <stdlib.h>

#include "command.h"
#include "journal_cmd.h"

int journal_cmd_parse(struct journal_cmd *cmd, int argc, char **argv)
{
	static const struct option options[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"call-id", required_argument, NULL, 'c'},
	    {"t1-ms", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    CAPTURE_LONG_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	int opt;

	correlator_config_default(&cmd->config);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		char *end;
		unsigned long t1_ms;

		switch (capture_option(cmd->name, opt, optarg, &cmd->capture)) {
		case 1:
			continue;
		case -1:
			return EXIT_USAGE;
		}
		switch (opt) {
		case 'j':
			cmd->json = true;
			break;
		case 'c':
			if (!cmd->takes_call_id)
				goto usage;
			cmd->call_id = optarg;
			break;
		case 't':
			t1_ms = strtoul(optarg, &end, 10);
			if (*end || !t1_ms || t1_ms > 60000) {
				fprintf(stderr, "siptrail %s: --t1-ms: '%s' is not 1-60000\n",
					cmd->name, optarg);
				return EXIT_USAGE;
			}
			cmd->config.t1_ns = t1_ms * 1000000ull;
			break;
		case 'h':
			cmd->usage(stdout);
			return EXIT_OK;
		default:
			goto usage;
		}
	}
	if (optind < argc) {
		cmd->paths = (const char *const *)&argv[optind];
		cmd->n_paths = (size_t)(argc - optind);
		return -1;
	}
usage:
	cmd->usage(stderr);
	return EXIT_USAGE;
}
