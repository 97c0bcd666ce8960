/* siptrail explain JOURNAL|CAPTURE [--json] [--call-id ID] [--t1-ms N]: why calls failed. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "correlator.h"
#include "explain.h"
#include "explain_print.h"
#include "event_load.h"

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
	    "usage: siptrail explain JOURNAL|CAPTURE [--json] [--call-id ID] [--t1-ms N]\n"
	    "  Reads a siptrail journal (JSON lines, '-' for stdin) or a pcap/pcapng capture\n"
	    "  and says, per call, why a BYE or a session refresh failed, with the evidence.\n"
	    "  --json         one JSON object per diagnosis\n"
	    "  --call-id ID   only this call\n"
	    "  --t1-ms N      RFC 3261 T1 (default 500); transactions time out at "
	    "64*T1\n" CAPTURE_OPTIONS_HELP
	    "exit: 0 no failure (warnings may be printed), 1 failures found, 2 usage or I/O\n"
	    "(a capture that breaks part way is explained up to the bad packet, then exit 2)\n");
}

int cmd_explain(int argc, char **argv)
{
	static const struct option options[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"call-id", required_argument, NULL, 'c'},
	    {"t1-ms", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    CAPTURE_LONG_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	struct capture_source_options capture = {0};
	struct event_list list;
	struct explain_run run = {0};
	struct correlator_config config;
	struct correlator corr;
	int opt, load_rc;

	correlator_config_default(&config);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		char *end;
		unsigned long t1_ms;
		switch (capture_option("explain", opt, optarg, &capture)) {
		case 1:
			continue;
		case -1:
			return EXIT_USAGE;
		}
		switch (opt) {
		case 'j':
			run.json = true;
			break;
		case 'c':
			run.call_id = optarg;
			break;
		case 't':
			t1_ms = strtoul(optarg, &end, 10);
			if (*end || !t1_ms || t1_ms > 60000) {
				fprintf(stderr, "siptrail explain: --t1-ms: '%s' is not 1-60000\n",
					optarg);
				return EXIT_USAGE;
			}
			config.t1_ns = t1_ms * 1000000ull;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	load_rc = event_load("explain", argv[optind], &capture, &list);
	if (load_rc && load_rc != -EIO) {
		event_list_free(&list);
		return EXIT_USAGE;
	}
	correlator_init(&corr, &config, on_call, &run, stderr);
	for (size_t i = 0; i < list.count; i++)
		if (!run.rc && correlator_feed(&corr, &list.events[i]))
			run.rc = -ENOMEM;
	correlator_finish(&corr);
	if (run.rc) {
		event_list_free(&list);
		fprintf(stderr, "siptrail explain: out of memory\n");
		return EXIT_USAGE;
	}
	if (!run.json)
		printf("%lu call(s), %lu failed, %lu with warnings only; %zu events, %lu bad "
		       "line(s), %lu undecodable SIP message(s)\n",
		       run.calls, run.calls_with_failures,
		       run.calls_with_diagnoses - run.calls_with_failures, list.count,
		       list.bad_lines, corr.sip_undecoded);
	event_list_free(&list);
	if (load_rc)
		return EXIT_USAGE; /* explained up to the bad packet, reported above */
	/* warnings (RISK_*, REFRESHER_CONFLICT) are printed but are not failures */
	return run.calls_with_failures ? EXIT_FINDINGS : EXIT_OK;
}
