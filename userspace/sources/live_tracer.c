#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cgroup_path.h"
#include "kernel_facts.h"
#include "listener_owners.h"
#include "live_tracer.h"
#include "open_conns.h"
#include "sockets.skel.h"
#include "tcp_diag.h"

#define MAX_PROBES 16
/* The sweep for sockets gone without their end (live_tracer_sweep): how often, how long to
 * let the ends of sockets that left the kernel's tables a moment ago arrive, and how many
 * ends one sweep sends. */
#define SWEEP_PERIOD_NS 5000000000LL
#define SWEEP_SETTLE_US 50000
#define SWEEP_MAX_GONE	1024
/* Open connections looked up per netlink socket (tcp_diag_lookup sends them 32 at a time). */
#define SWEEP_LOOKUP_BATCH 256
/* bpf_prog_info costs a syscall per program: at ten poll rounds a second that was a quarter of
 * an idle tracer's CPU (perf), and once a second still a fifth of one that polls once a second,
 * so the skipped-call counters are read at most every 5 s (and at the end). */
#define SKIPPED_REFRESH_NS 5000000000LL

struct live_tracer {
	struct sockets *skel;
	struct ring_buffer *events;
	struct bpf_link *links[MAX_PROBES];
	size_t link_count;
	struct bpf_link *io_links[MAX_PROBES]; /* the per-message probes' */
	size_t io_link_count;
	live_event_fn on_event;
	void *ctx;
	const struct port_set *ports;
	bool io_on_tls_ports_only;
	bool io_wanted; /* on every port, or a port was marked TLS */
	/* The libssl probe's switch for timing the I/O in the tracer's place; NULL: the tracer
	 * times it (live_tracer_io_timed_elsewhere) */
	volatile uint8_t *io_elsewhere;
	uint32_t netns_inode;
	struct pid_view pid_view;
	struct notices notices;
	struct pid_list listener_owners; /* of listeners older than the start */
	uint8_t tls_marked[1 << 16]; /* ports already marked: one syscall per port, not per hello */
	uint64_t skipped;	     /* tracer_skipped_calls() when last read */
	int64_t skipped_read_ns;     /* CLOCK_MONOTONIC of that read; 0 = never */
	/* Connections of this process's network namespace (self_netns) awaiting their end, for
	 * the sweep; NULL when it cannot run. */
	struct open_conns *open;
	uint32_t self_netns;
	int64_t swept_ns;     /* CLOCK_MONOTONIC of the last sweep */
	bool dumped;	      /* a sweep has listed the sockets: the kernel can */
	uint64_t ends_unseen; /* ends the sweep sent */
};

/* Tracepoints the sockets object uses. Required ones carry the core promise (opens, closes,
 * ends); without an optional one siptrail still runs and says what it left out. The
 * per-message ones only serve the close_notify idle rule: with a TLS marker running they are
 * attached when the first traced port is marked TLS (live_tracer_mark_tls_port), so a host
 * whose traced ports carry no TLS runs nothing per message, and detached while the libssl
 * probe's programs on the same tracepoints do their work (live_tracer_io_timed_elsewhere). */
struct probe {
	const char *tracepoint; /* the name after btf_trace_ in vmlinux BTF */
	const char *program;	/* in bpf/sockets.bpf.c */
	bool required;
	bool per_message;
	const char *lost; /* what the user does not see without it */
};

static const struct probe probes[] = {
    {"inet_sock_set_state", "on_set_state", true, false, NULL},
    {"tcp_destroy_sock", "on_destroy_sock", true, false, NULL},
    {"tcp_send_reset", "on_send_reset", false, false,
     "resets this host sends are not told apart from other aborts"},
    {"tcp_receive_reset", "on_receive_reset", false, false,
     "resets from the peer are not told apart from other aborts"},
    {"inet_sk_error_report", "on_error_report", false, false,
     "no socket errors: a refused or timed-out connect is told only by its reset"},
    {"sock_send_length", "on_send_length", false, true,
     "no close_notify timing: a TLS connection closed idle shows the alert as its last data"},
    {"sock_recv_length", "on_recv_length", false, true,
     "no close_notify timing: a TLS connection closed idle shows the alert as its last data"},
};

