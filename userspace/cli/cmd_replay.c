/* siptrail replay CAPTURE...: pcap/pcapng files as the events live tracing writes. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "capture_use.h"
#include "command.h"
#include "event_load.h"
#include "event_output.h"
#include "hep_export.h"
#include "journal_file.h"

struct replay_run {
	struct event_output output; /* text or --json on stdout, --write's journal */
	struct hep_export *hep;	    /* --hep; NULL: none */
	int write_rc;
};

static int on_event(void *ctx, struct event *ev)
{
	struct replay_run *run = ctx;
	int rc = event_output_write(&run->output, ev);

	if (run->hep)
		hep_export_event(run->hep, ev);
	event_release(ev);
	if (rc)
		run->write_rc = rc;
	return rc;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: siptrail replay CAPTURE... [--json] [--write JOURNAL] [--host IP ...]\n"
		"                       [--ports LIST] [--ca-file F] [--ca-path D] [--keylog F]\n"
		"                       [--hep [udp:|tcp:]HOST:PORT [--hep-id N] [--hep-name S]]\n"
		"  Reads pcap or pcapng files (gzip, zstd or plain; several: rotating files of\n"
		"  one trace, read as one in time order) and turns them into the events live\n"
		"  tracing writes (connections, TLS handshakes and chains, SIP messages).\n"
		"  --json          the events as JSON lines on stdout, and what became of\n"
		"                  the packets as one JSON line on stderr\n"
		"  --write JOURNAL append the events to a journal file (mode 0600)\n"
		"  (neither: one readable line per event)\n"
		"  --hep TARGET    also send every SIP message to a HEPv3 collector (Homer),\n"
		"                  with capture agent id N (default 2001) and name "
		"S\n" CAPTURE_OPTIONS_HELP
		"exit: 0 read to the end, 2 usage, I/O or a broken capture (events before\n"
		"the bad packet are written)\n");
}

/* The accounting as one JSON object: the same numbers as the text line. */
static int print_use_json(const char *path, const struct capture_source_stats *s, bool decrypting)
{
	struct capture_use_reason reasons[CAPTURE_USE_REASONS];
	size_t n = capture_use_reasons(s, reasons);
	const struct tls_decrypt_counts *d = &s->tls_decrypt;
	json_t *not_used = json_object(), *tls = NULL, *obj;
	int rc = 0;

	for (size_t i = 0; i < n && not_used; i++)
		rc |= json_object_set_new(not_used, reasons[i].key,
					  json_integer((json_int_t)reasons[i].count));
	if (decrypting) /* the same numbers as the text line (docs/tls-decryption.md) */
		tls =
		    json_pack("{s:I, s:I, s:I, s:I, s:I}", "decrypted", (json_int_t)d->decrypted,
			      "no_handshake", (json_int_t)d->no_handshake, "no_secrets",
			      (json_int_t)d->no_secrets, "unsupported", (json_int_t)d->unsupported,
			      "auth_failed", (json_int_t)d->auth_failed);
	obj = json_pack("{s:s, s:I, s:I, s:o*, s:o*}", "capture", path, "packets_read",
			(json_int_t)s->replay.packets, "packets_used", (json_int_t)s->use.used,
			"not_used", not_used, "tls_records", tls);
	if (!obj || rc || json_dumpf(obj, stderr, JSON_COMPACT) || fputc('\n', stderr) == EOF)
		rc = -ENOMEM;
	json_decref(obj);
	return rc;
}

/* The tunnels packets came out of (the outermost of each), when there were any. */
static void print_tunnels(const char *path, const struct capture_replay_stats *r)
{
	const char *sep = ": ";
	uint64_t total = 0;

	for (int e = PACKET_ENCAP_NONE + 1; e < PACKET_ENCAP_COUNT; e++)
		total += r->tunneled[e];
	if (!total)
		return;
	fprintf(stderr, "%s: %llu packets decoded from inside tunnels", path,
		(unsigned long long)total);
	for (int e = PACKET_ENCAP_NONE + 1; e < PACKET_ENCAP_COUNT; e++) {
		if (!r->tunneled[e])
			continue;
		fprintf(stderr, "%s%llu %s", sep, (unsigned long long)r->tunneled[e],
			packet_encap_name(e));
		sep = ", ";
	}
	fputc('\n', stderr);
}

/* With --keylog: what became of the TLS records (docs/tls-decryption.md). */
static void print_decryption(const char *path, const struct tls_decrypt_counts *counts)
{
	char text[256];

	tls_decrypt_counts_text(counts, text, sizeof(text));
	fprintf(stderr, "%s: TLS records: %s\n", path, text);
}

