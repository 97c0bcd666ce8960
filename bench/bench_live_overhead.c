/* Overhead of tracing: CPU per SIP-sized message on a loopback TCP request/response load,
 * with no tracer, with `siptrail live` (its defaults: sockets, libssl probe and wire capture),
 * with `tcpdump -w` of the same port (the anchor: what a user would otherwise run) and with
 * libbpf-tools tcplife, interleaved in one run. CPU = the load's own user+sys time (the
 * kernel-side cost of BPF programs and of copying packets to a capture lands there) plus the
 * tracer's user+sys time during the load window; the figure to read is the median of each
 * round's ratio to its own no-tracer run (the machine drifts across rounds). A second, direct
 * figure is taken too: the time the kernel measured inside the tracer's BPF programs
 * (BPF_ENABLE_STATS run_time_ns), their hits per message and cost per hit, plus the tracer's
 * own CPU time, per message, in extra rounds of their own (the statistics add two clock reads
 * to every program run, so it errs high; it leaves out what is not a BPF program: the
 * tracepoint dispatch, the packet copy and, for uprobes, the trap into the kernel). Needs root.
 * Not a test. */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "poll_rounds.h"

#define PORT_DEFAULT 25090 /* BENCH_PORT=N to use another */
/* Rounds, a multiple of the number of modes (each takes each place in a round equally
 * often): by default the first multiple from 12. BENCH_ROUNDS=N takes N. */
#define ROUNDS_DEFAULT	  12
#define ROUNDS_MAX	  30
#define DIRECT_ROUNDS	  3
#define MESSAGE_BYTES	  600 /* a typical SIP request on a trunk */
#define TCPLIFE		  "/usr/sbin/tcplife"
#define TCPDUMP		  "/usr/bin/tcpdump"
#define TCPDUMP_FILE	  "/tmp/stlive-bench.pcap"
#define MAX_PROGS	  4096
#define MAX_SIPTRAIL_ARGS 16

enum tracer {
	TRACER_NONE,
	TRACER_SIPTRAIL,
	TRACER_NO_WIRE,
	TRACER_TCPDUMP,
	TRACER_TCPLIFE,
	TRACER_COUNT
};

/* BENCH_TRACERS names them (comma-separated keys; "none" is always run). */
static const struct {
	const char *key, *name;
	const char *ready; /* what it prints once attached */
} tracers[TRACER_COUNT] = {
    {"none", "none", NULL},
    {"siptrail", "siptrail live", "tracing"},
    {"nowire", "siptrail --no-wire", "tracing"}, /* libssl probed per handshake */
    {"tcpdump", "tcpdump -w", "listening on"},
    {"tcplife", "tcplife", "PID"},
};

#define TRACERS_DEFAULT "siptrail,tcpdump,tcplife"

/* The modes of this run, in order, none first. */
static enum tracer modes[TRACER_COUNT];
static int mode_count;

/* 30,000 round trips each: a trunk's long-lived connections, and heavy connection churn;
 * then a TLS trunk, where the libssl probe sees every SSL_read and SSL_write. */
struct scenario {
	const char *name;
	int connections;
	int msgs_per_conn;
	bool tls;
};

static const struct scenario scenarios[] = {
    {"trunk (1000 messages per connection)", 30, 1000, false},
    {"churn (20 messages per connection)", 1500, 20, false},
    {"TLS trunk (1000 messages per connection, TLS 1.3)", 30, 1000, true},
};

/* One end of a connection: plain TCP, or TLS over it. */
struct bench_conn {
	int fd;
	SSL *ssl;
};

static SSL_CTX *server_ctx, *client_ctx;

static int listener;
static unsigned port = PORT_DEFAULT;
static char port_text[8];