_Static_assert(sizeof(probes) / sizeof(probes[0]) <= MAX_PROBES, "raise MAX_PROBES");

static bool verbose_libbpf;

static int libbpf_print(enum libbpf_print_level level, const char *format, va_list args)
{
	(void)level;
	if (!verbose_libbpf)
		return 0;
	return vfprintf(stderr, format, args);
}

static int64_t monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
}

static int ringbuf_record(void *ctx, void *data, size_t size)
{
	struct live_tracer *tracer = ctx;
	const struct sock_event *record = data;

	if (size < sizeof(struct sock_event))
		return 0;
	/* out of memory: that connection is not swept */
	if (tracer->open && record->conn.netns == tracer->self_netns)
		(void)open_conns_learn(tracer->open, record);
	return tracer->on_event(tracer->ctx, record);
}

static int netns_of_self(uint32_t *inode, char *why, size_t why_len)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st)) {
		snprintf(why, why_len, "cannot read /proc/self/ns/net: %s", strerror(errno));
		return -errno;
	}
	*inode = st.st_ino;
	return 0;
}

static struct bpf_program *probe_program(struct live_tracer *tracer, const struct probe *probe)
{
	return bpf_object__find_program_by_name(tracer->skel->obj, probe->program);
}

/* Runtime probe: a tp_btf program can only attach where vmlinux BTF has btf_trace_NAME. A
 * missing optional one is left out, with one notice per loss (two tracepoints may share one). */
static int probes_select(struct live_tracer *tracer, char *why, size_t why_len)
{
	const char *last_lost = NULL;

	if (!kernel_btf()) {
		int err = -errno;

		snprintf(
		    why, why_len,
		    "this kernel has no BTF (/sys/kernel/btf/vmlinux: %s); siptrail live needs "
		    "a kernel built with CONFIG_DEBUG_INFO_BTF=y",
		    strerror(-err));
		return err;
	}
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		if (kernel_has_tracepoint(probes[i].tracepoint))
			continue;
		if (probes[i].required) {
			snprintf(
			    why, why_len,
			    "this kernel has no tracepoint %s, without which no connection can "
			    "be traced",
			    probes[i].tracepoint);
			return -ENOENT;
		}
		bpf_program__set_autoload(probe_program(tracer, &probes[i]), false);
		if (last_lost != probes[i].lost)
			notices_add(&tracer->notices, "tracepoint %s: %s", probes[i].tracepoint,
				    probes[i].lost);
		last_lost = probes[i].lost;
	}
	return 0;
}

/* Jiffies to time: the kernel's HZ, or 250 (Debian's and Ubuntu's) with a notice. */
static void hz_configure(struct live_tracer *tracer)
{
	char source[256];
	unsigned hz;

	if (kernel_hz(&hz, source, sizeof(source)) != 0) {
		hz = 250;
		notices_add(&tracer->notices,
			    "the kernel's HZ (%s): idle times assume 250 Hz and are wrong by that "
			    "ratio on a kernel built otherwise",
			    source);
	}
	tracer->skel->rodata->kernel_hz = hz;
}

static int tracer_configure(struct live_tracer *tracer, const struct live_filter *filter, char *why,
			    size_t why_len)
{
	struct sockets *skel = tracer->skel;
	uint64_t cgroup_id = 0;
	int err;

	err = netns_of_self(&tracer->self_netns, why, why_len);
	if (err)
		return err;
	tracer->netns_inode = filter->netns_inode ? filter->netns_inode : tracer->self_netns;
	err = pid_view_of_self(&tracer->pid_view, why, why_len);
	if (err)
		return err;
	if (filter->cgroup) {
		err = cgroup_path_id(filter->cgroup, &cgroup_id, why, why_len);
		if (err)
			return err;
	}
	tracer->ports = filter->ports;
	memcpy((void *)skel->rodata->traced_ports, filter->ports->traced,
	       sizeof(skel->rodata->traced_ports));
	skel->rodata->filter_pid = filter->pid;
	skel->rodata->pid_view_dev = tracer->pid_view.dev;
	skel->rodata->pid_view_ino = tracer->pid_view.ino;
	skel->rodata->filter_cgroup_id = cgroup_id;
	skel->rodata->filter_netns = tracer->netns_inode;
	skel->rodata->io_on_tls_ports_only = filter->io_on_tls_ports_only;
	tracer->io_on_tls_ports_only = filter->io_on_tls_ports_only;
	hz_configure(tracer);
	return probes_select(tracer, why, why_len);
}

