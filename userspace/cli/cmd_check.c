/* siptrail check: what this kernel and host give `siptrail live`, one line per item with what
 * it means for the diagnoses, and whether live tracing can run. Made to be pasted into a bug
 * report. The facts come from the same places the loaders look (kernel_facts, the tracer's own
 * tracepoint table), and then everything live would load is loaded, attached and detached at
 * once, so a "can run" is a load that worked, not a guess. */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include <openssl/crypto.h>

#include "command.h"
#include "kernel_facts.h"
#include "live_notices.h"
#include "live_tracer.h"
#include "live_wire.h"
#include "notices.h"
#include "port_set.h"
#include "ssl_events.h"
#include "ssl_probe.h"

#define DEFAULT_PORTS "5060,5061"
#define KERNEL_BTF    "/sys/kernel/btf/vmlinux"
#define LOCKDOWN_FILE "/sys/kernel/security/lockdown"
#define SECURITYFS    "/sys/kernel/security"

struct check_args {
	const char *ports_text;
	struct port_set ports;
	const char *ssl_lib;
	bool verbose;
};

/* What the run found: the first reason live cannot run (empty: it can), and the lines live
 * would print as "siptrail live: without ...". */
struct check_result {
	char cannot_run[512];
	struct notices without;
};

static const struct argp_option check_options[] = {
    {"ports", 'p', "LIST", 0,
     "the TCP ports live would trace (default " DEFAULT_PORTS "): they decide which listeners' "
     "owners are looked up",
     0},
    {"ssl-lib", 'L', "PATH", 0, "the libssl live would probe (default: the system's libssl.so.3)",
     0},
    {"verbose", 'v', NULL, 0, "show libbpf's debug output (the verifier log of a failed load)", 0},
    {0},
};

static const char check_doc[] =
    "Say what this kernel and host give siptrail live: kernel BTF, each tracepoint, the BPF map "
    "types, kernel HZ, lockdown, capabilities, then load and attach what live would (socket "
    "tracer, libssl uprobes, packet socket) and detach it at once. One line per item with what "
    "a missing one costs the diagnoses, the lines `siptrail live` would print about what it "
    "runs without, and a verdict. Exit 0 when live tracing can run, 2 when it cannot. Paste "
    "the output into bug reports.";

