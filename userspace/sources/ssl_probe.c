#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel_facts.h"
#include "ssl.skel.h"
#include "ssl_lib_path.h"
#include "ssl_probe.h"
#include "ssl_secret_offsets.h"

#define MAX_LINKS 32

enum probe_file { IN_SSL, IN_CRYPTO };

/* When a uprobe is attached. */
enum probe_set {
	SET_ALWAYS,
	/* per-message mode: the handshake calls of OpenSSL's API (a handshake run inside the
	 * first SSL_read/SSL_write is seen there) */
	SET_API_HANDSHAKE,
	/* per-message mode, and for connections older than the start: every read and write,
	 * and SSL_get_error, which applications call in loops */
	SET_DATA,
	/* per-handshake mode: the handshake state machines at the offsets found at start, which
	 * run every handshake step whoever calls them */
	SET_STATEM_CONNECT,
	SET_STATEM_ACCEPT,
};

struct uprobe_spec {
	const char *prog;
	const char *symbol;
	enum probe_file file;
	bool retprobe;
	bool optional; /* missing from older OpenSSL, or one of a pair */
	enum probe_set set;
};

/* Every call whose return ends a handshake or moves plaintext shares ssl_call_exit. */
static const struct uprobe_spec uprobes[] = {
    {"ssl_do_handshake_enter", "SSL_do_handshake", IN_SSL, false, false, SET_API_HANDSHAKE},
    {"ssl_call_exit", "SSL_do_handshake", IN_SSL, true, false, SET_API_HANDSHAKE},
    {"ssl_connect_enter", "SSL_connect", IN_SSL, false, false, SET_API_HANDSHAKE},
    {"ssl_call_exit", "SSL_connect", IN_SSL, true, false, SET_API_HANDSHAKE},
    {"ssl_accept_enter", "SSL_accept", IN_SSL, false, false, SET_API_HANDSHAKE},
    {"ssl_call_exit", "SSL_accept", IN_SSL, true, false, SET_API_HANDSHAKE},
    {"ssl_connect_enter", "ossl_statem_connect", IN_SSL, false, false, SET_STATEM_CONNECT},
    {"ssl_call_exit", "ossl_statem_connect", IN_SSL, true, false, SET_STATEM_CONNECT},
    {"ssl_accept_enter", "ossl_statem_accept", IN_SSL, false, false, SET_STATEM_ACCEPT},
    {"ssl_call_exit", "ossl_statem_accept", IN_SSL, true, false, SET_STATEM_ACCEPT},
    {"ssl_read_enter", "SSL_read", IN_SSL, false, false, SET_DATA},
    {"ssl_call_exit", "SSL_read", IN_SSL, true, false, SET_DATA},
    {"ssl_read_ex_enter", "SSL_read_ex", IN_SSL, false, true, SET_DATA},
    {"ssl_call_exit", "SSL_read_ex", IN_SSL, true, true, SET_DATA},
    {"ssl_write_enter", "SSL_write", IN_SSL, false, false, SET_DATA},
    {"ssl_call_exit", "SSL_write", IN_SSL, true, false, SET_DATA},
    {"ssl_write_ex_enter", "SSL_write_ex", IN_SSL, false, true, SET_DATA},
    {"ssl_call_exit", "SSL_write_ex", IN_SSL, true, true, SET_DATA},
    {"ssl_get_error_enter", "SSL_get_error", IN_SSL, false, false, SET_DATA},
    {"ssl_get_error_exit", "SSL_get_error", IN_SSL, true, false, SET_DATA},
    {"ssl_new_exit", "SSL_new", IN_SSL, true, false, SET_ALWAYS},
    {"ssl_ctx_new_enter", "SSL_CTX_new", IN_SSL, false, false, SET_ALWAYS},
    {"ssl_set_connect_state_enter", "SSL_set_connect_state", IN_SSL, false, false, SET_ALWAYS},
    {"ssl_set_accept_state_enter", "SSL_set_accept_state", IN_SSL, false, false, SET_ALWAYS},
    {"ssl_free_enter", "SSL_free", IN_SSL, false, false, SET_ALWAYS},
    {"ssl_get_verify_result_enter", "SSL_get_verify_result", IN_SSL, false, false, SET_ALWAYS},
    {"ssl_get_verify_result_exit", "SSL_get_verify_result", IN_SSL, true, false, SET_ALWAYS},
    /* OpenSSL 3 raises errors through ERR_vset_error; 1.1 through ERR_put_error. */
    {"err_vset_error_enter", "ERR_vset_error", IN_CRYPTO, false, true, SET_ALWAYS},
    {"err_put_error_enter", "ERR_put_error", IN_CRYPTO, false, true, SET_ALWAYS},
    {"x509_store_ctx_get_error_exit", "X509_STORE_CTX_get_error", IN_CRYPTO, true, false,
     SET_ALWAYS},
};

