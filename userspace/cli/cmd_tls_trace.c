/* siptrail tls-trace: handshakes and SIP plaintext seen through libssl uprobes. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>
#include <jansson.h>

#include "command.h"
#include "port_set.h"
#include "ssl_probe.h"
#include "journal_write.h"
#include "keylog_out.h"
#include "tls_event.h"

#define FIRST_LINE_MAX 160

static volatile sig_atomic_t exiting;

struct trace_opts {
	bool json;
	bool verbose;
	double duration_s; /* 0: until interrupted */
	const char *keylog_path;
	FILE *keylog_out; /* --keylog-out; NULL: none */
	int keylog_err;	  /* first error writing it */
};

static void on_signal(int signo)
{
	(void)signo;
	exiting = 1;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *format, va_list args)
{
	(void)level;
	(void)format;
	(void)args;
	return 0;
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: siptrail tls-trace [--ssl-lib PATH] [--ports LIST] [--json] [--duration S]\n"
	    "                          [--handshakes-only] [--keylog-out FILE] [-v]\n\n"
	    "Shows TLS handshakes (role, result, OpenSSL's reason, verify error) and the SIP\n"
	    "plaintext read and written through libssl, for TCP connections on the ports.\n\n"
	    "  --ssl-lib PATH   libssl to probe, or a program with OpenSSL linked in\n"
	    "                   (default: the system's libssl.so.3)\n"
	    "  --ports LIST     comma-separated local or remote ports (default 5060,5061)\n"
	    "  --json           one JSON object per line (tls_handshake, sip)\n"
	    "  --duration S     stop after S seconds (default: at Ctrl-C)\n"
	    "  --handshakes-only  probe handshakes only, not every SSL_read/SSL_write (no\n"
	    "                   plaintext; what siptrail live does by default)\n"
	    "  --keylog-out FILE  append the handshakes' secrets read from libssl in NSS key\n"
	    "                   log format (SSLKEYLOGFILE, for Wireshark); made 0600\n"
	    "  -v, --verbose    libbpf messages and the list of attached probes\n");
}

static void time_format(uint64_t ts_ns, char *text, size_t len)
{
	time_t secs = ts_ns / 1000000000;
	struct tm tm;

	localtime_r(&secs, &tm);
	strftime(text, len, "%H:%M:%S", &tm);
	snprintf(text + strlen(text), len - strlen(text), ".%06llu",
		 (unsigned long long)(ts_ns % 1000000000) / 1000);
}

/* The start line of a SIP message (RFC 3261 §7.1), printable characters only. */
static void first_line(const struct tls_data *data, char *line)
{
	size_t n = 0;

	while (n < data->len && n < FIRST_LINE_MAX && data->bytes[n] != '\r' &&
	       data->bytes[n] != '\n') {
		line[n] = data->bytes[n] >= 0x20 && data->bytes[n] < 0x7f ? data->bytes[n] : '.';
		n++;
	}
	line[n] = '\0';
}

static void text_print(const struct tls_event *ev)
{
	const struct tls_handshake *hs = &ev->handshake;
	char when[32], line[FIRST_LINE_MAX + 1];

	time_format(ev->ts_ns, when, sizeof(when));
	printf("%s conn=%llu %s:%u -> %s:%u %s[%u] ", when, (unsigned long long)ev->conn,
	       ip_addr_text(&ev->laddr).text, ev->lport, ip_addr_text(&ev->raddr).text, ev->rport,
	       ev->comm, ev->pid);
	switch (ev->kind) {
	case TLS_EVENT_HANDSHAKE_BEGIN:
		printf("handshake begin as %s\n", hs->role ? hs->role : "?");
		break;
	case TLS_EVENT_HANDSHAKE_END:
		printf("handshake %s as %s after %.3f ms", hs->ok ? "ok" : "FAILED",
		       hs->role ? hs->role : "?", hs->duration_ns / 1e6);
		if (!hs->ok)
			printf(": %s [%s; seen at %s%s]", hs->error, hs->error_detail, hs->ended_by,
			       hs->after_handshake ? ", after the handshake call returned success"
						   : "");
		if (hs->verify_error)
			printf(" verify: %s", hs->verify_error);
		printf("\n");
		break;
	case TLS_EVENT_VERIFY:
		printf("verify result: %s\n", hs->verify_error);
		break;
	case TLS_EVENT_DATA:
		first_line(&ev->data, line);
		printf("sip %s \"%s\" %zu bytes%s\n", ev->data.out ? "out" : "in", line,
		       ev->data.total_len, ev->data.truncated ? " (truncated)" : "");
		break;
	case TLS_EVENT_SECRETS:
		printf("secrets");
		for (size_t i = 0; i < ev->secrets.count; i++)
			printf(" %s", tls_secret_label_name(ev->secrets.secrets[i].label));
		printf("%s\n", ev->secrets.count ? "" : " not readable");
		break;
	}
	fflush(stdout);
}

static void json_print(const struct tls_event *tls)
{
	struct event ev;
	struct json_line line;

	if (tls_event_to_event(tls, &ev))
		return;
	if (!event_json_line(&ev, &line, NULL)) {
		fwrite(line.text, 1, line.len, stdout);
		fflush(stdout);
	}
	json_line_release(&line);
	event_release(&ev);
}

