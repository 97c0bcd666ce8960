/* siptrail explain JOURNAL|CAPTURE... [--json] [--call-id ID] [--t1-ms N]: why calls failed, per
 * call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "correlator.h"
#include "explain.h"
#include "explain_print.h"
#include "journal_cmd.h"
#include "journal_replay.h"

struct explain_run {
	const char *call_id; /* NULL: every call */
	bool json;
	unsigned long calls, calls_with_diagnoses, calls_with_failures;
	int rc;
};

static void on_call(const struct correlator *corr, const struct call *call, void *ctx)
{
	struct explain_run *run = ctx;
	struct call_verdict *verdict;

	if (run->call_id && strcmp(run->call_id, call->call_id))
		return;
	run->calls++;
	verdict = malloc(sizeof(*verdict));
	if (!verdict) {
		run->rc = -ENOMEM;
		return;
	}
	explain_call(corr, call, verdict);
	for (unsigned i = 0; i < verdict->n_diags; i++) {
		if (diag_is_failure(verdict->diags[i].id)) {
			run->calls_with_failures++;
			break;
		}
	}
	if (verdict->n_diags) {
		run->calls_with_diagnoses++;
		if (run->json) {
			if (explain_print_json(stdout, verdict))
				run->rc = -ENOMEM;
		} else {
			explain_print_text(stdout, verdict);
		}
	}
	free(verdict);
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: siptrail explain JOURNAL|CAPTURE... [--json] [--call-id ID] [--t1-ms N]\n"
	    "  Reads a siptrail journal (JSON lines, '-' for stdin) or pcap/pcapng captures\n"
	    "  (gzip, zstd or plain; several files, e.g. a rotation, are read as one capture in\n"
	    "  order of their first packets) and says, per call, why a BYE or a session refresh\n"
	    "  failed, with the evidence.\n"
	    "  --json         one JSON object per diagnosis\n"
	    "  --call-id ID   only this call\n"
	    "  --t1-ms N      RFC 3261 T1 (default 500); transactions time out at "
	    "64*T1\n" CAPTURE_OPTIONS_HELP
	    "exit: 0 no failure (warnings may be printed), 1 failures found or the call asked\n"
	    "for is not there, 2 usage or I/O\n"
	    "(a capture that breaks part way is explained up to the bad packet, then exit 2)\n");
}

int cmd_explain(int argc, char **argv)
{
	struct journal_cmd cmd = {.name = "explain", .takes_call_id = true, .usage = usage};
	struct explain_run run = {0};
	struct journal_replay_stats stats;
	int rc = journal_cmd_parse(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	run.call_id = cmd.call_id;
	run.json = cmd.json;
	rc = journal_replay(cmd.name, cmd.paths, cmd.n_paths, &cmd.config, &cmd.capture, on_call,
			    &run, &stats);
	if (rc && rc != -EIO)
		return EXIT_USAGE;
	if (run.rc) {
		fprintf(stderr, "siptrail explain: out of memory\n");
		return EXIT_USAGE;
	}
	if (!run.json) {
		printf("%lu call(s), %lu failed, %lu with warnings only; %zu events, %lu bad "
		       "line(s), %lu undecodable SIP message(s)",
		       run.calls, run.calls_with_failures,
		       run.calls_with_diagnoses - run.calls_with_failures, stats.events,
		       stats.bad_lines, stats.sip_undecoded);
		if (stats.sip_lenient) /* each one named on stderr */
			printf(", %lu decoded despite a broken rule", stats.sip_lenient);
		putchar('\n');
	}
	if (rc)
		return EXIT_USAGE; /* explained up to the bad packet, reported above */
	if (run.call_id && !run.calls) {
		fprintf(stderr, "siptrail explain: call '%s' is not in %s%s\n", run.call_id,
			cmd.paths[0], cmd.n_paths > 1 ? " and the files read with it" : "");
		return EXIT_FINDINGS;
	}
	/* warnings (RISK_*, REFRESHER_CONFLICT) are printed but are not failures */
	return run.calls_with_failures ? EXIT_FINDINGS : EXIT_OK;
}