/* Attaches the per-message probes (io_links), or the others (links). */
static int tracer_attach(struct live_tracer *tracer, bool per_message, char *why, size_t why_len)
{
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct bpf_program *prog = probe_program(tracer, &probes[i]);
		struct bpf_link *link;

		if (probes[i].per_message != per_message || !bpf_program__autoload(prog))
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			int err = -errno;

			snprintf(why, why_len, "cannot attach %s (program %s): %s",
				 bpf_program__section_name(prog), bpf_program__name(prog),
				 strerror(-err));
			return err;
		}
		if (per_message)
			tracer->io_links[tracer->io_link_count++] = link;
		else
			tracer->links[tracer->link_count++] = link;
	}
	return 0;
}

static void io_detach(struct live_tracer *tracer)
{
	for (size_t i = 0; i < tracer->io_link_count; i++)
		bpf_link__destroy(tracer->io_links[i]);
	tracer->io_link_count = 0;
}

/* The per-message probes attached while they are wanted and the libssl probe does not do
 * their work, detached otherwise (all or none); the probe's work switched on when wanted. */
static int io_links_update(struct live_tracer *tracer, char *why, size_t why_len)
{
	int err;

	if (tracer->io_elsewhere)
		*tracer->io_elsewhere = tracer->io_wanted;
	if (!tracer->io_wanted || tracer->io_elsewhere) {
		io_detach(tracer);
		return 0;
	}
	if (tracer->io_link_count)
		return 0;
	err = tracer_attach(tracer, true, why, why_len);
	if (err)
		io_detach(tracer);
	return err;
}

/* Records the owners of listeners older than the trace, after the tracepoints are attached so
 * that no listener falls between the two. Without them their connections are credited to the
 * process that closes them (passive_attribute in bpf/sockets.bpf.c). */
static void listeners_record(struct live_tracer *tracer)
{
	char why[256];
	int recorded =
	    listener_owners_record(bpf_map__fd(tracer->skel->maps.listeners), tracer->ports,
				   tracer->netns_inode, &tracer->listener_owners, why, sizeof(why));

	if (recorded < 0)
		notices_add(
		    &tracer->notices,
		    "owners for listeners older than the start (%s): connections they accept "
		    "are credited to the process that closes them",
		    why);
}

int live_tracer_open(const struct live_filter *filter, bool verbose, live_event_fn on_event,
		     void *ctx, struct live_tracer **out, char *why, size_t why_len)
{
	struct live_tracer *tracer;
	int err;

	verbose_libbpf = verbose;
	libbpf_set_print(libbpf_print);
	tracer = calloc(1, sizeof(*tracer));
	if (!tracer) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	tracer->on_event = on_event;
	tracer->ctx = ctx;
	tracer->open = open_conns_new(); /* NULL: no sweep, as when sock_diag fails */
	tracer->swept_ns = monotonic_ns();
	tracer->skel = sockets__open();
	if (!tracer->skel) {
		err = -errno;
		snprintf(why, why_len, "cannot open the sockets BPF object: %s", strerror(-err));
		goto fail;
	}
	err = tracer_configure(tracer, filter, why, why_len);
	if (err)
		goto fail;
	err = sockets__load(tracer->skel);
	if (err) {
		snprintf(why, why_len,
			 "cannot load the sockets BPF programs: %s (run as root; -v shows the "
			 "verifier log)",
			 strerror(-err));
		goto fail;
	}
	err = tracer_attach(tracer, false, why, why_len);
	tracer->io_wanted = !filter->io_on_tls_ports_only;
	if (!err)
		err = io_links_update(tracer, why, why_len);
	if (err)
		goto fail;
	listeners_record(tracer);
	tracer->events =
	    ring_buffer__new(bpf_map__fd(tracer->skel->maps.events), ringbuf_record, tracer, NULL);
	if (!tracer->events) {
		err = -errno;
		snprintf(why, why_len, "cannot open the events ring buffer: %s", strerror(-err));
		goto fail;
	}
	*out = tracer;
	return 0;
fail:
	live_tracer_close(tracer);
	return err;
}