static void die(const char *what)
{
	fprintf(stderr, "bench_live_overhead: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void full_io(const struct bench_conn *conn, char *buf, size_t len, bool writing)
{
	while (len) {
		ssize_t n;

		if (conn->ssl)
			n = writing ? SSL_write(conn->ssl, buf, len)
				    : SSL_read(conn->ssl, buf, len);
		else
			n = writing ? write(conn->fd, buf, len) : read(conn->fd, buf, len);
		if (n <= 0)
			die(writing ? "write" : "read");
		buf += n;
		len -= n;
	}
}

/* Messages are MESSAGE_BYTES of 'x', which no tracer reads as SIP; BENCH_SIP=1: SIP requests
 * of that size, so a tracer that reads SIP makes an event of every message, each way (the
 * server echoes it). */
static bool sip_messages;
static int rounds_run;

/* Message SEQ of connection CONN as SIP over BUF's 'x' bytes (its body): an OPTIONS, the CSeq
 * counting, one Call-ID per connection. */
static void sip_message(char *buf, int conn, int seq)
{
	static const char head[] = "OPTIONS sip:bench@127.0.0.1 SIP/2.0\r\n"
				   "Via: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-%06d-%06d\r\n"
				   "From: <sip:load@127.0.0.1>;tag=%06d\r\n"
				   "To: <sip:bench@127.0.0.1>\r\n"
				   "Call-ID: bench-%06d@127.0.0.1\r\n"
				   "CSeq: %06d OPTIONS\r\n"
				   "Max-Forwards: 70\r\n"
				   "Content-Length: %03d\r\n\r\n";
	char text[MESSAGE_BYTES];
	/* the fields are fixed-width, so the head's length does not depend on them */
	int head_len = snprintf(text, sizeof(text), head, conn, seq, conn, conn, seq + 1, 0);

	snprintf(text, sizeof(text), head, conn, seq, conn, conn, seq + 1,
		 MESSAGE_BYTES - head_len);
	memcpy(buf, text, head_len);
}

/* TLS on FD for a TLS scenario (CTX NULL: plain TCP). */
static struct bench_conn conn_open(int fd, SSL_CTX *ctx)
{
	struct bench_conn conn = {fd, NULL};

	if (!ctx)
		return conn;
	conn.ssl = SSL_new(ctx);
	if (!conn.ssl || !SSL_set_fd(conn.ssl, fd) ||
	    (ctx == server_ctx ? SSL_accept(conn.ssl) : SSL_connect(conn.ssl)) != 1) {
		ERR_print_errors_fp(stderr);
		die("TLS handshake");
	}
	return conn;
}

static void conn_close(struct bench_conn *conn)
{
	if (conn->ssl) {
		SSL_shutdown(conn->ssl);
		SSL_free(conn->ssl);
	}
	close(conn->fd);
}

/* A throwaway P-256 key and self-signed certificate for the TLS scenario's server; the client
 * does not verify it (the bench measures tracing, not PKI). */
static void tls_setup(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();

	server_ctx = SSL_CTX_new(TLS_server_method());
	client_ctx = SSL_CTX_new(TLS_client_method());
	if (!key || !cert || !server_ctx || !client_ctx)
		die("OpenSSL set-up");
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
				   (const unsigned char *)"bench.invalid", -1, -1, 0);
	X509_set_issuer_name(cert, X509_get_subject_name(cert));
	if (!X509_set_pubkey(cert, key) || !X509_sign(cert, key, EVP_sha256()) ||
	    SSL_CTX_use_certificate(server_ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(server_ctx, key) != 1) {
		ERR_print_errors_fp(stderr);
		die("TLS certificate");
	}
	SSL_CTX_set_min_proto_version(client_ctx, TLS1_3_VERSION);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/* Answers every request on each accepted connection with a message of the same size. */
static void *server_main(void *arg)
{
	const struct scenario *load = arg;
	char buf[MESSAGE_BYTES];

	for (int c = 0; c < load->connections; c++) {
		int fd = accept(listener, NULL, NULL);
		struct bench_conn conn;

		if (fd < 0)
			die("accept");
		conn = conn_open(fd, load->tls ? server_ctx : NULL);
		for (int m = 0; m < load->msgs_per_conn; m++) {
			full_io(&conn, buf, sizeof(buf), false);
			full_io(&conn, buf, sizeof(buf), true);
		}
		conn_close(&conn);
	}
	return NULL;
}

static double rusage_cpu_s(int who)
{
	struct rusage usage;

	getrusage(who, &usage);
	return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
	       (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* CPU time of another process, all its threads: the first field of
 * /proc/PID/task/TID/schedstat, in ns (/proc/PID/stat counts 10 ms ticks, too coarse for one
 * round of a tracer that wakes every 100 ms). */
static double process_cpu_s(pid_t pid)
{
	char path[64];
	struct dirent *task;
	double total_ns = 0;
	DIR *tasks;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	tasks = opendir(path);
	if (!tasks)
		die(path);
	while ((task = readdir(tasks))) {
		unsigned long long ns;
		char stat_path[384];
		FILE *stat_file;

		if (task->d_name[0] == '.')
			continue;
		snprintf(stat_path, sizeof(stat_path), "%s/%s/schedstat", path, task->d_name);
		stat_file = fopen(stat_path, "r");
		if (!stat_file)
			continue; /* the thread ended */
		if (fscanf(stat_file, "%llu", &ns) == 1)
			total_ns += ns;
		fclose(stat_file);
	}
	closedir(tasks);
	return total_ns / 1e9;
}

/* Run time and run count of every BPF program loaded now, by program id. */
struct prog_times {
	size_t count;
	struct {
		__u32 id;
		char name[BPF_OBJ_NAME_LEN];
		__u32 type;
		__u64 run_time_ns, run_cnt;
	} prog[MAX_PROGS];
};

static void prog_times_read(struct prog_times *times)
{
	__u32 id = 0;

	times->count = 0;
	while (times->count < MAX_PROGS && !bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			times->prog[times->count].id = id;
			memcpy(times->prog[times->count].name, info.name, sizeof(info.name));
			times->prog[times->count].type = info.type;
			times->prog[times->count].run_time_ns = info.run_time_ns;
			times->prog[times->count].run_cnt = info.run_cnt;
			times->count++;
		}
		close(fd);
	}
}

static bool prog_times_has(const struct prog_times *times, __u32 id)
{
	for (size_t i = 0; i < times->count; i++)
		if (times->prog[i].id == id)
			return true;
	return false;
}

/* What the tracer's BPF programs did between two readings. */
struct bpf_use {
	double ns, hits;
	double uprobe_hits; /* of hits, those of uprobes: each also a trap the statistics miss */
};

/* The use of the programs that were not loaded before the tracer started, between two
 * readings; with BENCH_VERBOSE, each program's share per call. */
static struct bpf_use prog_times_tracer(const struct prog_times *before_tracer,
					const struct prog_times *start,
					const struct prog_times *end)
{
	struct bpf_use use = {0};

	for (size_t i = 0; i < end->count; i++) {
		__u64 ns = end->prog[i].run_time_ns, calls = end->prog[i].run_cnt;

		if (prog_times_has(before_tracer, end->prog[i].id))
			continue;
		for (size_t j = 0; j < start->count; j++) {
			if (start->prog[j].id == end->prog[i].id) {
				ns -= start->prog[j].run_time_ns;
				calls -= start->prog[j].run_cnt;
			}
		}
		use.ns += ns;
		use.hits += calls;
		/* no kprobes on these hosts (lockdown): a kprobe-type program is a uprobe */
		if (end->prog[i].type == BPF_PROG_TYPE_KPROBE)
			use.uprobe_hits += calls;
		if (getenv("BENCH_VERBOSE") && calls)
			fprintf(stderr, "    %-16s %9llu calls %7.1f ns/call\n", end->prog[i].name,
				(unsigned long long)calls, (double)ns / calls);
	}
	return use;
}

/* CPU per message of one load run; bpf_s: time inside the tracer's BPF programs, when the
 * statistics are on. */
struct load_cost {
	double cpu_s;	 /* load + tracer user+sys */
	double tracer_s; /* the tracer's own user+sys */
	double bpf_s;
	double floor_s;	    /* of bpf_s, what the statistics' own clock reads account for */
	double hits;	    /* BPF program runs per message */
	double uprobe_hits; /* of those, uprobes */
};

/* An empty program on sock_send_length, loaded by the bench itself: what the kernel's
 * statistics report for a program that does nothing is their own cost (two sched_clock reads,
 * about 100 ns each way on a VM's kvm-clock), the floor under every per-call figure. */
static int ruler_fd = -1;

static void ruler_load(void)
{
	struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP);
	int btf_id = libbpf_find_vmlinux_btf_id("sock_send_length", BPF_TRACE_RAW_TP);

	if (btf_id < 0)
		die("BTF of the sock_send_length tracepoint");
	opts.attach_btf_id = btf_id;
	ruler_fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "bench_ruler", "GPL", insns, 2, &opts);
	if (ruler_fd < 0 || bpf_raw_tracepoint_open(NULL, ruler_fd) < 0)
		die("load the empty ruler program");
}

static void ruler_read(__u64 *run_time_ns, __u64 *run_cnt)
{
	struct bpf_prog_info info = {0};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(ruler_fd, &info, &len))
		die("read the ruler program's statistics");
	*run_time_ns = info.run_time_ns;
	*run_cnt = info.run_cnt;
}

/* Runs the load and returns its cost per message. BEFORE_TRACER: the programs loaded before
 * the tracer started (NULL: no statistics taken). */
static struct load_cost run_load(const struct scenario *load, pid_t tracer,
				 const struct prog_times *before_tracer)
{
	static struct prog_times start, end;
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
	double cpu_before = rusage_cpu_s(RUSAGE_SELF), tracer_before = process_cpu_s(tracer);
	char buf[MESSAGE_BYTES];
	double load_s, tracer_s;
	pthread_t server;

	double messages = 2.0 * load->connections * load->msgs_per_conn;
	struct load_cost cost = {0};

	memset(buf, 'x', sizeof(buf));
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	__u64 ruler_ns = 0, ruler_calls = 0, ruler_ns_end, ruler_calls_end;

	if (before_tracer) {
		prog_times_read(&start);
		ruler_read(&ruler_ns, &ruler_calls);
	}
	if (pthread_create(&server, NULL, server_main, (void *)load))
		die("pthread_create");
	for (int c = 0; c < load->connections; c++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct bench_conn conn;

		if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)))
			die("connect");
		conn = conn_open(fd, load->tls ? client_ctx : NULL);
		for (int m = 0; m < load->msgs_per_conn; m++) {
			if (sip_messages)
				sip_message(buf, c, m);
			full_io(&conn, buf, sizeof(buf), true);
			full_io(&conn, buf, sizeof(buf), false);
		}
		conn_close(&conn);
	}
	pthread_join(server, NULL);
	/* Let the tracer consume the last events before reading its CPU time: siptrail reads
	 * them at its next poll round, which can be POLL_ROUND_MAX_MS away on a trunk. */
	usleep((POLL_ROUND_MAX_MS + 200) * 1000);
	load_s = rusage_cpu_s(RUSAGE_SELF) - cpu_before;
	tracer_s = process_cpu_s(tracer) - tracer_before;
	if (getenv("BENCH_VERBOSE"))
		/* the tracer's time in µs: a trunk round holds only 2-5 ms of it */
		fprintf(stderr, "load %.3f s, tracer %.6f s\n", load_s, tracer_s);
	if (before_tracer) {
		struct bpf_use use;

		prog_times_read(&end);
		ruler_read(&ruler_ns_end, &ruler_calls_end);
		use = prog_times_tracer(before_tracer, &start, &end);
		cost.bpf_s = use.ns / 1e9 / messages;
		cost.hits = use.hits / messages;
		cost.uprobe_hits = use.uprobe_hits / messages;
		if (ruler_calls_end > ruler_calls)
			cost.floor_s = (double)(ruler_ns_end - ruler_ns) /
				       (ruler_calls_end - ruler_calls) * use.hits / 1e9 / messages;
		if (getenv("BENCH_VERBOSE"))
			fprintf(stderr, "    (empty program: %.1f ns/call)\n",
				(double)(ruler_ns_end - ruler_ns) /
				    (ruler_calls_end - ruler_calls));
	}
	cost.cpu_s = (load_s + tracer_s) / messages;
	cost.tracer_s = tracer_s / messages;
	return cost;
}

