/* Loads and attaches bpf/sockets.bpf.c and delivers its socket records: the live source. */
#ifndef SIPTRAIL_LIVE_TRACER_H
#define SIPTRAIL_LIVE_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "listener_owners.h"
#include "notices.h"
#include "pid_view.h"
#include "port_set.h"
#include "sock_events.h"

struct live_filter {
	const struct port_set *ports;
	uint32_t pid;	      /* 0 = any process; as siptrail's /proc numbers it (pid_view.h) */
	const char *cgroup;   /* cgroup v2 directory, NULL = any */
	uint32_t netns_inode; /* 0 = the caller's own network namespace */
	/* Time sends and receives (the close_notify idle rule) only on ports marked as TLS
	 * (live_tracer_mark_tls_port, or the libssl probe sharing its map: ssl_probe_opts.tracer),
	 * attaching the per-message probes at the first mark; false: on every traced port from
	 * the start, for when nothing would mark them. */
	bool io_on_tls_ports_only;
};

/* Called for each record; returns 0, or a negative errno to stop polling. */
typedef int (*live_event_fn)(void *ctx, const struct sock_event *event);

struct live_tracer;

/* Opens, loads and attaches everything. On failure returns a negative errno and writes what
 * failed (which probe, and why) into why. verbose routes libbpf's debug output to stderr. */
int live_tracer_open(const struct live_filter *filter, bool verbose, live_event_fn on_event,
		     void *ctx, struct live_tracer **out, char *why, size_t why_len);

/* Waits up to timeout_ms for records and hands them to on_event. Returns the number handled,
 * -EINTR when interrupted by a signal, or another negative errno. */
int live_tracer_poll(struct live_tracer *tracer, int timeout_ms);

/* Every 5 s, or now when FINAL (before the last loss count): hands on_event the end of each
 * traced connection of this network namespace whose socket the kernel no longer has (TCP
 * TIME-WAIT aside) while its end never came, as a SOCK_EV_END_UNSEEN record; such ends are
 * counted in sock_losses.ends_unseen. Returns 0, or on_event's negative errno. */
int live_tracer_sweep(struct live_tracer *tracer, bool final);
/* A descriptor for poll(): readable when records wait. */
int live_tracer_fd(const struct live_tracer *tracer);

/* The kernel's loss counters so far. The count of calls the kernel skipped is at most a second
 * old unless FRESH. */
void live_tracer_losses(struct live_tracer *tracer, bool fresh, struct sock_losses *losses);

/* The network namespace the kernel filters on (inode number). */
uint32_t live_tracer_netns(const struct live_tracer *tracer);

/* The PID numbering of the pids in its records (pid_view.h). */
struct pid_view live_tracer_pid_view(const struct live_tracer *tracer);

/* The processes holding listeners on traced ports when the tracer started (at most
 * PID_LIST_MAX): the SIP servers already running. */
const struct pid_list *live_tracer_listener_owners(const struct live_tracer *tracer);

/* What this kernel or host did not give the tracer and what the user loses by it. */
const struct notices *live_tracer_notices(const struct live_tracer *tracer);

/* Marks a traced PORT as carrying TLS (see bpf/tls_ports.h; an untraced one is ignored), and
 * the first time, attaches the send and receive probes that time its sockets' I/O, unless the
 * libssl probe's do (live_tracer_io_timed_elsewhere). Returns 0, or a negative errno with what
 * failed in why. */
int live_tracer_mark_tls_port(struct live_tracer *tracer, uint16_t port, char *why, size_t why_len);

/* The map of TLS ports, for the libssl probe to share (ssl_probe_opts.tracer). */
int live_tracer_tls_ports_fd(const struct live_tracer *tracer);

/* The sockets' storage (conns in bpf/conn_io.h), for the libssl probe's send/receive programs
 * to time TLS sockets' I/O in it, and which sockets they time (live_filter). */
int live_tracer_conns_fd(const struct live_tracer *tracer);
bool live_tracer_io_on_tls_ports_only(const struct live_tracer *tracer);

/* TIMING_ON non-NULL: the libssl probe's programs on the sock_send_length/sock_recv_length
 * tracepoints now time the I/O in the maps above, so the tracer's own programs there are
 * detached (one program per tracepoint), and *TIMING_ON (their switch, in the probe's
 * memory) is set to 1 whenever the tracer would time I/O (a port marked TLS, or every port),
 * 0 otherwise. NULL: the switch is turned off, and the tracer's own programs are attached
 * again if wanted. Returns 0, or a negative errno with what failed in why. */
int live_tracer_io_timed_elsewhere(struct live_tracer *tracer, volatile uint8_t *timing_on,
				   char *why, size_t why_len);

/* The tracepoints the tracer uses, for `siptrail check`: the I-th one's name, or NULL past the
 * last. *lost says what the user does not see without it; NULL: required, no connection can be
 * traced without it. */
const char *live_tracer_tracepoint(size_t i, const char **lost);

/* Detaches everything and frees the tracer; NULL is fine. */
void live_tracer_close(struct live_tracer *tracer);

#endif
