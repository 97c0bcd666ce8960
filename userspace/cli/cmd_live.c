/* siptrail live: TCP socket lifetimes of SIP connections on this host, as they happen. */
#include <argp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pcap/dlt.h>
#include <poll.h>
#include <sys/stat.h>

#include "cgroup_path.h"
#include "command.h"
#include "journal_file.h"
#include "live_notices.h"
#include "live_pipeline.h"
#include "live_privileges.h"
#include "poll_rounds.h"
#include "live_signals.h"
#include "live_tracer.h"
#include "hep_export.h"
#include "metrics_text.h"
#include "live_wire.h"
#include "pcapng_write.h"
#include "port_set.h"
#include "sock_record_events.h"
#include "ssl_events.h"
#include "keylog_out.h"
#include "ssl_probe.h"
#include "start_conns.h"

#define DEFAULT_PORTS		   "5060,5061"
#define NSEC_PER_SEC		   1000000000LL
#define KERNEL_BTF		   "/sys/kernel/btf/vmlinux"
#define STDOUT_BUFFER		   (64 << 10)
#define SIPS_PORT		   5061
#define METRICS_INTERVAL_DEFAULT_S 15

/* --tls-probes */
enum tls_probes {
	TLS_PROBES_AUTO,      /* per handshake with the wire path (it decrypts), else per message */
	TLS_PROBES_HANDSHAKE, /* handshakes and secrets only */
	TLS_PROBES_MESSAGE,   /* every SSL_read/SSL_write too */
};

struct live_args {
	const char *ports_text;
	struct port_set ports;
	uint32_t pid;
	const char *cgroup;
	bool json;
	const char *journal_path;
	struct journal_rotation rotation; /* --rotate, --keep */
	double duration_s;		  /* 0 = until SIGINT/SIGTERM */
	bool verbose;
	bool no_tls;
	const char *ssl_lib;
	bool no_wire;
	enum tls_probes tls_probes;
	const char *keylog_out_path;
	const char *ca_file;
	const char *ca_path;
	const char *pcap_out_path;
	const char *keylog_path;
	const char *metrics_dir;
	double metrics_interval_s;
	struct hep_export_config hep; /* target NULL: no HEP */
	struct live_user user;	      /* --user; name empty: stays root */
};

struct live_run {
	struct live_pipeline pipe;
	int64_t wall_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC at start */
	struct sock_losses losses_reported;
	struct ssl_probe_stats tls_losses_reported;
	struct live_wire *wire; /* NULL with --no-wire */
	bool packets_flowing;	/* the last round read packets: their ring is not polled */
	struct live_wire_counts wire_reported;
	struct tls_keylog_file keylog_file; /* --keylog, read as it grows; path NULL: none */
	struct live_tracer *tracer;
	bool tls_marking;     /* TLS ports are marked as the probe and the wire path find them */
	bool tls_mark_failed; /* said once */
	struct metrics metrics;
	const char *pcap_out_path;		     /* NULL: no --pcap-out */
	const char *metrics_dir;		     /* NULL: no metrics */
	int64_t metrics_interval_ns, metrics_due_ns; /* CLOCK_MONOTONIC */
	bool metrics_failing;			     /* the last write failed (said once) */
	/* Per-handshake mode: connections older than the start, read per message meanwhile */
	struct start_conns old_conns;
	int64_t old_conns_checked_ns; /* CLOCK_MONOTONIC */
	int64_t losses_checked_ns;    /* CLOCK_MONOTONIC */
};

/* long options without a short one */
enum {
	OPT_ROTATE = 0x100,
	OPT_KEEP,
	OPT_METRICS_DIR,
	OPT_METRICS_INTERVAL,
	OPT_HEP,
	OPT_HEP_ID,
	OPT_HEP_NAME,
	OPT_KEYLOG,
	OPT_TLS_PROBES,
	OPT_KEYLOG_OUT,
	OPT_USER,
};