/* Whether FILE holds TEXT. */
static bool file_has(const char *file, const char *text)
{
	char content[4096];
	size_t len;
	FILE *in = fopen(file, "r");

	if (!in)
		return false;
	len = fread(content, 1, sizeof(content) - 1, in);
	fclose(in);
	content[len] = '\0';
	return strstr(content, text);
}

/* Waits until FILE holds READY, the tracer's word that it is attached: a tracer told to stop
 * before it handles SIGINT would not stop (a background job ignores SIGINT until it sets a
 * handler). */
static void wait_ready(const char *file, const char *ready, const char *tracer, pid_t pid)
{
	for (int i = 0; i < 400; i++) {
		if (file_has(file, ready))
			return;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	fprintf(stderr, "bench_live_overhead: %s did not start (see %s)\n", tracer, file);
	exit(1);
}

/* argv of `siptrail live` (NO_WIRE: with --no-wire and the libssl probe per handshake, as the
 * defaults probe it, so the two modes differ by the packet socket alone: --no-wire by itself
 * probes every SSL_read/SSL_write, 70-90 us a TLS message instead of 15), with
 * BENCH_SIPTRAIL_ARGS's words added (space-separated, e.g. "--no-tls"; they come last, so
 * "--tls-probes message" there takes effect). */
static void siptrail_argv(bool no_wire, char *argv[MAX_SIPTRAIL_ARGS + 8])
{
	static char extra[256];
	char *word, *rest;
	int n = 0;

	argv[n++] = getenv("SIPTRAIL_BIN") ? getenv("SIPTRAIL_BIN") : "build/siptrail";
	argv[n++] = "live";
	argv[n++] = "--json";
	argv[n++] = "--ports";
	argv[n++] = port_text;
	if (no_wire) {
		argv[n++] = "--no-wire";
		argv[n++] = "--tls-probes";
		argv[n++] = "handshake";
	}
	snprintf(extra, sizeof(extra), "%s",
		 getenv("BENCH_SIPTRAIL_ARGS") ? getenv("BENCH_SIPTRAIL_ARGS") : "");
	for (word = strtok_r(extra, " ", &rest); word && n < MAX_SIPTRAIL_ARGS + 7;
	     word = strtok_r(NULL, " ", &rest))
		argv[n++] = word;
	argv[n] = NULL;
}

/* BENCH_PIN=1: the load's threads on CPU 0, each tracer on CPU 1, as on a host where the SBC
 * and the tracer do not share a core. Unpinned, on this 2-core VM the load's threads move
 * whenever a tracer wakes, and the load's own CPU grows with any tracer (tcpdump -w x1.42-x1.57
 * paired against +10-12 % direct, 2026-12-05). */
static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity (BENCH_PIN needs 2 CPUs)");
}