struct probe_link {
	struct bpf_link *link;
	const char *name; /* symbol or tracepoint */
	bool retprobe;
	bool data; /* SET_DATA: detached once no connection older than the start needs it */
};

struct ssl_probe {
	struct ssl *skel;
	struct ring_buffer *ringbuf;
	struct probe_link links[MAX_LINKS];
	size_t n_links;
	ssl_probe_event_fn on_event;
	void *ctx;
	int64_t realtime_offset_ns;
	uint64_t bad_records;
	bool io_hooks; /* the programs that tie SSL objects to sockets are attached */
	/* opts.tracer, when the send/receive programs can time I/O for it (conn_io_on) */
	struct live_tracer *conn_io_tracer;
	bool conn_io_taken;  /* ... and do, the tracer's own detached */
	bool io_by_syscalls; /* the kernel lacks the send/receive tracepoints */
	bool per_message;
	bool secrets; /* offsets known: handshakes' secrets are read (SSL_EVENT_SECRETS) */
	struct ssl_secret_offsets offsets;
	char io_hooks_err[160];
	char ssl_lib[PATH_MAX];
	char crypto_lib[PATH_MAX];
	char attached[1024];
	struct notices notices;
};

static int64_t realtime_offset_ns(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return (int64_t)(real.tv_sec - mono.tv_sec) * 1000000000 + (real.tv_nsec - mono.tv_nsec);
}

static int link_keep(struct ssl_probe *probe, struct bpf_link *link, const char *name,
		     bool retprobe, bool data)
{
	if (probe->n_links == MAX_LINKS) {
		bpf_link__destroy(link);
		return -E2BIG;
	}
	probe->links[probe->n_links++] = (struct probe_link){link, name, retprobe, data};
	return 0;
}

static bool spec_wanted(const struct ssl_probe *probe, enum probe_set set)
{
	switch (set) {
	case SET_ALWAYS:
		return true;
	case SET_API_HANDSHAKE:
	case SET_DATA:
		return probe->per_message;
	default:
		return !probe->per_message;
	}
}

static int uprobe_attach(struct ssl_probe *probe, const struct uprobe_spec *spec, char *err,
			 size_t err_len)
{
	/* The state machines are not exported: attached at the file offsets found at start. */
	bool statem = spec->set == SET_STATEM_CONNECT || spec->set == SET_STATEM_ACCEPT;
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = statem ? NULL : spec->symbol,
		    .retprobe = spec->retprobe);
	size_t offset = !statem				  ? 0
			: spec->set == SET_STATEM_CONNECT ? probe->offsets.statem_connect
							  : probe->offsets.statem_accept;
	const char *path = spec->file == IN_SSL ? probe->ssl_lib : probe->crypto_lib;
	struct bpf_program *prog = bpf_object__find_program_by_name(probe->skel->obj, spec->prog);
	struct bpf_link *link;
	int ret;

	if (!prog) {
		snprintf(err, err_len, "bpf program %s missing from ssl.bpf.o", spec->prog);
		return -ENOENT;
	}
	/* pid -1: every process that maps the file, also those started later. */
	link = bpf_program__attach_uprobe_opts(prog, -1, path, offset, &opts);
	if (!link) {
		ret = -errno;
		snprintf(err, err_len, "cannot attach u%sprobe %s on %s: %s",
			 spec->retprobe ? "ret" : "", spec->symbol, path, strerror(-ret));
		return ret;
	}
	return link_keep(probe, link, spec->symbol, spec->retprobe, spec->set == SET_DATA);
}