static const struct argp_option live_options[] = {
    {"ports", 'p', "LIST", 0,
     "TCP ports to trace, local or remote: PORT or LOW-HIGH, "
     "comma-separated (default " DEFAULT_PORTS ")",
     0},
    {"pid", 'P', "PID", 0, "only sockets of this process", 0},
    {"cgroup", 'c', "PATH", 0, "only sockets of this cgroup v2 directory or below it", 0},
    {"json", 'j', NULL, 0, "print JSON lines (the journal format) instead of text", 0},
    {"write", 'w', "FILE", 0, "also append the events to journal FILE (JSON lines, mode 0600)", 0},
    {"rotate", OPT_ROTATE, "SIZE,INTERVAL", 0,
     "rotate the --write journal when it reaches SIZE (64M, 1G) and/or holds INTERVAL of events "
     "(30min, 1h, 1d): FILE becomes FILE.1, FILE.1 FILE.2 and so on",
     0},
    {"keep", OPT_KEEP, "N", 0,
     "rotated journals kept besides FILE (default 10); the oldest beyond are dropped", 0},
    {"metrics-dir", OPT_METRICS_DIR, "DIR", 0,
     "write counters for alerting to DIR/siptrail.prom (Prometheus text format, for "
     "node_exporter's textfile collector)",
     0},
    {"metrics-interval", OPT_METRICS_INTERVAL, "SECONDS", 0,
     "how often --metrics-dir's file is rewritten (default 15)", 0},
    {"hep", OPT_HEP, "[udp:|tcp:]HOST:PORT", 0,
     "send every SIP message (TLS too) and every diagnosis to a HEPv3 collector (Homer, "
     "heplify-server, Kamailio sipcapture); UDP unless tcp: is given",
     0},
    {"hep-id", OPT_HEP_ID, "N", 0, "HEP capture agent id (default 2001)", 0},
    {"hep-name", OPT_HEP_NAME, "NAME", 0, "HEP capture agent name (default: the host name)", 0},
    {"user", OPT_USER, "NAME", 0,
     "once the programs are loaded, run as this user (journal, capture and metrics "
     "directories must be writable by it); with or without it, only the capabilities still "
     "used are kept",
     0},
    {"duration", 'd', "SECONDS", 0, "stop after this many seconds", 0},
    {"ssl-lib", 'L', "PATH", 0,
     "libssl to probe for TLS handshakes and SIP inside TLS (default: the system's "
     "libssl.so.3; a program with OpenSSL linked in statically works too)",
     0},
    {"no-tls", 'T', NULL, 0, "do not probe libssl (sockets only)", 0},
    {"tls-probes", OPT_TLS_PROBES, "handshake|message", 0,
     "handshake: probe libssl per handshake only and read its secrets, the SIP inside TLS "
     "coming from the wire's decrypted records; message: probe every SSL_read/SSL_write too "
     "(several traps per message in the traced process). Default: handshake when the wire "
     "path decrypts TLS and the probed libssl's layout is learnt, else message",
     0},
    {"keylog-out", OPT_KEYLOG_OUT, "FILE", 0,
     "append the TLS secrets read at each handshake to FILE in NSS key log format "
     "(SSLKEYLOGFILE, for Wireshark; mode 0600)",
     0},
    {"no-wire", 'W', NULL, 0,
     "do not capture packets (no TLS hello/alert/chain or SIP events from the wire)", 0},
    {"ca-file", 'A', "FILE", 0,
     "trust store for the chains seen on the wire: PEM bundle (default: the system's)", 0},
    {"ca-path", 'C', "DIR", 0, "trust store directory (c_rehash layout)", 0},
    {"pcap-out", 'o', "FILE", 0,
     "also write pcapng: the packets on the traced ports, plus the SIP read from TLS as "
     "synthetic packets marked by a comment (Wireshark, sngrep, siptrail replay)",
     0},
    {"keylog", OPT_KEYLOG, "FILE", 0,
     "decrypt the TLS records on the wire with the secrets of this NSS key log "
     "(SSLKEYLOGFILE format, read as it grows): SIP inside TLS from the packets",
     0},
    {"verbose", 'v', NULL, 0, "show libbpf's debug output", 0},
    {0},
};

static const char live_doc[] =
    "Trace TCP connections on SIP ports in this network namespace: who opened each one (so who "
    "is the TLS client), how long it lived and sat idle, who closed it first and how (fin, "
    "rst_in, rst_out, refused, timeout). Needs root and kernel BTF. Stops on SIGINT/SIGTERM "
    "or after --duration, then prints a summary line with the events seen and lost.";