static pid_t start_tracer(enum tracer which, const char *ready_file)
{
	char port_filter[16];
	pid_t pid;

	snprintf(port_filter, sizeof(port_filter), "port %s", port_text);
	unlink(TCPDUMP_FILE);
	/* before the fork: the last tracer's words must not read as this one's */
	unlink(ready_file);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int ready = open(ready_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int devnull = open("/dev/null", O_WRONLY);
		char *argv[MAX_SIPTRAIL_ARGS + 8];

		/* the bench may run as a background job, which ignores SIGINT: the tracer must
		 * not inherit that */
		signal(SIGINT, SIG_DFL);
		if (getenv("BENCH_PIN"))
			pin_to_cpu(1);

		switch (which) {
		case TRACER_SIPTRAIL:
		case TRACER_NO_WIRE:
			/* It says "tracing ..." on stderr once attached. */
			dup2(devnull, STDOUT_FILENO);
			dup2(ready, STDERR_FILENO);
			siptrail_argv(which == TRACER_NO_WIRE, argv);
			execv(argv[0], argv);
			break;
		case TRACER_TCPDUMP:
			/* As a user would run it to keep the trunk's packets: every interface,
			 * TCP and UDP on the port, whole packets, to a file. "listening on" on
			 * stderr means it is capturing. */
			dup2(devnull, STDOUT_FILENO);
			dup2(ready, STDERR_FILENO);
			execl(TCPDUMP, "tcpdump", "-i", "any", "-w", TCPDUMP_FILE, port_filter,
			      NULL);
			break;
		default:
			/* tcplife's tracepoint programs need tracefs, which a host may not
			 * mount: give it one in a private mount namespace when there is none (a
			 * second mount on the same point fails). Its header line on stdout
			 * (line-buffered by stdbuf) means it is attached. */
			dup2(ready, STDOUT_FILENO);
			execl("/usr/bin/unshare", "unshare", "--mount", "--propagation", "private",
			      "sh", "-c",
			      "{ mountpoint -q /sys/kernel/tracing || "
			      "mount -t tracefs nodev /sys/kernel/tracing; } && exec stdbuf "
			      "-oL " TCPLIFE,
			      NULL);
			break;
		}
		_exit(127);
	}
	wait_ready(ready_file, tracers[which].ready, tracers[which].name, pid);
	/* Its start-up CPU (BPF load and verification) is not part of the overhead. */
	usleep(500000);
	return pid;
}