static int uprobes_attach(struct ssl_probe *probe, char *err, size_t err_len)
{
	bool error_probe = false;
	int ret;

	for (size_t i = 0; i < sizeof(uprobes) / sizeof(uprobes[0]); i++) {
		if (!spec_wanted(probe, uprobes[i].set))
			continue;
		ret = uprobe_attach(probe, &uprobes[i], err, err_len);
		if (ret != 0 && !uprobes[i].optional)
			return ret;
		if (ret == 0 && uprobes[i].file == IN_CRYPTO && !uprobes[i].retprobe)
			error_probe = true;
	}
	if (!error_probe) {
		snprintf(err, err_len,
			 "cannot attach ERR_vset_error nor ERR_put_error on %s: no failure reasons",
			 probe->crypto_lib);
		return -ENOENT;
	}
	err[0] = '\0';
	return 0;
}

int ssl_probe_data_probes_attach(struct ssl_probe *probe, char *err, size_t err_len)
{
	int ret;

	if (probe->per_message || probe->skel->bss->data_probes_on)
		return 0;
	for (size_t i = 0; i < sizeof(uprobes) / sizeof(uprobes[0]); i++) {
		if (uprobes[i].set != SET_DATA)
			continue;
		ret = uprobe_attach(probe, &uprobes[i], err, err_len);
		if (ret != 0 && !uprobes[i].optional) {
			ssl_probe_data_probes_detach(probe);
			return ret;
		}
	}
	probe->skel->bss->data_probes_on = 1;
	return 0;
}

void ssl_probe_data_probes_detach(struct ssl_probe *probe)
{
	size_t kept = 0;

	if (probe->per_message)
		return;
	probe->skel->bss->data_probes_on = 0;
	for (size_t i = 0; i < probe->n_links; i++) {
		if (probe->links[i].data)
			bpf_link__destroy(probe->links[i].link);
		else
			probe->links[kept++] = probe->links[i];
	}
	probe->n_links = kept;
}

bool ssl_probe_data_probes_on(const struct ssl_probe *probe)
{
	return probe->skel->bss->data_probes_on;
}

bool ssl_probe_io_by_syscalls(const struct ssl_probe *probe)
{
	return probe->io_by_syscalls;
}

bool ssl_probe_per_message(const struct ssl_probe *probe)
{
	return probe->per_message;
}

/* The programs that tie SSL objects to their sockets: all but the uprobes. */
static bool is_io_hook(const struct bpf_program *prog)
{
	return strncmp(bpf_program__section_name(prog), "uprobe", strlen("uprobe")) != 0;
}

static bool tracefs_has(const char *event)
{
	static const char *const roots[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	char path[256];

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/events/%s", roots[i], event);
		if (access(path, F_OK) == 0)
			return true;
	}
	return false;
}

/* Tracepoint programs find their event in tracefs, which systemd mounts at boot; a host
 * without it (a minimal VM, a container) gets it mounted where systemd would. */
static bool tracefs_event_exists(const char *event)
{
	if (tracefs_has(event))
		return true;
	return mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0 &&
	       tracefs_has(event);
}

/* Before load: the send/receive tracepoints where the kernel has them (tp_btf), else the entry
 * of the socket system calls (tracepoint/syscalls), which cost more. */
static int io_hooks_select(struct ssl_probe *probe, char *err, size_t err_len)
{
	bool tracepoints =
	    kernel_has_tracepoint("sock_send_length") && kernel_has_tracepoint("sock_recv_length");
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, probe->skel->obj)
	{
		const char *section = bpf_program__section_name(prog);

		if (is_io_hook(prog))
			bpf_program__set_autoload(prog,
						  tracepoints == !strncmp(section, "tp_btf/", 7));
	}
	if (tracepoints)
		return 0;
	probe->io_by_syscalls = true;
	if (!tracefs_event_exists("syscalls/sys_enter_sendto")) {
		snprintf(
		    err, err_len,
		    "this kernel has neither the sock_send_length/sock_recv_length tracepoints "
		    "nor system call tracepoints (tracefs events/syscalls), which tie SSL "
		    "objects to their connections");
		return -EOPNOTSUPP;
	}
	notices_add(&probe->notices,
		    "the sock_send_length tracepoint (kernels after 6.1): SSL objects are tied to "
		    "their connections through the socket system calls, which costs libssl users "
		    "more per call, and TLS on connections older than the start is not seen");
	return 0;
}