static error_t live_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct live_args *args = state->input;
	char why[256];
	char *end;
	long pid, keep;
	long long hep_id;

	switch (key) {
	case 'p':
		args->ports_text = arg;
		if (port_set_parse(&args->ports, arg, why, sizeof(why)))
			argp_error(state, "%s", why);
		break;
	case 'P':
		errno = 0;
		pid = strtol(arg, &end, 10);
		if (errno || *end || pid <= 0 || pid > INT32_MAX)
			argp_error(state, "bad --pid '%s' (want a process id)", arg);
		args->pid = pid;
		break;
	case 'c':
		args->cgroup = arg;
		break;
	case 'j':
		args->json = true;
		break;
	case 'w':
		args->journal_path = arg;
		break;
	case OPT_ROTATE:
		if (journal_rotation_parse(arg, &args->rotation, why, sizeof(why)))
			argp_error(state, "%s", why);
		break;
	case OPT_KEEP:
		errno = 0;
		keep = strtol(arg, &end, 10);
		if (errno || *end || keep < 1 || keep > JOURNAL_KEEP_MAX)
			argp_error(state, "bad --keep '%s' (want 1 to %d)", arg, JOURNAL_KEEP_MAX);
		args->rotation.keep = keep;
		break;
	case OPT_METRICS_DIR:
		args->metrics_dir = arg;
		break;
	case OPT_METRICS_INTERVAL:
		errno = 0;
		args->metrics_interval_s = strtod(arg, &end);
		if (errno || *end || !(args->metrics_interval_s > 0))
			argp_error(state, "bad --metrics-interval '%s' (want seconds > 0)", arg);
		break;
	case OPT_HEP:
		args->hep.target = arg;
		break;
	case OPT_HEP_ID:
		errno = 0;
		hep_id = strtoll(arg, &end, 10);
		if (errno || *end || hep_id < 0 || hep_id > UINT32_MAX)
			argp_error(state, "bad --hep-id '%s' (want 0 to %u)", arg, UINT32_MAX);
		args->hep.capture_id = (uint32_t)hep_id;
		break;
	case OPT_HEP_NAME:
		args->hep.capture_name = arg;
		break;
	case OPT_USER:
		if (live_user_lookup(arg, &args->user, why, sizeof(why)))
			argp_error(state, "%s", why);
		break;
	case ARGP_KEY_END:
		if ((args->rotation.max_bytes || args->rotation.max_age_ns) && !args->journal_path)
			argp_error(state, "--rotate needs --write FILE");
		if (args->rotation.keep && !args->rotation.max_bytes && !args->rotation.max_age_ns)
			argp_error(state, "--keep needs --rotate");
		if (args->metrics_interval_s && !args->metrics_dir)
			argp_error(state, "--metrics-interval needs --metrics-dir");
		if ((args->hep.capture_name || args->hep.capture_id != HEP_CAPTURE_ID_DEFAULT) &&
		    !args->hep.target)
			argp_error(state, "--hep-id and --hep-name need --hep");
		break;
	case 'd':
		errno = 0;
		args->duration_s = strtod(arg, &end);
		if (errno || *end || !(args->duration_s > 0))
			argp_error(state, "bad --duration '%s' (want seconds > 0)", arg);
		break;
	case 'v':
		args->verbose = true;
		break;
	case 'L':
		args->ssl_lib = arg;
		break;
	case OPT_TLS_PROBES:
		if (strcmp(arg, "handshake") && strcmp(arg, "message"))
			argp_error(state, "--tls-probes %s: expected handshake or message", arg);
		args->tls_probes =
		    strcmp(arg, "handshake") ? TLS_PROBES_MESSAGE : TLS_PROBES_HANDSHAKE;
		break;
	case OPT_KEYLOG_OUT:
		args->keylog_out_path = arg;
		break;
	case 'T':
		args->no_tls = true;
		break;
	case 'W':
		args->no_wire = true;
		break;
	case 'A':
		args->ca_file = arg;
		break;
	case 'C':
		args->ca_path = arg;
		break;
	case 'o':
		args->pcap_out_path = arg;
		break;
	case OPT_KEYLOG:
		args->keylog_path = arg;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int64_t clock_ns(clockid_t clock)
{
	struct timespec now;

	clock_gettime(clock, &now);
	return (int64_t)now.tv_sec * NSEC_PER_SEC + now.tv_nsec;
}

static int on_sock_event(void *ctx, const struct sock_event *event)
{
	struct live_run *run = ctx;
	struct event events[SOCK_RECORD_EVENTS_MAX];
	int count = sock_record_to_events(event, run->wall_offset_ns, events);
	int err = 0;

	for (int i = 0; i < count; i++) {
		int emit_err = live_pipeline_emit(&run->pipe, &events[i]);

		err = err ? err : emit_err;
	}
	/* after the conn_open is out, so wire events waiting for this socket can follow */
	if (!err && run->wire)
		err = live_wire_socket(run->wire, event);
	return err;
}

/* TLS seen on a port: the socket tracer times its sockets' I/O from now on (the close_notify
 * rule). A failure is said once and the run goes on without the rule. */
static void tls_port_seen(struct live_run *run, uint16_t port)
{
	char why[160];

	if (!run->tls_marking || run->tls_mark_failed ||
	    !live_tracer_mark_tls_port(run->tracer, port, why, sizeof(why)))
		return;
	run->tls_mark_failed = true;
	fprintf(stderr, "siptrail live: %s; idle times before a TLS close_notify may be short\n",
		why);
}

/* A TLS hello on the wire, whatever TLS library the host runs. */
static void on_wire_tls_port(void *ctx, uint16_t port)
{
	tls_port_seen(ctx, port);
}

/* A wire event tied to its socket. */
static int on_wire_event(void *ctx, struct event *event)
{
	struct live_run *run = ctx;

	return live_pipeline_emit(&run->pipe, event);
}

static void on_tls_event(const struct tls_event *event, void *ctx)
{
	struct live_run *run = ctx;

	/* The probe marked the port in the kernel already; this attaches the I/O probes. */
	if (event->conn) {
		tls_port_seen(run, event->lport);
		tls_port_seen(run, event->rport);
	}
	live_pipeline_tls_event(&run->pipe, event);
}

/* How often the loss counters are read: the packet ring's is a system call (30 us of CPU on a
 * VM), at every round a twentieth of live's own CPU on a trunk (perf). */
#define LOSSES_CHECK_NS NSEC_PER_SEC

/* A "lost" event whenever a loss counter moved (looked at once a second), and once at the end
 * (final). */
static int report_losses(struct live_run *run, struct live_tracer *tracer,
			 const struct ssl_probe *probe, bool final)
{
	struct live_wire_counts wire_now = {0};
	struct ssl_probe_stats tls_now = {0};
	struct sock_losses now;
	struct event event;
	int64_t now_ns = clock_ns(CLOCK_MONOTONIC);
	int err;

	if (!final && now_ns - run->losses_checked_ns < LOSSES_CHECK_NS)
		return 0;
	run->losses_checked_ns = now_ns;
	live_tracer_losses(tracer, final, &now);
	if (probe)
		ssl_probe_stats(probe, &tls_now);
	if (run->wire && (err = live_wire_counts(run->wire, &wire_now)))
		return err;
	if (!final && !memcmp(&now, &run->losses_reported, sizeof(now)) &&
	    tls_now.ringbuf_full == run->tls_losses_reported.ringbuf_full &&
	    !(run->wire && live_wire_losses_changed(&wire_now, &run->wire_reported)))
		return 0;
	run->losses_reported = now;
	run->tls_losses_reported = tls_now;
	run->wire_reported = wire_now;
	sock_losses_to_event(&now, clock_ns(CLOCK_REALTIME), &event);
	if (run->wire)
		live_wire_losses(&wire_now, &event.lost);
	event.lost.ringbuf_tls = tls_now.ringbuf_full;
	return live_pipeline_emit(&run->pipe, &event);
}

/* Rewrites the metrics file when due (FORCE: now). A failure is said once, until a write
 * works again; tracing goes on either way. */
static void metrics_write(struct live_run *run, bool force)
{
	int64_t now_ns = clock_ns(CLOCK_MONOTONIC);
	char why[512];

	struct hep_export_counts hep_counts;

	if (!run->metrics_dir || (!force && now_ns < run->metrics_due_ns))
		return;
	if (run->pipe.hep) {
		hep_export_counts(run->pipe.hep, &hep_counts);
		run->metrics.hep_sent = hep_counts.sent;
		run->metrics.hep_unsent = hep_counts.unsent;
	}
	run->metrics_due_ns = now_ns + run->metrics_interval_ns;
	if (!metrics_file_write(run->metrics_dir, &run->metrics, why, sizeof(why))) {
		run->metrics_failing = false;
		return;
	}
	if (!run->metrics_failing)
		fprintf(stderr, "siptrail live: %s\n", why);
	run->metrics_failing = true;
}

/* Adds a source's count of records or packets to *read; its error, or 0. */
static int counted(int *read, int got)
{
	if (got < 0)
		return got;
	*read += got;
	return 0;
}

/* Waits for socket records or packets, then handles all sources: packets first, so the events
 * they yield are waiting when the socket records that name their connections arrive. Returns
 * how many records and packets were read, or a negative errno. */
static int live_poll_once(struct live_run *run, struct live_tracer *tracer, struct ssl_probe *probe,
			  int timeout_ms, bool final)
{
	struct pollfd fds[3] = {{live_tracer_fd(tracer), POLLIN, 0}};
	nfds_t n_fds = 1;
	int err = 0, read = 0;

	if (run->wire && !run->packets_flowing) /* poll_rounds.h */
		fds[n_fds++] = (struct pollfd){live_wire_fd(run->wire), POLLIN, 0};
	if (probe)
		fds[n_fds++] = (struct pollfd){ssl_probe_fd(probe), POLLIN, 0};
	if (timeout_ms && poll(fds, n_fds, timeout_ms) < 0)
		return -errno;
	if (run->wire) {
		int packets = live_wire_poll(run->wire, clock_ns(CLOCK_REALTIME), false);

		run->packets_flowing = packets > 0;
		err = counted(&read, packets);
	}
	/* TLS records before socket records too: a connection's last SSL_read may wait in the
	 * probe's buffer when its conn_end arrives, and its SIP must be framed before the
	 * connection's stream is dropped. */
	if (!err && probe)
		err = counted(&read, ssl_probe_poll(probe, 0));
	if (!err)
		err = counted(&read, live_tracer_poll(tracer, 0));
	if (!err && run->wire && final)
		err = counted(&read, live_wire_poll(run->wire, clock_ns(CLOCK_REALTIME), true));
	return err ? err : read;
}

/* WAIT_MS, or less when the run's end or the metrics file is due sooner. */
static int round_wait_ms(const struct live_run *run, int64_t deadline_ns, int wait_ms)
{
	int64_t due_ns = deadline_ns, left_ns;

	if (run->metrics_dir && run->metrics_due_ns < due_ns)
		due_ns = run->metrics_due_ns;
	left_ns = due_ns - clock_ns(CLOCK_MONOTONIC);
	if (left_ns >= (int64_t)wait_ms * 1000000)
		return wait_ms;
	return left_ns > 0 ? (int)((left_ns + 999999) / 1000000) : 0;
}

#define OLD_CONNS_CHECK_NS NSEC_PER_SEC

/* Per-handshake mode: the connections on traced ports already open at the start had their
 * handshakes before the probes, so no secrets: SSL_read/SSL_write are probed (for them alone)
 * until the last of them has ended. */
static void old_conns_start(struct live_run *run, const struct live_args *args,
			    struct ssl_probe *probe)
{
	char why[256];
	int err;

	if (ssl_probe_per_message(probe))
		return;
	err = start_conns_collect(&run->old_conns, &args->ports);
	if (err)
		snprintf(why, sizeof(why), "cannot list the TCP sockets: %s", strerror(-err));
	else if (!run->old_conns.count)
		return;
	/* their processes' next SSL call must find the socket programs in place */
	else if ((err = ssl_probe_attach_io_hooks(probe)))
		snprintf(why, sizeof(why), "%s", ssl_probe_error(probe));
	else
		err = ssl_probe_data_probes_attach(probe, why, sizeof(why));
	if (err) {
		fprintf(stderr,
			"siptrail live: %s: the SIP inside TLS on connections older than the "
			"start is not seen\n",
			why);
		start_conns_free(&run->old_conns);
		return;
	}
	fprintf(stderr,
		"siptrail live: %zu connections on traced ports older than the start: their TLS "
		"plaintext is read per message (SSL_read/SSL_write probed) until they have ended\n",
		run->old_conns.count);
}

static void old_conns_check(struct live_run *run, struct ssl_probe *probe)
{
	int64_t now_ns = clock_ns(CLOCK_MONOTONIC);
	int left;

	if (!probe || !run->old_conns.count ||
	    now_ns - run->old_conns_checked_ns < OLD_CONNS_CHECK_NS)
		return;
	run->old_conns_checked_ns = now_ns;
	left = start_conns_refresh(&run->old_conns);
	if (left != 0) /* an error keeps the probes: the count says nothing */
		return;
	ssl_probe_data_probes_detach(probe);
	fprintf(stderr, "siptrail live: the connections older than the start have ended: "
			"SSL_read/SSL_write no longer probed\n");
}

/* SIGHUP: the journal and the capture are created anew where they were moved away from, and
 * the metrics file (replaced whole at every write) is written now. A file that cannot be
 * reopened is said, and its events go on into the file already open. */
static void files_reopen(struct live_run *run)
{
	struct journal_file *journal = run->pipe.output.journal;
	char why[512];
	int err;

	if (journal && journal_file_reopen(journal, why, sizeof(why)))
		fprintf(stderr, "siptrail live: %s\n", why);
	if (run->pipe.pcap_out &&
	    (err = pcapng_writer_reopen(run->pipe.pcap_out, run->pcap_out_path)))
		fprintf(stderr, "siptrail live: cannot reopen %s: %s\n", run->pcap_out_path,
			strerror(-err));
	metrics_write(run, true);
}

/* --keylog: the lines a TLS library appended since the last round. An error is said once,
 * and the file is no longer read. */
static void follow_keylog(struct live_run *run)
{
	char why[256];

	if (!run->keylog_file.path ||
	    !tls_keylog_follow(run->pipe.keylog, &run->keylog_file, clock_ns(CLOCK_MONOTONIC), why,
			       sizeof(why)))
		return;
	fprintf(stderr, "siptrail live: key log no longer read: %s\n", why);
	run->keylog_file.path = NULL;
}

static int live_loop(struct live_run *run, struct live_tracer *tracer, struct ssl_probe *probe,
		     double duration_s)
{
	int64_t deadline_ns = duration_s > 0
				  ? clock_ns(CLOCK_MONOTONIC) + (int64_t)(duration_s * NSEC_PER_SEC)
				  : INT64_MAX;
	int64_t read_ns = clock_ns(CLOCK_MONOTONIC), now_ns;
	int err = 0, wait_ms = POLL_ROUND_MIN_MS;

	while (!live_stop_requested() && clock_ns(CLOCK_MONOTONIC) < deadline_ns) {
		if (live_reopen_requested())
			files_reopen(run);
		follow_keylog(run);
		err = live_poll_once(run, tracer, probe, round_wait_ms(run, deadline_ns, wait_ms),
				     false);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0)
			break;
		now_ns = clock_ns(CLOCK_MONOTONIC);
		wait_ms = poll_round_wait_ms(err, now_ns - read_ns, run->packets_flowing);
		read_ns = now_ns;
		err = live_tracer_sweep(tracer, false);
		if (err < 0)
			break;
		old_conns_check(run, probe);
		err = report_losses(run, tracer, probe, false);
		if (err)
			break;
		live_pipeline_tick(&run->pipe, clock_ns(CLOCK_REALTIME));
		metrics_write(run, false);
		fflush(stdout);
	}
	/* Drain what the kernel already queued before the final count, with the key log's last
	 * lines read first: records held for their secrets are decrypted, not counted lost. */
	follow_keylog(run);
	if (err >= 0)
		err = live_poll_once(run, tracer, probe, 0, true);
	if (err >= 0)
		err = live_tracer_sweep(tracer, true);
	if (err >= 0)
		err = report_losses(run, tracer, probe, true);
	return err < 0 ? err : 0;
}