static void on_event(const struct tls_event *ev, void *ctx)
{
	struct trace_opts *opts = ctx;

	if (ev->kind == TLS_EVENT_SECRETS && opts->keylog_out && !opts->keylog_err)
		opts->keylog_err = keylog_out_write(opts->keylog_out, &ev->secrets);
	if (opts->json)
		json_print(ev);
	else
		text_print(ev);
}

static int args_parse(int argc, char **argv, struct trace_opts *trace, struct ssl_probe_opts *probe,
		      struct port_set *ports)
{
	static const struct option longopts[] = {{"ssl-lib", required_argument, NULL, 'l'},
						 {"ports", required_argument, NULL, 'p'},
						 {"json", no_argument, NULL, 'j'},
						 {"duration", required_argument, NULL, 'd'},
						 {"handshakes-only", no_argument, NULL, 'H'},
						 {"keylog-out", required_argument, NULL, 'k'},
						 {"verbose", no_argument, NULL, 'v'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	char why[256];
	char *end;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			probe->ssl_lib = optarg;
			break;
		case 'p':
			if (port_set_parse(ports, optarg, why, sizeof(why))) {
				fprintf(stderr, "siptrail tls-trace: --ports: %s\n", why);
				return -EINVAL;
			}
			break;
		case 'j':
			trace->json = true;
			break;
		case 'd':
			trace->duration_s = strtod(optarg, &end);
			if (*end != '\0' || trace->duration_s <= 0) {
				fprintf(stderr,
					"siptrail tls-trace: --duration %s: expected seconds "
					"> 0\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'H':
			probe->per_message = false;
			break;
		case 'k':
			trace->keylog_path = optarg;
			break;
		case 'v':
			trace->verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "siptrail tls-trace: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static double monotonic_s(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec + now.tv_nsec / 1e9;
}

static int trace_run(struct ssl_probe *probe, const struct trace_opts *trace)
{
	double deadline = trace->duration_s > 0 ? monotonic_s() + trace->duration_s : 0;
	struct ssl_probe_stats stats;
	int ret = 0;

	while (!exiting && (!deadline || monotonic_s() < deadline)) {
		ret = ssl_probe_poll(probe, 100);
		if (ret == -EINTR) {
			ret = 0;
			continue;
		}
		if (ret < 0) {
			fprintf(stderr, "siptrail tls-trace: %s\n",
				*ssl_probe_error(probe) ? ssl_probe_error(probe) : strerror(-ret));
			return EXIT_USAGE;
		}
	}
	ssl_probe_poll(probe, 0);
	ssl_probe_stats(probe, &stats);
	if (stats.ringbuf_full || stats.bad_records)
		fprintf(stderr,
			"siptrail tls-trace: lost %llu events (ring buffer full), %llu "
			"unreadable records\n",
			(unsigned long long)stats.ringbuf_full,
			(unsigned long long)stats.bad_records);
	return EXIT_OK;
}

int cmd_tls_trace(int argc, char **argv)
{
	static struct port_set ports; /* 64 KiB: not on the stack */
	struct trace_opts trace = {0};
	/* plaintext through libssl is this command's job: per message unless told otherwise */
	struct ssl_probe_opts probe_opts = {.ports = &ports, .per_message = true};
	struct ssl_probe *probe;
	char err[512];
	int ret;

	port_set_parse(&ports, "5060,5061", err, sizeof(err)); /* the default */
	ret = args_parse(argc, argv, &trace, &probe_opts, &ports);
	if (ret != 0)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (!trace.verbose)
		libbpf_set_print(libbpf_quiet);

	if (trace.keylog_path &&
	    !(trace.keylog_out = keylog_out_open(trace.keylog_path, err, sizeof(err)))) {
		fprintf(stderr, "siptrail tls-trace: %s\n", err);
		return EXIT_USAGE;
	}
	ret = ssl_probe_open(&probe_opts, on_event, &trace, &probe, err, sizeof(err));
	if (ret != 0) {
		fprintf(stderr, "siptrail tls-trace: %s\n", err);
		if (trace.keylog_out)
			fclose(trace.keylog_out);
		return EXIT_USAGE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "siptrail tls-trace: probing %s and %s\n", ssl_probe_ssl_lib(probe),
		ssl_probe_crypto_lib(probe));
	if (trace.verbose)
		fprintf(stderr, "siptrail tls-trace: attached %s\n", ssl_probe_attached(probe));
	for (size_t i = 0; i < ssl_probe_notices(probe)->count; i++)
		fprintf(stderr, "siptrail tls-trace: without %s\n",
			ssl_probe_notices(probe)->lines[i]);
	ret = trace_run(probe, &trace);
	ssl_probe_close(probe);
	if (trace.keylog_out && (fclose(trace.keylog_out) != 0 || trace.keylog_err)) {
		fprintf(stderr, "siptrail tls-trace: cannot write --keylog-out %s\n",
			trace.keylog_path);
		ret = EXIT_USAGE;
	}
	return ret;
}