static void stop_tracer(pid_t pid)
{
	int status;

	kill(pid, SIGINT);
	waitpid(pid, &status, 0);
	unlink(TCPDUMP_FILE);
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int compare_cost(const void *a, const void *b)
{
	const struct load_cost *x = a, *y = b;
	double tx = x->bpf_s + x->tracer_s, ty = y->bpf_s + y->tracer_s;

	return (tx > ty) - (tx < ty);
}

/* Median, and the spread as the lowest and highest of the rounds' values (sorted in place). */
static double median_of(double *values, double *low, double *high)
{
	qsort(values, rounds_run, sizeof(double), compare_double);
	*low = values[0];
	*high = values[rounds_run - 1];
	return values[rounds_run / 2];
}

static void print_loadavg(const char *when)
{
	char line[128] = "?";
	FILE *file = fopen("/proc/loadavg", "r");

	if (file) {
		if (!fgets(line, sizeof(line), file))
			snprintf(line, sizeof(line), "?\n");
		fclose(file);
	}
	printf("  load average %s: %s", when, line);
}

/* The direct figure of tracer T: DIRECT_ROUNDS rounds with the kernel's statistics on; the
 * round with the median total is printed. */
static void run_direct(const struct scenario *load, enum tracer t, const char *ready_file,
		       double none_s)
{
	static struct prog_times before_tracer;
	struct load_cost rounds[DIRECT_ROUNDS], direct;

	for (int round = 0; round < DIRECT_ROUNDS; round++) {
		int stats_fd;
		pid_t tracer;

		prog_times_read(&before_tracer);
		tracer = start_tracer(t, ready_file);
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0)
			die("BPF_ENABLE_STATS");
		if (getenv("BENCH_VERBOSE"))
			fprintf(stderr, "  %s, BPF programs:\n", tracers[t].name);
		rounds[round] = run_load(load, tracer, &before_tracer);
		close(stats_fd);
		stop_tracer(tracer);
	}
	qsort(rounds, DIRECT_ROUNDS, sizeof(rounds[0]), compare_cost);
	direct = rounds[DIRECT_ROUNDS / 2];
	printf("  direct: %-18s %6.3f us/message of its own CPU + %5.3f us/message in its BPF "
	       "programs (%.2f hits/message, %.0f ns/hit; uprobe hits %.2f/message) = %+.1f %% of "
	       "no tracer; less the statistics' own floor (%5.3f us/message): %+.1f %%\n",
	       tracers[t].name, direct.tracer_s * 1e6, direct.bpf_s * 1e6, direct.hits,
	       direct.hits ? direct.bpf_s * 1e9 / direct.hits : 0, direct.uprobe_hits,
	       (direct.bpf_s + direct.tracer_s) / none_s * 100, direct.floor_s * 1e6,
	       (direct.bpf_s - direct.floor_s + direct.tracer_s) / none_s * 100);
}