static void print_wire_summary(struct live_wire *wire, bool decrypting)
{
	struct live_wire_counts counts;

	if (live_wire_counts(wire, &counts))
		return;
	fprintf(stderr,
		"siptrail live: wire: %llu packets, %llu dropped in the kernel, %llu TCP streams "
		"(%llu not followed), %llu wire events, %llu without a traced socket\n",
		(unsigned long long)counts.source.packets, (unsigned long long)counts.source.drops,
		(unsigned long long)counts.source.streams,
		(unsigned long long)counts.source.streams_dropped,
		(unsigned long long)counts.resolver.written,
		(unsigned long long)counts.resolver.unmatched);
	if (decrypting) {
		char text[256];

		tls_decrypt_counts_text(&counts.source.tls_decrypt, text, sizeof(text));
		fprintf(stderr, "siptrail live: wire TLS records: %s\n", text);
	}
}

/* Into a file or a pipe, write() only when 64 KiB are ready or a poll round ends (live_loop
 * flushes every round, so `siptrail live | grep` still sees lines within POLL_ROUND_MAX_MS): with
 * stdio's default 4 KiB, write() was a tenth of live's CPU on connection churn. A terminal
 * stays line-buffered. */
static void buffer_stdout(void)
{
	static char buffer[STDOUT_BUFFER];

	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, buffer, _IOFBF, sizeof(buffer));
}