static error_t check_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct check_args *args = state->input;
	char why[256];

	switch (key) {
	case 'p':
		args->ports_text = arg;
		if (port_set_parse(&args->ports, arg, why, sizeof(why)))
			argp_error(state, "%s", why);
		break;
	case 'L':
		args->ssl_lib = arg;
		break;
	case 'v':
		args->verbose = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* One item: "ok", "no" or "--" (not tried, or not knowable), its name, and what was found. */
static void item(const char *status, const char *name, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void item(const char *status, const char *name, const char *format, ...)
{
	va_list args;

	printf("%-5s %-15s ", status, name);
	va_start(args, format);
	vprintf(format, args);
	va_end(args);
	putchar('\n');
}

/* The first reason wins: it is the one to fix first. */
static void cannot_run(struct check_result *result, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void cannot_run(struct check_result *result, const char *format, ...)
{
	va_list args;

	if (result->cannot_run[0])
		return;
	va_start(args, format);
	vsnprintf(result->cannot_run, sizeof(result->cannot_run), format, args);
	va_end(args);
}

static void check_kernel(void)
{
	struct utsname uts;

	if (uname(&uts) == 0)
		printf("siptrail check: Linux %s %s (%s)\n", uts.release, uts.machine, uts.version);
}

static bool effective_caps(uint64_t *caps)
{
	FILE *status = fopen("/proc/self/status", "r");
	char line[256];
	bool found = false;

	if (!status)
		return false;
	while (!found && fgets(line, sizeof(line), status))
		found = sscanf(line, "CapEff: %" SCNx64, caps) == 1;
	fclose(status);
	return found;
}

/* The capabilities live uses, and what each one's absence costs. CAP_SYS_ADMIN stands in for
 * CAP_BPF and CAP_PERFMON (it did all of their work before 5.8). */
static const struct {
	int cap;
	const char *name;
	bool admin_will_do;
	const char *without;
} live_caps[] = {
    {CAP_BPF, "CAP_BPF", true, "no BPF program loads"},
    {CAP_PERFMON, "CAP_PERFMON", true, "no tracepoint or uprobe attaches"},
    {CAP_NET_RAW, "CAP_NET_RAW", false, "no packet socket"},
    {CAP_SYS_PTRACE, "CAP_SYS_PTRACE", false,
     "no owners for listeners older than the start (pidfd_getfd)"},
};

static void check_capabilities(void)
{
	char have[128] = "", lacks[512] = "";
	size_t have_len = 0, lacks_len = 0;
	uint64_t caps;
	bool admin;

	if (!effective_caps(&caps)) {
		item("--", "capabilities", "cannot read CapEff in /proc/self/status");
		return;
	}
	admin = caps & (1ULL << CAP_SYS_ADMIN);
	for (size_t i = 0; i < sizeof(live_caps) / sizeof(live_caps[0]); i++) {
		if (caps & (1ULL << live_caps[i].cap))
			have_len += snprintf(have + have_len, sizeof(have) - have_len, " %s",
					     live_caps[i].name);
		else if (!(admin && live_caps[i].admin_will_do))
			lacks_len +=
			    snprintf(lacks + lacks_len, sizeof(lacks) - lacks_len, "; no %s: %s",
				     live_caps[i].name, live_caps[i].without);
	}
	if (admin)
		have_len += snprintf(have + have_len, sizeof(have) - have_len, " CAP_SYS_ADMIN");
	item(lacks_len ? "no" : "ok", "capabilities", "%s%s", have_len ? have + 1 : "none", lacks);
}

/* live refuses to start unless root; the capabilities say what root may do here (a
 * container's root often may not load BPF). */
static bool check_privileges(struct check_result *result)
{
	bool root = geteuid() == 0;

	if (root) {
		item("ok", "root", "uid 0");
	} else {
		item("no", "root", "running as uid %u -> siptrail live refuses to start",
		     geteuid());
		cannot_run(result, "not root; run it as root (sudo siptrail live)");
	}
	check_capabilities();
	return root;
}

/* The mode in brackets: "none [integrity] confidentiality". */
static void check_lockdown(void)
{
	FILE *file = fopen(LOCKDOWN_FILE, "r");
	char line[128] = "", mode[32] = "";
	struct statfs fs;
	const char *open;

	if (!file) {
		if (statfs(SECURITYFS, &fs) == 0 && fs.f_type == SECURITYFS_MAGIC)
			item("ok", "lockdown", "none (no lockdown LSM in this kernel)");
		else
			item("--", "lockdown",
			     "unknown: securityfs is not mounted on " SECURITYFS
			     " (mount -t securityfs securityfs " SECURITYFS " to read it); the "
			     "loads below tell whether it is in the way");
		return;
	}
	if (fgets(line, sizeof(line), file) && (open = strchr(line, '[')))
		sscanf(open + 1, "%31[^]]", mode);
	fclose(file);
	if (!strcmp(mode, "confidentiality"))
		item("no", "lockdown",
		     "confidentiality -> BPF programs may not read kernel memory, which every "
		     "siptrail program does; see the loads below");
	else
		item("ok", "lockdown",
		     "%s: siptrail attaches to tracepoints, uprobes and a packet socket, no "
		     "kprobes or fentry, so only confidentiality would be in the way",
		     mode[0] ? mode : "unreadable");
}

static bool check_btf(struct check_result *result)
{
	if (kernel_btf()) {
		item("ok", "BTF", KERNEL_BTF);
		return true;
	}
	item("no", "BTF", "%s: %s -> no BPF program of siptrail can load", KERNEL_BTF,
	     strerror(errno));
	cannot_run(result, "this kernel has no BTF; use a kernel built with "
			   "CONFIG_DEBUG_INFO_BTF=y (Debian's and Ubuntu's are)");
	return false;
}

/* The tracer's own table, so a tracepoint added to it shows up here too. */
static void check_tracepoints(void)
{
	const char *name, *lost;

	for (size_t i = 0; (name = live_tracer_tracepoint(i, &lost)); i++) {
		if (kernel_has_tracepoint(name))
			item("ok", "tracepoint", "%s", name);
		else if (lost)
			item("no", "tracepoint", "%s -> %s", name, lost);
		else
			item("no", "tracepoint", "%s -> required: no connection can be traced",
			     name);
	}
}

static void check_hz(void)
{
	char source[256];
	unsigned hz;

	if (kernel_hz(&hz, source, sizeof(source)) == 0)
		item("ok", "HZ", "%u (%s)", hz, source);
	else
		item("no", "HZ", "unknown (%s) -> idle times assume 250 Hz", source);
}

static void check_map_type(enum bpf_map_type type, const char *name, const char *use)
{
	int supported = libbpf_probe_bpf_map_type(type, NULL);

	if (supported > 0)
		item("ok", name, "%s", use);
	else if (supported == 0)
		item("no", name, "not in this kernel -> %s: see the loads below", use);
	else
		item("--", name, "cannot tell: %s", strerror(-supported));
}

static void check_maps(bool root)
{
	if (!root) {
		item("--", "BPF maps", "not tried: not root");
		return;
	}
	check_map_type(BPF_MAP_TYPE_RINGBUF, "ring buffer", "events reach siptrail through it");
	check_map_type(BPF_MAP_TYPE_SK_STORAGE, "socket storage",
		       "each connection's state (opener, idle times, owner)");
	check_map_type(BPF_MAP_TYPE_TASK_STORAGE, "task storage",
		       "each thread's SSL call in progress (libssl uprobes)");
}

/* The lowest traced port, to mark as TLS. */
static uint16_t first_traced_port(const struct port_set *ports)
{
	uint16_t port = 0;

	while (port < UINT16_MAX && !ports->traced[port])
		port++;
	return port;
}

/* The essential part: without it live does not start. Per-message probes are attached too
 * (as when live first sees TLS on a traced port), so they are tried here, not mid-run. */
static int try_tracer(const struct check_args *args, struct check_result *result,
		      struct live_tracer **tracer)
{
	const struct live_filter filter = {.ports = &args->ports, .io_on_tls_ports_only = true};
	const struct notices *notices;
	char why[512];

	if (live_tracer_open(&filter, args->verbose, NULL, NULL, tracer, why, sizeof(why))) {
		item("no", "socket tracer", "%s", why);
		cannot_run(result, "%s", why);
		return -1;
	}
	if (live_tracer_mark_tls_port(*tracer, first_traced_port(&args->ports), why, sizeof(why)))
		item("no", "send/recv", "%s -> idle times before a TLS close_notify may be short",
		     why);
	item("ok", "socket tracer", "loaded and attached on ports %s (opens, closes, idle times)",
	     args->ports_text);
	notices = live_tracer_notices(*tracer);
	for (size_t i = 0; i < notices->count; i++)
		notices_add(&result->without, "%s", notices->lines[i]);
	return 0;
}

static void on_tls_event(const struct tls_event *event, void *ctx)
{
	(void)event;
	(void)ctx;
}

/* What live's libssl probe loads, with live's options. */
static void try_libssl(const struct check_args *args, struct live_tracer *tracer,
		       struct check_result *result)
{
	struct ssl_probe_opts opts = {.ssl_lib = args->ssl_lib,
				      .ports = &args->ports,
				      .tracer = tracer,
				      .netns_inode = live_tracer_netns(tracer)};
	struct ssl_probe *probe = NULL;
	const struct notices *notices;
	char why[512];

	if (ssl_probe_open(&opts, on_tls_event, NULL, &probe, why, sizeof(why))) {
		item("no", "libssl uprobes", "%s", why);
		live_notice_no_tls(&result->without, why, true);
		return;
	}
	item("ok", "libssl uprobes", "%s (%s)", ssl_probe_ssl_lib(probe),
	     args->ssl_lib ? "given" : OpenSSL_version(OPENSSL_VERSION));
	notices = ssl_probe_notices(probe);
	/* live attaches these at the first libssl use and stops if they fail: try them now */
	if (ssl_probe_attach_io_hooks(probe) != 0) {
		item("no", "libssl I/O", "%s", ssl_probe_error(probe));
		cannot_run(result,
			   "the libssl probe cannot tie SSL objects to sockets (%s), which stops "
			   "live at the first libssl use; run live with --no-tls",
			   ssl_probe_error(probe));
	} else {
		item("ok", "libssl I/O", "SSL objects tied to sockets through %s",
		     ssl_probe_io_by_syscalls(probe)
			 ? "the socket system calls (read, write, sendto, recvfrom, "
			   "sendmsg, recvmsg)"
			 : "the sock_send_length/sock_recv_length tracepoints");
	}
	/* live attaches the per-message probes for connections older than its start */
	if (ssl_probe_data_probes_attach(probe, why, sizeof(why)) != 0)
		item("no", "libssl data",
		     "%s -> SIP inside TLS on connections older than the start "
		     "is not seen",
		     why);
	else if (!ssl_probe_per_message(probe))
		item("ok", "libssl mode",
		     "per handshake possible: secrets found in OpenSSL's objects (live "
		     "--tls-probes handshake)");
	for (size_t i = 0; i < notices->count; i++)
		notices_add(&result->without, "%s", notices->lines[i]);
	ssl_probe_close(probe);
}

static int on_wire_event(void *ctx, struct event *event)
{
	(void)ctx;
	(void)event;
	return 0;
}

static void try_packet_socket(const struct check_args *args, struct check_result *result)
{
	const struct wire_source_config config = {.ports = &args->ports};
	struct live_wire *wire = NULL;
	char why[512];

	if (live_wire_open(&config, on_wire_event, NULL, NULL, 0, &wire, why, sizeof(why))) {
		item("no", "packet socket", "%s", why);
		live_notice_no_wire(&result->without, why);
		return;
	}
	item("ok", "packet socket", "AF_PACKET with its socket filter (SIP and TLS records)");
	live_wire_close(wire);
}

/* Load, attach and detach at once what live would. */
static void try_live(const struct check_args *args, bool root, struct check_result *result)
{
	struct live_tracer *tracer = NULL;

	if (!root) {
		item("--", "loads", "not tried: not root");
		return;
	}
	if (try_tracer(args, result, &tracer) == 0) {
		try_libssl(args, tracer, result);
		try_packet_socket(args, result);
	}
	live_tracer_close(tracer);
}

static void print_verdict(const struct check_result *result)
{
	if (result->cannot_run[0]) {
		printf("live tracing: cannot run: %s\n", result->cannot_run);
		return;
	}
	if (result->without.count == 0)
		printf("siptrail live runs with everything\n");
	live_notices_print(stdout, &result->without);
	printf("live tracing: can run\n");
}

static int libbpf_print(enum libbpf_print_level level, const char *format, va_list args)
{
	(void)level;
	return vfprintf(stderr, format, args);
}

int cmd_check(int argc, char **argv)
{
	const struct argp argp = {check_options, check_parse_opt, NULL, check_doc};
	struct check_args args = {.ports_text = DEFAULT_PORTS};
	struct check_result result = {0};
	char why[256];
	bool root;

	port_set_parse(&args.ports, DEFAULT_PORTS, why, sizeof(why));
	argv[0] = "siptrail check";
	argp_err_exit_status = EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, 0, NULL, &args))
		return EXIT_USAGE;
	/* the map probes run before the tracer sets its own printer, quiet unless -v */
	libbpf_set_print(args.verbose ? libbpf_print : NULL);
	check_kernel();
	root = check_privileges(&result);
	check_lockdown();
	if (check_btf(&result)) {
		check_tracepoints();
		check_hz();
		check_maps(root);
		try_live(&args, root, &result);
	}
	print_verdict(&result);
	return result.cannot_run[0] ? EXIT_USAGE : EXIT_OK;
}