static void run_scenario(const struct scenario *load, const char *ready_file)
{
	double cpu_per_msg[TRACER_COUNT][ROUNDS_MAX], ratio[TRACER_COUNT][ROUNDS_MAX];
	double median[TRACER_COUNT], low, high;

	printf("%s:\n", load->name);
	print_loadavg("before");
	/* Interleaved rounds, the order rotating, so drift on a shared machine hits every mode
	 * alike: the VM here slows by 10-15 % over a scenario. */
	for (int round = 0; round < rounds_run; round++) {
		for (int i = 0; i < mode_count; i++) {
			enum tracer t = modes[(round + i) % mode_count];
			pid_t tracer = t == TRACER_NONE ? 0 : start_tracer(t, ready_file);

			cpu_per_msg[t][round] = run_load(load, tracer, NULL).cpu_s;
			if (tracer)
				stop_tracer(tracer);
		}
		for (int i = 0; i < mode_count; i++)
			ratio[modes[i]][round] =
			    cpu_per_msg[modes[i]][round] / cpu_per_msg[TRACER_NONE][round];
	}
	for (int i = 0; i < mode_count; i++) {
		enum tracer t = modes[i];

		median[t] = median_of(cpu_per_msg[t], &low, &high);
		printf("  %-18s %7.2f us CPU/message  (x%.3f of no tracer; rounds %.2f-%.2f us)\n",
		       tracers[t].name, median[t] * 1e6, median[t] / median[TRACER_NONE], low * 1e6,
		       high * 1e6);
	}
	/* Each round against its own no-tracer run: what drift across rounds leaves out. */
	for (int i = 1; i < mode_count; i++) {
		enum tracer t = modes[i];
		double paired = median_of(ratio[t], &low, &high);

		printf("  paired: %-18s x%.3f (%+.1f %%; median of the rounds' own ratios; rounds "
		       "x%.3f to x%.3f)\n",
		       tracers[t].name, paired, (paired - 1) * 100, low, high);
	}
	for (int i = 1; i < mode_count; i++)
		run_direct(load, modes[i], ready_file, median[TRACER_NONE]);
	print_loadavg("after");
	fflush(stdout);
}