static int live_preflight(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "siptrail live: must run as root (it loads eBPF programs)\n");
		return -EPERM;
	}
	if (access(KERNEL_BTF, R_OK)) {
		fprintf(stderr,
			"siptrail live: kernel has no BTF (%s: %s); it needs a kernel "
			"built with CONFIG_DEBUG_INFO_BTF\n",
			KERNEL_BTF, strerror(errno));
		return -ENOENT;
	}
	return 0;
}

/* A SIP server already running when siptrail starts (it holds a traced listener) made its
 * SSL_CTX long before: its next handshake is the first libssl use siptrail sees, and the
 * message it writes right after could beat the attachment of the programs that tie SSL
 * objects to sockets, and be dropped. Such a server gets them attached at once. */
static int io_hooks_for_running_servers(const struct live_run *run, struct ssl_probe *probe)
{
	const struct pid_list *owners = live_tracer_listener_owners(run->tracer);

	for (size_t i = 0; i < owners->count; i++)
		if (ssl_probe_lib_mapped_by(probe, owners->pids[i]))
			return ssl_probe_attach_io_hooks(probe);
	return 0;
}

static int tls_probe_open(const struct live_args *args, struct live_run *run,
			  struct ssl_probe **probe, char *why, size_t why_len)
{
	struct ssl_probe_opts opts = {.ssl_lib = args->ssl_lib,
				      .ports = &args->ports,
				      .netns_inode = live_tracer_netns(run->tracer),
				      .pid_view = live_tracer_pid_view(run->tracer),
				      .tracer = run->tracer};
	int err;