int live_tracer_poll(struct live_tracer *tracer, int timeout_ms)
{
	/* With no wait, consume alone reads the ring from memory: no epoll_wait syscall. */
	int woken = timeout_ms ? ring_buffer__poll(tracer->events, timeout_ms) : 0;
	int consumed;

	if (woken < 0)
		return woken;
	/* The kernel wakes this reader only when the buffer fills (BPF_RB_NO_WAKEUP): read
	 * whatever is there whether or not epoll said so. */
	consumed = ring_buffer__consume(tracer->events);
	return consumed < 0 ? consumed : woken + consumed;
}

int live_tracer_fd(const struct live_tracer *tracer)
{
	return ring_buffer__epoll_fd(tracer->events);
}

int live_tracer_mark_tls_port(struct live_tracer *tracer, uint16_t port, char *why, size_t why_len)
{
	uint32_t key = port;
	uint8_t marked = 1;
	int err;

	if (!tracer->ports->traced[port] || tracer->tls_marked[port])
		return 0;
	if (bpf_map_update_elem(live_tracer_tls_ports_fd(tracer), &key, &marked, BPF_ANY)) {
		err = -errno;
		snprintf(why, why_len, "cannot mark port %u as TLS: %s", port, strerror(-err));
		return err;
	}
	tracer->tls_marked[port] = 1;
	if (tracer->io_wanted)
		return 0;
	/* once, even when it fails: the caller reports it, and a retry per port would not help */
	tracer->io_wanted = true;
	return io_links_update(tracer, why, why_len);
}

int live_tracer_tls_ports_fd(const struct live_tracer *tracer)
{
	return bpf_map__fd(tracer->skel->maps.tls_ports);
}

int live_tracer_conns_fd(const struct live_tracer *tracer)
{
	return bpf_map__fd(tracer->skel->maps.conns);
}

bool live_tracer_io_on_tls_ports_only(const struct live_tracer *tracer)
{
	return tracer->io_on_tls_ports_only;
}

int live_tracer_io_timed_elsewhere(struct live_tracer *tracer, volatile uint8_t *timing_on,
				   char *why, size_t why_len)
{
	volatile uint8_t *before = tracer->io_elsewhere;
	int err;

	tracer->io_elsewhere = timing_on;
	err = io_links_update(tracer, why, why_len);
	/* after: for a moment both time the I/O, rather than neither */
	if (before && before != timing_on)
		*before = 0;
	return err;
}

/* Calls the kernel skipped because the same program was already running on that CPU
 * (bpf_prog_info.recursion_misses): such a state change was never seen, so it counts as
 * lost. */
static uint64_t tracer_skipped_calls(const struct live_tracer *tracer)
{
	struct bpf_program *prog;
	uint64_t skipped = 0;

	bpf_object__for_each_program(prog, tracer->skel->obj)
	{
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			skipped += info.recursion_misses;
	}
	return skipped;
}

void live_tracer_losses(struct live_tracer *tracer, bool fresh, struct sock_losses *losses)
{
	const volatile struct sock_losses *counters = &tracer->skel->bss->losses;
	int64_t now_ns = monotonic_ns();

	losses->ringbuf_open = counters->ringbuf_open;
	losses->ringbuf_end = counters->ringbuf_end;
	losses->map_full = counters->map_full;
	losses->ringbuf_close = counters->ringbuf_close;
	if (fresh || !tracer->skipped_read_ns ||
	    now_ns - tracer->skipped_read_ns >= SKIPPED_REFRESH_NS) {
		tracer->skipped = tracer_skipped_calls(tracer);
		tracer->skipped_read_ns = now_ns;
	}
	losses->skipped = tracer->skipped;
	losses->ends_unseen = tracer->ends_unseen;
}

uint32_t live_tracer_netns(const struct live_tracer *tracer)
{
	return tracer->netns_inode;
}

struct pid_view live_tracer_pid_view(const struct live_tracer *tracer)
{
	return tracer->pid_view;
}