static int print_summary(const char *path, const struct capture_source_stats *s, bool json,
			 bool decrypting)
{
	char use[1024];

	fprintf(stderr,
		"%s: %llu packets, local host %s%s, %llu TCP connections (%llu not involving it), "
		"%llu TLS handshakes, %llu SIP messages (%llu read from TLS), %llu events; "
		"%llu IP fragments (%llu datagrams rebuilt)\n",
		path, (unsigned long long)s->replay.packets,
		ip_addr_given(&s->local_addr) ? ip_addr_text(&s->local_addr).text : "unknown",
		s->local_inferred ? " (inferred)" : "", (unsigned long long)s->replay.tcp.conns,
		(unsigned long long)s->conns_ignored, (unsigned long long)s->tls_handshakes,
		(unsigned long long)s->sip_messages, (unsigned long long)s->synthetic_sip,
		(unsigned long long)s->events, (unsigned long long)s->replay.fragments,
		(unsigned long long)s->replay.reassembled);
	if (s->sctp_assocs_dropped)
		fprintf(stderr,
			"%s: %llu SCTP associations, %llu more not followed (too many open)\n",
			path, (unsigned long long)s->sctp_assocs,
			(unsigned long long)s->sctp_assocs_dropped);
	else if (s->sctp_assocs)
		fprintf(stderr, "%s: %llu SCTP associations\n", path,
			(unsigned long long)s->sctp_assocs);
	print_tunnels(path, &s->replay);
	if (decrypting)
		print_decryption(path, &s->tls_decrypt);
	capture_use_text(path, s, use, sizeof(use));
	fprintf(stderr, "%s\n", use);
	return json ? print_use_json(path, s, decrypting) : 0;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option options[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"write", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {"hep", required_argument, NULL, 'H'},
	    {"hep-id", required_argument, NULL, 'I'},
	    {"hep-name", required_argument, NULL, 'N'},
	    CAPTURE_LONG_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	struct capture_source_options capture = {0};
	struct replay_run run = {0};
	struct journal_file journal;
	struct hep_export_config hep_config = {.capture_id = HEP_CAPTURE_ID_DEFAULT};
	struct hep_export_counts hep_counts;
	long long hep_id;
	char *end;
	struct event_input_stats input = {0};
	const struct capture_source_stats *stats = &input.capture;
	struct capture_error err;
	const char *write_path = NULL, *const * paths;
	size_t n_paths;
	char why[512], label[300];
	int opt, rc, close_rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (capture_option("replay", opt, optarg, &capture)) {
		case 1:
			continue;
		case -1:
			return EXIT_USAGE;
		}
		switch (opt) {
		case 'j':
			run.output.json = true;
			break;
		case 'w':
			write_path = optarg;
			break;
		case 'H':
			hep_config.target = optarg;
			break;
		case 'I':
			errno = 0;
			hep_id = strtoll(optarg, &end, 10);
			if (errno || *end || hep_id < 0 || hep_id > UINT32_MAX) {
				fprintf(stderr, "siptrail replay: bad --hep-id '%s'\n", optarg);
				return EXIT_USAGE;
			}
			hep_config.capture_id = (uint32_t)hep_id;
			break;
		case 'N':
			hep_config.capture_name = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	paths = (const char *const *)&argv[optind];
	n_paths = (size_t)(argc - optind);
	if (n_paths == 1)
		snprintf(label, sizeof(label), "%s", paths[0]);
	else
		snprintf(label, sizeof(label), "%s and %zu more files", paths[0], n_paths - 1);
	if (hep_config.target && hep_export_open(&hep_config, &run.hep, why, sizeof(why))) {
		fprintf(stderr, "siptrail replay: %s\n", why);
		return EXIT_USAGE;
	}
	if (write_path) {
		if (journal_file_open(&journal, write_path, NULL, stderr, why, sizeof(why))) {
			fprintf(stderr, "siptrail replay: %s\n", why);
			hep_export_close(run.hep, NULL);
			return EXIT_USAGE;
		}
		run.output.journal = &journal;
	}
	/* the terminal gets the JSON with --json, text lines when nothing else is asked for */
	if (run.output.json || !run.output.journal)
		run.output.terminal = stdout;
	rc = event_read_captures("replay", paths, n_paths, &capture, on_event, &run, NULL, &input,
				 &err);
	event_output_release(&run.output);
	if (run.hep) {
		hep_export_close(run.hep, &hep_counts);
		fprintf(stderr, "siptrail replay: HEP to %s: %llu packets sent, %llu not sent\n",
			hep_config.target, (unsigned long long)hep_counts.sent,
			(unsigned long long)hep_counts.unsent);
	}
	if (run.output.journal && (close_rc = journal_file_close(&journal)) && !rc) {
		fprintf(stderr, "siptrail replay: %s: %s\n", write_path, strerror(-close_rc));
		return EXIT_USAGE;
	}
	if ((rc == -EIO || !rc) &&
	    print_summary(label, stats, run.output.json, capture.keylog_file) && !rc)
		run.write_rc = -ENOMEM;
	if (run.write_rc) {
		fprintf(stderr, "siptrail replay: writing events: %s\n", strerror(-run.write_rc));
		return EXIT_USAGE;
	}
	if (rc) {
		fprintf(stderr, "siptrail replay: %s\n", err.message);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