	/* without the wire path nothing decrypts: the plaintext must come from the probes */
	opts.per_message = args->tls_probes == TLS_PROBES_MESSAGE ||
			   (args->tls_probes == TLS_PROBES_AUTO && args->no_wire);

	opts.pid = args->pid;
	if (args->cgroup) {
		err = cgroup_path_id(args->cgroup, &opts.cgroup_id, why, why_len);
		if (err)
			return err;
	}
	err = ssl_probe_open(&opts, on_tls_event, run, probe, why, why_len);
	if (!err && (err = io_hooks_for_running_servers(run, *probe))) {
		snprintf(why, why_len, "%s", ssl_probe_error(*probe));
		ssl_probe_close(*probe);
		*probe = NULL;
	}
	return err;
}

/* One line per thing this run goes without, before it starts tracing. */
static void print_summary(const struct live_run *run, struct live_tracer *tracer)
{
	struct sock_losses losses;
	uint64_t tls_lost = run->tls_losses_reported.ringbuf_full;

	live_tracer_losses(tracer, true, &losses);
	fprintf(stderr,
		"siptrail live: %llu events, %llu lost (ring buffer %llu, map full %llu, "
		"tls ring buffer %llu), %llu probe calls skipped by the kernel; %lu failure "
		"diagnoses, %lu warnings\n",
		(unsigned long long)run->pipe.events_seen,
		(unsigned long long)(losses.ringbuf_open + losses.ringbuf_end + losses.map_full +
				     tls_lost),
		(unsigned long long)(losses.ringbuf_open + losses.ringbuf_end),
		(unsigned long long)losses.map_full, (unsigned long long)tls_lost,
		(unsigned long long)losses.skipped, run->pipe.failures, run->pipe.warnings);
	if (run->tls_losses_reported.unmapped)
		fprintf(stderr,
			"siptrail live: %llu TLS events dropped: their SSL object was never tied "
			"to a socket (docs/tls-uprobes.md)\n",
			(unsigned long long)run->tls_losses_reported.unmapped);
	if (run->pipe.secrets_unread)
		fprintf(
		    stderr,
		    "siptrail live: %llu TLS handshakes whose secrets could not be read from "
		    "libssl: the SIP inside those connections is not seen (docs/tls-uprobes.md)\n",
		    (unsigned long long)run->pipe.secrets_unread);
	if (run->pipe.sip_sources.dropped)
		fprintf(
		    stderr,
		    "siptrail live: %llu SIP messages inside TLS came both from the libssl probe "
		    "and from the decrypted records: each connection's were kept from the first "
		    "source only (docs/tls-decryption.md)\n",
		    (unsigned long long)run->pipe.sip_sources.dropped);
	if (losses.ends_unseen)
		fprintf(stderr,
			"siptrail live: %llu connection ends the socket tracer missed, sent when "
			"their socket was found gone (end_unseen, docs/live.md)\n",
			(unsigned long long)losses.ends_unseen);
}