const struct pid_list *live_tracer_listener_owners(const struct live_tracer *tracer)
{
	return &tracer->listener_owners;
}

const struct notices *live_tracer_notices(const struct live_tracer *tracer)
{
	return &tracer->notices;
}

const char *live_tracer_tracepoint(size_t i, const char **lost)
{
	if (i >= sizeof(probes) / sizeof(probes[0]))
		return NULL;
	*lost = probes[i].lost;
	return probes[i].tracepoint;
}

void live_tracer_close(struct live_tracer *tracer)
{
	if (!tracer)
		return;
	ring_buffer__free(tracer->events);
	open_conns_free(tracer->open);
	for (size_t i = 0; i < tracer->link_count; i++)
		bpf_link__destroy(tracer->links[i]);
	io_detach(tracer);
	sockets__destroy(tracer->skel);
	free(tracer);
}

static int sweep_present(void *ctx, const struct tcp_diag_sock *sock)
{
	open_conns_present(ctx, sock);
	return 0;
}

/* Marks the open connections the kernel still has, found by exact lookups. */
static int sweep_lookup(struct open_conns *open)
{
	static struct tcp_diag_sock ids[SWEEP_LOOKUP_BATCH];
	static bool present[SWEEP_LOOKUP_BATCH];
	size_t pos = 0, n;
	int err;

	while ((n = open_conns_ids(open, &pos, ids, SWEEP_LOOKUP_BATCH))) {
		if ((err = tcp_diag_lookup(ids, n, present)))
			return err;
		for (size_t i = 0; i < n; i++)
			if (present[i])
				open_conns_present(open, &ids[i]);
	}
	return 0;
}

/* Sends the end of connection COOKIE, gone from the kernel without its end traced. */
static int sweep_end(struct live_tracer *tracer, uint64_t cookie)
{
	struct sock_event record = {.type = SOCK_EV_END_UNSEEN, .ts_ns = monotonic_ns()};

	if (!open_conns_take(tracer->open, cookie, &record.conn))
		return 0; /* its end came meanwhile */
	tracer->ends_unseen++;
	return tracer->on_event(tracer->ctx, &record);
}

int live_tracer_sweep(struct live_tracer *tracer, bool final)
{
	static uint64_t gone[SWEEP_MAX_GONE];
	int64_t now_ns = monotonic_ns();
	size_t n_gone;
	int err;

	if (!tracer->open || (!final && now_ns - tracer->swept_ns < SWEEP_PERIOD_NS))
		return 0;
	tracer->swept_ns = now_ns;
	open_conns_sweep_begin(tracer->open);
	/* Exact lookups, whose cost is the traced connections', clear those the kernel still has.
	 * What they do not find (gone, bound to a device not yet known, or a failed lookup) is
	 * decided by a listing of the traced ports, for which the kernel walks its whole socket
	 * table; the first sweep lists, which also tells whether the kernel can. */
	if (!tracer->dumped || sweep_lookup(tracer->open) ||
	    open_conns_sweep_end(tracer->open, !final, NULL, 0)) {
		err = tcp_diag_sockets(tracer->ports, sweep_present, tracer->open);
		if (err) {
			fprintf(
			    stderr,
			    "siptrail live: cannot list the TCP sockets (%s): a socket the kernel "
			    "frees without its end traced is not noticed from now on\n",
			    strerror(-err));
			open_conns_free(tracer->open);
			tracer->open = NULL;
			return 0;
		}
		tracer->dumped = true;
	}
	/* Periodically, a connection must be missing from two sweeps in a row; at the end the
	 * records still in flight are waited for instead. */
	n_gone = open_conns_sweep_end(tracer->open, !final, gone, SWEEP_MAX_GONE);
	if (!n_gone)
		return 0;
	usleep(SWEEP_SETTLE_US);
	if ((err = ring_buffer__consume(tracer->events)) < 0)
		return err;
	for (size_t i = 0; i < n_gone && i < SWEEP_MAX_GONE; i++)
		if ((err = sweep_end(tracer, gone[i])))
			return err;
	/* the last sweep leaves none behind; a periodic one finds the rest next time */
	return final && n_gone > SWEEP_MAX_GONE ? live_tracer_sweep(tracer, true) : 0;
}