/* The programs that tie SSL objects to sockets run on every TCP send and receive of the host,
 * so they are attached when the kernel side first sees a process in scope use libssl, not at
 * start. A failure stops the run (ssl_probe_poll returns it; ssl_probe_error says which). */
int ssl_probe_attach_io_hooks(struct ssl_probe *probe)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	int ret;

	if (probe->io_hooks)
		return 0;
	bpf_object__for_each_program(prog, probe->skel->obj)
	{
		const char *event = strchr(bpf_program__section_name(prog), '/') + 1;

		if (!is_io_hook(prog) || !bpf_program__autoload(prog))
			continue;
		link = bpf_program__attach(prog);
		ret = link ? link_keep(probe, link, event, false, false) : -errno;
		if (ret != 0) {
			snprintf(probe->io_hooks_err, sizeof(probe->io_hooks_err),
				 "cannot attach %s: %s", bpf_program__section_name(prog),
				 strerror(-ret));
			return ret;
		}
	}
	probe->io_hooks = true;
	if (!probe->conn_io_tracer)
		return 0;
	/* after the attachment: for a moment both time the I/O, rather than neither */
	ret = live_tracer_io_timed_elsewhere(probe->conn_io_tracer, &probe->skel->bss->conn_io_on,
					     probe->io_hooks_err, sizeof(probe->io_hooks_err));
	probe->conn_io_taken = ret == 0;
	return ret;
}

static int on_record(void *ctx, void *data, size_t size)
{
	const struct ssl_event_head *head = data;
	struct ssl_probe *probe = ctx;
	struct tls_event ev;

	if (size >= sizeof(*head) && head->type == SSL_EVENT_IO_HOOKS_WANTED)
		return ssl_probe_attach_io_hooks(probe);
	if (tls_event_from_raw(data, size, probe->realtime_offset_ns, &ev) != 0) {
		probe->bad_records++;
		return 0;
	}
	probe->on_event(&ev, probe->ctx);
	return 0;
}

static int libs_resolve(struct ssl_probe *probe, const struct ssl_probe_opts *opts, char *err,
			size_t err_len)
{
	int ret;

	if (opts->ssl_lib) {
		if (!realpath(opts->ssl_lib, probe->ssl_lib)) {
			ret = -errno;
			snprintf(err, err_len, "--ssl-lib %s: %s", opts->ssl_lib, strerror(-ret));
			return ret;
		}
	} else if (ssl_lib_path_default(probe->ssl_lib, sizeof(probe->ssl_lib)) != 0) {
		snprintf(err, err_len, "cannot find the system's libssl.so.3; give --ssl-lib PATH");
		return -ENOENT;
	}
	if (opts->crypto_lib) {
		if (!realpath(opts->crypto_lib, probe->crypto_lib)) {
			ret = -errno;
			snprintf(err, err_len, "libcrypto %s: %s", opts->crypto_lib,
				 strerror(-ret));
			return ret;
		}
		return 0;
	}
	ret = ssl_lib_path_crypto_for(probe->ssl_lib, probe->crypto_lib, sizeof(probe->crypto_lib));
	if (ret != 0)
		snprintf(err, err_len, "cannot find the libcrypto that goes with %s: %s",
			 probe->ssl_lib, strerror(-ret));
	return ret;
}

/* Before load: the kernel's HZ, in which the socket evidence's 100 ms window is counted.
 * Unknown (no kernel config, no timer list): 250, Debian's, which makes the window 40 ms at
 * 100 Hz and 250 ms at 1000 Hz, still next to the SSL call. */
static void hz_configure(struct ssl_probe *probe)
{
	char source[256];
	unsigned hz;

	if (kernel_hz(&hz, source, sizeof(source)) == 0 && hz >= 10)
		probe->skel->rodata->kernel_hz = hz;
}

