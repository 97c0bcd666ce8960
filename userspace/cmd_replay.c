/* siptrail replay CAPTURE: a pcap/pcapng file as the events live tracing writes. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command.h"
#include "event_load.h"
#include "explain_print.h"
#include "journal_write.h"
#include "progress.h"

struct replay_run {
	FILE *json_out;	   /* --json: stdout */
	FILE *journal_out; /* --write */
	bool text;	   /* neither: one readable line per event */
	struct progress progress;
	int write_rc;
};

static void print_text(const struct event *ev)
{
	char t[48];

	printf("%s %-13s", format_ts(ev->ts_ns, t, sizeof(t)), event_kind_name(ev->kind));
	if (ev->conn)
		printf(" conn %llu", (unsigned long long)ev->conn);
	switch (ev->kind) {
	case EV_CONN_OPEN:
	case EV_CONN_END:
		printf(" %s:%u %s %s:%u", ev->conn_ev.local.addr, ev->conn_ev.local.port,
		       ev->conn_ev.direction == DIR_OUT ? "->" : "<-", ev->conn_ev.remote.addr,
		       ev->conn_ev.remote.port);
		if (ev->kind == EV_CONN_END)
			printf(" %s by %s, idle %.3f s before", close_how_name(ev->conn_ev.how),
			       side_name(ev->conn_ev.closed_by), ev->conn_ev.idle_ns / 1e9);
		break;
	case EV_TLS_HANDSHAKE:
		printf(" %s %s%s%s%s%s", ev->handshake.client ? "client" : "server",
		       ev->handshake.ok ? "ok" : "FAILED", ev->handshake.error[0] ? ": " : "",
		       ev->handshake.error, ev->handshake.verify_error[0] ? "; verify: " : "",
		       ev->handshake.verify_error);
		break;
	case EV_TLS_ALERT:
		printf(" %s %s from %s", ev->alert.fatal ? "fatal" : "warning",
		       ev->alert.description, side_name(ev->alert.from));
		break;
	case EV_TLS_CHAIN:
		printf(" from %s, %zu cert(s), %s%s%s", side_name(ev->chain.from),
		       ev->chain.n_certs, chain_verdict_name(ev->chain.verdict),
		       ev->chain.missing_issuer[0] ? ", missing " : "", ev->chain.missing_issuer);
		break;
	case EV_SIP:
		printf(" %s %.*s", ev->sip.dir == DIR_OUT ? "->" : "<-",
		       (int)strcspn(ev->sip.raw, "\r\n"), ev->sip.raw);
		break;
	case EV_LOST:
		break;
	}
	putchar('\n');
}

static int on_event(void *ctx, struct event *ev)
{
	struct replay_run *run = ctx;
	int rc = 0;

	if (run->text)
		print_text(ev);
	if (run->json_out)
		rc = journal_write_event(run->json_out, ev);
	if (!rc && run->journal_out)
		rc = journal_write_event(run->journal_out, ev);
	event_release(ev);
	if (rc)
		run->write_rc = rc;
	return rc;
}

static void on_progress(void *ctx, uint64_t offset)
{
	progress_update(&((struct replay_run *)ctx)->progress, offset);
}

static FILE *open_journal(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (fd >= 0 && !f)
		close(fd);
	return f;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: siptrail replay CAPTURE [--json] [--write JOURNAL] [--host IP ...]\n"
		     "                       [--ports LIST] [--ca-file F] [--ca-path D]\n"
		     "  Reads a pcap or pcapng file and turns it into the events live tracing\n"
		     "  writes (connections, TLS handshakes and chains, SIP messages).\n"
		     "  --json          the events as JSON lines on stdout\n"
		     "  --write JOURNAL the events as a journal file (mode 0600)\n"
		     "  (neither: one readable line per event)\n" CAPTURE_OPTIONS_HELP
		     "exit: 0 read to the end, 2 usage, I/O or a broken capture (events before\n"
		     "the bad packet are written)\n");
}

static void print_summary(const char *path, const struct capture_source_stats *s)
{
	fprintf(stderr,
		"%s: %llu packets, local host %s%s, %llu TCP connections (%llu not involving it), "
		"%llu TLS handshakes, %llu SIP messages (%llu read from TLS), %llu events; "
		"%llu IP fragments (%llu datagrams rebuilt), %llu malformed packets skipped\n",
		path, (unsigned long long)s->replay.packets,
		s->local_addr[0] ? s->local_addr : "unknown",
		s->local_inferred ? " (inferred)" : "", (unsigned long long)s->replay.tcp.conns,
		(unsigned long long)s->conns_ignored, (unsigned long long)s->tls_handshakes,
		(unsigned long long)s->sip_messages, (unsigned long long)s->synthetic_sip,
		(unsigned long long)s->events, (unsigned long long)s->replay.fragments,
		(unsigned long long)s->replay.reassembled, (unsigned long long)s->replay.malformed);
}

int cmd_replay(int argc, char **argv)
{
	static const struct option options[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"write", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    CAPTURE_LONG_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	struct capture_source_options capture = {0};
	struct replay_run run = {0};
	struct capture_source_run source = {&capture, on_event, on_progress, &run};
	struct capture_source_stats stats;
	struct capture_error err;
	const char *write_path = NULL;
	struct stat st;
	int opt, rc;

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
			run.json_out = stdout;
			break;
		case 'w':
			write_path = optarg;
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
	if (write_path && !(run.journal_out = open_journal(write_path))) {
		fprintf(stderr, "siptrail replay: %s: %s\n", write_path, strerror(errno));
		return EXIT_USAGE;
	}
	run.text = !run.json_out && !run.journal_out;
	progress_start(&run.progress, argv[optind],
		       stat(argv[optind], &st) ? 0 : (uint64_t)st.st_size);
	rc = capture_source_read(argv[optind], &source, &stats, &err);
	progress_end(&run.progress);
	if (run.journal_out && fclose(run.journal_out) && !rc) {
		fprintf(stderr, "siptrail replay: %s: %s\n", write_path, strerror(errno));
		return EXIT_USAGE;
	}
	if (rc == -EIO || !rc)
		print_summary(argv[optind], &stats);
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