/* Everything is loaded and attached: what is no longer needed goes. The metrics file is
 * written once more, so a directory the new user cannot write is said before tracing. */
static int privileges_drop(const struct live_args *args, struct live_run *run,
			   const struct ssl_probe *probe, char *why, size_t why_len)
{
	const struct live_needs needs = {.reads_key_log = args->keylog_path != NULL,
					 .attaches_perf_events =
					     probe && ssl_probe_io_by_syscalls(probe)};
	const char *owned[3] = {NULL};
	size_t n_owned = 0;
	int err;

	if (args->journal_path)
		owned[n_owned++] = args->journal_path;
	if (args->pcap_out_path)
		owned[n_owned++] = args->pcap_out_path;
	err = live_privileges_drop(&args->user, &needs, owned, why, why_len);

	if (!err && run->metrics_dir)
		err = metrics_file_write(run->metrics_dir, &run->metrics, why, why_len);
	return err;
}

int cmd_live(int argc, char **argv)
{
	const struct argp argp = {live_options, live_parse_opt, NULL, live_doc};
	struct live_args args = {.ports_text = DEFAULT_PORTS,
				 .hep.capture_id = HEP_CAPTURE_ID_DEFAULT};
	struct hep_export *hep = NULL;
	char host_name[256];
	struct live_run run = {0};
	struct live_tracer *tracer = NULL;
	struct ssl_probe *probe = NULL;
	struct pcapng_writer *pcap_out = NULL;
	struct notices notices = {0};
	struct journal_file journal_file;
	struct journal_file *journal = NULL;
	bool pipe_open = false;
	char why[512];
	int err;

	port_set_parse(&args.ports, DEFAULT_PORTS, why, sizeof(why));
	argv[0] = "siptrail live";
	argp_err_exit_status = EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, 0, NULL, &args))
		return EXIT_USAGE;
	if (live_preflight())
		return EXIT_USAGE;
	buffer_stdout();
	if (args.journal_path) {
		if (journal_file_open(&journal_file, args.journal_path, &args.rotation, stderr, why,
				      sizeof(why))) {
			fprintf(stderr, "siptrail live: %s\n", why);
			return EXIT_USAGE;
		}
		journal = &journal_file;
	}
	/* Raw IP: the packet socket is SOCK_DGRAM, and synthetic packets need no link layer. */
	if (args.pcap_out_path &&
	    (err = pcapng_writer_open(&pcap_out, args.pcap_out_path, DLT_RAW, UINT16_MAX))) {
		fprintf(stderr, "siptrail live: cannot create %s: %s\n", args.pcap_out_path,
			strerror(-err));
		if (journal)
			journal_file_close(journal);
		return EXIT_USAGE;
	}
	run.pcap_out_path = args.pcap_out_path;
	metrics_init(&run.metrics);
	if (args.metrics_dir) {
		run.metrics_dir = args.metrics_dir;
		run.metrics_interval_ns =
		    (int64_t)((args.metrics_interval_s ? args.metrics_interval_s
						       : METRICS_INTERVAL_DEFAULT_S) *
			      NSEC_PER_SEC);
		/* a directory that cannot take the file is a usage error, said before tracing */
		if (metrics_file_write(run.metrics_dir, &run.metrics, why, sizeof(why))) {
			fprintf(stderr, "siptrail live: %s\n", why);
			err = -EINVAL;
			goto cleanup;
		}
	}
	if (args.hep.target) {
		if (!args.hep.capture_name && !gethostname(host_name, sizeof(host_name)))
			args.hep.capture_name = host_name;
		if (hep_export_open(&args.hep, &hep, why, sizeof(why))) {
			fprintf(stderr, "siptrail live: %s\n", why);
			err = -EINVAL;
			goto cleanup;
		}
		run.metrics.hep = true;
	}
	if (live_pipeline_init(&run.pipe, args.json, journal, pcap_out,
			       run.metrics_dir ? &run.metrics : NULL, hep)) {
		fprintf(stderr, "siptrail live: out of memory\n");
		err = -ENOMEM;
		goto cleanup;
	}
	pipe_open = true;
	if (args.keylog_out_path &&
	    !(run.pipe.keylog_out = keylog_out_open(args.keylog_out_path, why, sizeof(why)))) {
		fprintf(stderr, "siptrail live: %s\n", why);
		err = -EINVAL;
		goto cleanup;
	}
	run.keylog_file.path = args.keylog_path;
	if (args.keylog_path && tls_keylog_follow(run.pipe.keylog, &run.keylog_file,
						  clock_ns(CLOCK_MONOTONIC), why, sizeof(why))) {
		fprintf(stderr, "siptrail live: key log: %s\n", why);
		err = -EINVAL;
		goto cleanup;
	}
	run.wall_offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	/* With a TLS marker running (libssl probe or wire path), only TLS ports pay for the
	 * close_notify idle rule's per-message work. */
	const struct live_filter filter = {.ports = &args.ports,
					   .pid = args.pid,
					   .cgroup = args.cgroup,
					   .io_on_tls_ports_only = !args.no_tls || !args.no_wire};
	err =
	    live_tracer_open(&filter, args.verbose, on_sock_event, &run, &tracer, why, sizeof(why));
	run.tracer = tracer;
	run.tls_marking = filter.io_on_tls_ports_only;
	/* Only socket lifetimes are essential: TLS through libssl and the wire path each turn
	 * into a notice when this host cannot give them. */
	if (!err && !args.no_tls && tls_probe_open(&args, &run, &probe, why, sizeof(why)))
		live_notice_no_tls(&notices, why, !args.no_wire);
	if (!err && !args.no_wire) {
		const struct wire_source_config wire_config = {
		    .ports = &args.ports,
		    .ca_file = args.ca_file,
		    .ca_path = args.ca_path,
		    .pcap_out = pcap_out,
		    /* the secrets of --keylog, and those the libssl probe reads per handshake */
		    .keylog = args.keylog_path || (probe && !ssl_probe_per_message(probe))
				  ? run.pipe.keylog
				  : NULL};

		if (live_wire_open(&wire_config, on_wire_event,
				   filter.io_on_tls_ports_only ? on_wire_tls_port : NULL, &run,
				   run.wall_offset_ns, &run.wire, why, sizeof(why)))
			live_notice_no_wire(&notices, why);
	}
	/* Without the wire path, which sees any TLS library's hellos, 5061 is TLS by convention
	 * (RFC 3261 §19.1.2). */
	if (!err && run.tls_marking && !run.wire)
		err = live_tracer_mark_tls_port(tracer, SIPS_PORT, why, sizeof(why));
	if (!err && (err = live_signals_install()))
		snprintf(why, sizeof(why), "cannot handle SIGINT, SIGTERM and SIGHUP: %s",
			 strerror(-err));
	/* uprobes cannot be attached once the privileges are dropped */
	if (!err && probe)
		old_conns_start(&run, &args, probe);
	if (!err)
		err = privileges_drop(&args, &run, probe, why, sizeof(why));
	if (err) {
		fprintf(stderr, "siptrail live: %s\n", why);
		goto cleanup;
	}
	live_notices_print(stderr, live_tracer_notices(tracer));
	if (probe)
		live_notices_print(stderr, ssl_probe_notices(probe));
	live_notices_print(stderr, &notices);
	if (probe)
		fprintf(stderr,
			"siptrail live: TLS through %s\nsiptrail live: libssl probed per %s\n",
			ssl_probe_ssl_lib(probe),
			ssl_probe_per_message(probe) ? "message" : "handshake");
	if (probe && args.verbose)
		fprintf(stderr, "siptrail live: attached %s\n", ssl_probe_attached(probe));
	fprintf(stderr, "siptrail live: tracing TCP ports %s in netns %u; Ctrl-C to stop\n",
		args.ports_text, live_tracer_netns(tracer));
	err = live_loop(&run, tracer, probe, args.duration_s);
	if (err && run.pipe.output_err)
		fprintf(stderr, "siptrail live: stopped: cannot write the events\n");
	else if (err)
		fprintf(stderr, "siptrail live: stopped: %s\n",
			probe && *ssl_probe_error(probe) ? ssl_probe_error(probe) : strerror(-err));
	live_pipeline_finish(&run.pipe);
	pipe_open = false;
	if (hep) {
		struct hep_export_counts hep_counts;

		hep_export_close(hep, &hep_counts);
		hep = run.pipe.hep = NULL;
		run.metrics.hep_sent = hep_counts.sent;
		run.metrics.hep_unsent = hep_counts.unsent;
		fprintf(stderr, "siptrail live: HEP to %s: %llu packets sent, %llu not sent\n",
			args.hep.target, (unsigned long long)hep_counts.sent,
			(unsigned long long)hep_counts.unsent);
	}
	metrics_write(&run, true);
	print_summary(&run, tracer);
	if (run.wire)
		print_wire_summary(run.wire, args.keylog_path);
cleanup:
	if (pipe_open)
		live_pipeline_finish(&run.pipe);
	if (run.pipe.keylog_out && fclose(run.pipe.keylog_out) && !err) {
		fprintf(stderr, "siptrail live: cannot write %s\n", args.keylog_out_path);
		err = -EIO;
	}
	live_wire_close(run.wire);
	ssl_probe_close(probe);
	start_conns_free(&run.old_conns);
	live_tracer_close(tracer);
	hep_export_close(hep, NULL);
	metrics_free(&run.metrics);
	if (fflush(stdout) && !err)
		err = -EIO;
	if (pcap_out) {
		int close_err = pcapng_writer_close(pcap_out);

		if (close_err) {
			fprintf(stderr, "siptrail live: cannot write %s: %s\n", args.pcap_out_path,
				strerror(-close_err));
			err = err ? err : close_err;
		}
	}
	if (journal) {
		int close_err = journal_file_close(journal);

		if (close_err) {
			fprintf(stderr, "siptrail live: cannot flush journal %s: %s\n",
				args.journal_path, strerror(-close_err));
			err = err ? err : close_err;
		}
	}
	return err ? EXIT_USAGE : EXIT_OK;
}