/* The modes BENCH_TRACERS names, none first. Returns false on an unknown name. */
static bool modes_choose(const char *names)
{
	char list[128], *word, *rest;

	modes[mode_count++] = TRACER_NONE;
	snprintf(list, sizeof(list), "%s", names);
	for (word = strtok_r(list, ",", &rest); word; word = strtok_r(NULL, ",", &rest)) {
		int t = TRACER_SIPTRAIL;

		while (t < TRACER_COUNT && strcmp(tracers[t].key, word))
			t++;
		if (t == TRACER_COUNT || mode_count == TRACER_COUNT)
			return false;
		modes[mode_count++] = t;
	}
	return mode_count > 1;
}

int main(void)
{
	struct sockaddr_in at = {.sin_family = AF_INET};
	char ready_file[] = "/tmp/stlive-bench-ready";
	int one = 1;

	if (geteuid() != 0) {
		fprintf(stderr, "bench_live_overhead: needs root (it loads eBPF programs)\n");
		return 1;
	}
	if (!modes_choose(getenv("BENCH_TRACERS") ? getenv("BENCH_TRACERS") : TRACERS_DEFAULT)) {
		fprintf(stderr, "bench_live_overhead: BENCH_TRACERS: a comma-separated list of "
				"siptrail, nowire, tcpdump, tcplife\n");
		return 1;
	}
	for (int i = 0; i < mode_count; i++) {
		const char *program = modes[i] == TRACER_TCPLIFE   ? TCPLIFE
				      : modes[i] == TRACER_TCPDUMP ? TCPDUMP
								   : NULL;

		if (program && access(program, X_OK)) {
			fprintf(stderr, "bench_live_overhead: %s missing (Debian package %s)\n",
				program, modes[i] == TRACER_TCPLIFE ? "libbpf-tools" : "tcpdump");
			return 1;
		}
	}
	if (getenv("BENCH_PIN"))
		pin_to_cpu(0);
	sip_messages = getenv("BENCH_SIP");
	rounds_run = (ROUNDS_DEFAULT + mode_count - 1) / mode_count * mode_count;
	if (getenv("BENCH_ROUNDS"))
		rounds_run = atoi(getenv("BENCH_ROUNDS"));
	if (rounds_run < mode_count || rounds_run > ROUNDS_MAX || rounds_run % mode_count) {
		fprintf(stderr,
			"bench_live_overhead: BENCH_ROUNDS must be a multiple of the number of "
			"modes (%d) up to %d\n",
			mode_count, ROUNDS_MAX);
		return 1;
	}
	if (getenv("BENCH_PORT"))
		port = strtoul(getenv("BENCH_PORT"), NULL, 10);
	if (port == 0 || port > 65535) {
		fprintf(stderr, "bench_live_overhead: BENCH_PORT must be 1-65535\n");
		return 1;
	}
	snprintf(port_text, sizeof(port_text), "%u", port);
	tls_setup();
	ruler_load();
	at.sin_port = htons(port);
	inet_pton(AF_INET, "127.0.0.1", &at.sin_addr);
	listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listener, (struct sockaddr *)&at, sizeof(at)) || listen(listener, 128))
		die("listen on the bench port (BENCH_PORT)");

	printf("live tracing overhead: loopback request/response of %d-byte %s on port %d, "
	       "CPU per message (load + tracer), median of %d interleaved rounds; direct: BPF "
	       "program time measured by the kernel + the tracer's CPU, median of %d rounds\n",
	       MESSAGE_BYTES, sip_messages ? "SIP requests" : "messages", port, rounds_run,
	       DIRECT_ROUNDS);
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		/* BENCH_ONLY=TEXT runs the scenarios whose name contains TEXT */
		if (getenv("BENCH_ONLY") && !strstr(scenarios[i].name, getenv("BENCH_ONLY")))
			continue;
		run_scenario(&scenarios[i], ready_file);
	}
	unlink(ready_file);
	close(listener);
	return 0;
}