/* Before load: where the kernel side reads the secrets, and which mode it runs in. */
static void secrets_configure(struct ssl_probe *probe)
{
	const struct ssl_secret_offsets *offsets = &probe->offsets;
	typeof(probe->skel->rodata) rodata = probe->skel->rodata;

	probe->skel->bss->data_probes_on = probe->per_message;
	rodata->data_old_objects_only = !probe->per_message;
	if (!probe->secrets)
		return;
	rodata->secrets_known = 1;
	rodata->secret_off_client_random = offsets->client_random;
	rodata->secret_off_session = offsets->session;
	rodata->secret_off_master_key = offsets->master_key;
	rodata->secret_off_client_app = offsets->client_app_secret;
	rodata->secret_off_server_app = offsets->server_app_secret;
	if (offsets->client_hs_secret == SSL_SECRET_OFFSET_NONE ||
	    offsets->server_hs_secret == SSL_SECRET_OFFSET_NONE)
		return;
	rodata->secrets_hs_known = 1;
	rodata->secret_off_client_hs = offsets->client_hs_secret;
	rodata->secret_off_server_hs = offsets->server_hs_secret;
}

/* Per-handshake mode needs the secrets' places in the probed libssl, learnt only when it is
 * the file siptrail itself runs with; else every SSL_read and SSL_write is probed. */
static void mode_choose(struct ssl_probe *probe, const struct ssl_probe_opts *opts)
{
	char why[192];

	probe->secrets =
	    ssl_secret_offsets_derive(probe->ssl_lib, &probe->offsets, why, sizeof(why)) == 0;
	probe->per_message = opts->per_message || !probe->secrets;
	if (!probe->secrets && !opts->per_message)
		notices_add(
		    &probe->notices,
		    "OpenSSL's secrets (%s): the TLS plaintext comes from probes on every "
		    "SSL_read and SSL_write, several traps per message in the traced process",
		    why);
}

/* Before load: the socket tracer's TLS ports, and where the send/receive tracepoints have
 * programs (not the system calls' fallback), its sockets' storage for the close_notify
 * timing, done here in its place (bpf/conn_io.h). */
static int tracer_maps_share(struct ssl_probe *probe, struct live_tracer *tracer)
{
	int ret = bpf_map__reuse_fd(probe->skel->maps.tls_ports, live_tracer_tls_ports_fd(tracer));

	if (ret != 0 || probe->io_by_syscalls)
		return ret;
	ret = bpf_map__reuse_fd(probe->skel->maps.conns, live_tracer_conns_fd(tracer));
	if (ret != 0)
		return ret;
	probe->skel->rodata->io_on_tls_ports_only = live_tracer_io_on_tls_ports_only(tracer);
	probe->conn_io_tracer = tracer;
	return 0;
}

