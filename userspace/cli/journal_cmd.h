/* The options shared by the commands that read a journal or a capture (explain, calls). */
#ifndef SIPTRAIL_JOURNAL_CMD_H
#define SIPTRAIL_JOURNAL_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "correlator.h"
#include "event_load.h"

struct journal_cmd {
	const char *name; /* of the command, for messages */
	bool takes_call_id;
	void (*usage)(FILE *out);
	/* parsed */
	const char *const *paths; /* one journal, or captures read as one (event_read_files) */
	size_t n_paths;
	const char *call_id; /* --call-id, NULL: every call */
	bool json;
	struct correlator_config config;       /* defaults, with --t1-ms applied */
	struct capture_source_options capture; /* --host, --ports, --ca-file, --ca-path */
};

/*
 * Parses [--json] [--t1-ms N] [--call-id ID (when takes_call_id)] [capture options] [--help]
 * JOURNAL|CAPTURE...
 * Returns -1 when the command should run, else the exit status to return (--help, or a usage
 * error already reported).
 */
int journal_cmd_parse(struct journal_cmd *cmd, int argc, char **argv);

#endif