static int probe_load(struct ssl_probe *probe, const struct ssl_probe_opts *opts, char *err,
		      size_t err_len)
{
	int ret;

	probe->skel = ssl__open();
	if (!probe->skel) {
		ret = -errno;
		snprintf(err, err_len, "cannot open the ssl bpf object: %s", strerror(-ret));
		return ret;
	}
	ret = io_hooks_select(probe, err, err_len);
	if (ret != 0)
		return ret;
	/* No ports given: every TCP port. */
	if (opts->ports)
		memcpy((void *)probe->skel->rodata->traced_ports, opts->ports->traced,
		       sizeof(probe->skel->rodata->traced_ports));
	else
		memset((void *)probe->skel->rodata->traced_ports, 1,
		       sizeof(probe->skel->rodata->traced_ports));
	probe->skel->rodata->traced_netns = opts->netns_inode;
	probe->skel->rodata->traced_tgid = opts->pid;
	probe->skel->rodata->pid_view_dev = opts->pid_view.dev;
	probe->skel->rodata->pid_view_ino = opts->pid_view.ino;
	probe->skel->rodata->traced_cgroup_id = opts->cgroup_id;
	hz_configure(probe);
	secrets_configure(probe);
	if (opts->tracer) {
		ret = tracer_maps_share(probe, opts->tracer);
		if (ret != 0) {
			snprintf(err, err_len, "cannot share the socket tracer's maps: %s",
				 strerror(-ret));
			return ret;
		}
	}
	ret = ssl__load(probe->skel);
	if (ret != 0) {
		snprintf(err, err_len, "cannot load the ssl bpf programs: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

int ssl_probe_open(const struct ssl_probe_opts *opts, ssl_probe_event_fn on_event, void *ctx,
		   struct ssl_probe **out, char *err, size_t err_len)
{
	struct ssl_probe *probe = calloc(1, sizeof(*probe));
	int ret;

	*out = NULL;
	if (!probe) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	probe->on_event = on_event;
	probe->ctx = ctx;
	ret = libs_resolve(probe, opts, err, err_len);
	if (ret == 0) {
		mode_choose(probe, opts);
		ret = probe_load(probe, opts, err, err_len);
	}
	if (ret == 0)
		ret = uprobes_attach(probe, err, err_len);
	if (ret == 0) {
		probe->ringbuf =
		    ring_buffer__new(bpf_map__fd(probe->skel->maps.events), on_record, probe, NULL);
		if (!probe->ringbuf) {
			ret = -errno;
			snprintf(err, err_len, "cannot open the ssl ring buffer: %s",
				 strerror(-ret));
		}
	}
	if (ret != 0) {
		ssl_probe_close(probe);
		return ret;
	}
	probe->realtime_offset_ns = realtime_offset_ns();
	*out = probe;
	return 0;
}

int ssl_probe_fd(const struct ssl_probe *probe)
{
	return ring_buffer__epoll_fd(probe->ringbuf);
}

int ssl_probe_poll(struct ssl_probe *probe, int timeout_ms)
{
	/* With no wait, consume alone reads the ring from memory: no epoll_wait syscall. */
	int polled = timeout_ms ? ring_buffer__poll(probe->ringbuf, timeout_ms) : 0;
	int consumed;

	if (polled < 0)
		return polled;
	/* The kernel side wakes the reader only when the buffer fills up: take what waits. */
	consumed = ring_buffer__consume(probe->ringbuf);
	return consumed < 0 ? consumed : polled + consumed;
}

void ssl_probe_stats(const struct ssl_probe *probe, struct ssl_probe_stats *stats)
{
	const volatile __u64 *counts = probe->skel->bss->ssl_stats;

	stats->ringbuf_full = counts[SSL_STAT_RINGBUF_FULL];
	stats->unmapped = counts[SSL_STAT_UNMAPPED];
	stats->bad_records = probe->bad_records;
}

bool ssl_probe_lib_mapped_by(const struct ssl_probe *probe, pid_t pid)
{
	char path[64], line[512];
	struct stat lib;
	bool mapped = false;
	FILE *maps;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (stat(probe->ssl_lib, &lib) || !(maps = fopen(path, "r")))
		return false;
	/* by device and inode: the process may see the file under another path (a container) */
	while (!mapped && fgets(line, sizeof(line), maps)) {
		unsigned dev_major, dev_minor;
		unsigned long inode;

		mapped =
		    sscanf(line, "%*s %*s %*s %x:%x %lu", &dev_major, &dev_minor, &inode) == 3 &&
		    inode == lib.st_ino && dev_major == major(lib.st_dev) &&
		    dev_minor == minor(lib.st_dev);
	}
	fclose(maps);
	return mapped;
}

const struct notices *ssl_probe_notices(const struct ssl_probe *probe)
{
	return &probe->notices;
}

const char *ssl_probe_attached(struct ssl_probe *probe)
{
	size_t used = 0;

	probe->attached[0] = '\0';
	for (size_t i = 0; i < probe->n_links && used < sizeof(probe->attached); i++)
		used += snprintf(probe->attached + used, sizeof(probe->attached) - used, "%s%s%s",
				 i ? "," : "", probe->links[i].name,
				 probe->links[i].retprobe ? "%return" : "");
	return probe->attached;
}

const char *ssl_probe_error(const struct ssl_probe *probe)
{
	return probe->io_hooks_err;
}

const char *ssl_probe_ssl_lib(const struct ssl_probe *probe)
{
	return probe->ssl_lib;
}

const char *ssl_probe_crypto_lib(const struct ssl_probe *probe)
{
	return probe->crypto_lib;
}

void ssl_probe_close(struct ssl_probe *probe)
{
	char why[160];

	if (!probe)
		return;
	/* before the probe's own are detached: for a moment both time the I/O, rather than
	 * neither */
	if (probe->conn_io_taken &&
	    live_tracer_io_timed_elsewhere(probe->conn_io_tracer, NULL, why, sizeof(why)))
		fprintf(stderr, "siptrail: %s; idle times before a TLS close_notify may be short\n",
			why);
	ring_buffer__free(probe->ringbuf);
	for (size_t i = 0; i < probe->n_links; i++)
		bpf_link__destroy(probe->links[i].link);
	ssl__destroy(probe->skel);
	free(probe);
}
