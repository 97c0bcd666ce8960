/* TLS through the TLS library: loads bpf/ssl.bpf.c, attaches its uprobes to libssl/libcrypto
 * (by path, so processes started later are covered) and delivers normalized tls_events.
 *
 *   struct ssl_probe *probe;
 *   ssl_probe_open(&opts, on_event, ctx, &probe, err, sizeof(err));
 *   epoll on ssl_probe_fd(probe), then ssl_probe_poll(probe, 0); ...; ssl_probe_close(probe);
 */
#ifndef SIPTRAIL_SSL_PROBE_H
#define SIPTRAIL_SSL_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "live_tracer.h"
#include "notices.h"
#include "port_set.h"
#include "tls_event.h"

struct ssl_probe_opts {
	const char *ssl_lib;	      /* NULL: the system's libssl.so.3 */
	const char *crypto_lib;	      /* NULL: see ssl_lib_path_crypto_for() */
	const struct port_set *ports; /* sockets with one of these local or remote ports;
				       * NULL: every TCP port */
	uint32_t netns_inode;	      /* only SSL calls from this network namespace; 0: all */
	uint32_t pid;		      /* only SSL calls of this process; 0: all */
	struct pid_view pid_view;     /* the numbering of pid and of the events' pids */
	uint64_t cgroup_id; /* only SSL calls of tasks in this cgroup v2 or below; 0: all */
	/* The socket tracer, whose maps the probe shares: its map of TLS ports, marked with
	 * the port of every connection an SSL object is tied to, and its sockets' storage, in
	 * which the probe's send/receive programs time TLS sockets' I/O in place of the
	 * tracer's own once they are attached (live_tracer_io_timed_elsewhere; on kernels with
	 * those tracepoints). NULL: the probe's own maps, no timing. */
	struct live_tracer *tracer;
	/* Probe every SSL_read/SSL_write (and SSL_get_error), the plaintext coming from them;
	 * also chosen when the secrets' places in the probed libssl are not known. false:
	 * per-handshake mode, the handshakes' secrets for decrypting the wire's records. */
	bool per_message;
};

struct ssl_probe_stats {
	uint64_t ringbuf_full; /* events lost in the kernel: ring buffer full */
	uint64_t unmapped;     /* events dropped: SSL object not tied to a socket */
	uint64_t bad_records;  /* records userspace could not read */
};

struct ssl_probe;

/* Called for every event, from ssl_probe_poll(). ev and its pointers live until it returns. */
typedef void (*ssl_probe_event_fn)(const struct tls_event *ev, void *ctx);

/* Returns 0, or a negative errno with err naming what failed (which uprobe on which file). */
int ssl_probe_open(const struct ssl_probe_opts *opts, ssl_probe_event_fn on_event, void *ctx,
		   struct ssl_probe **probe, char *err, size_t err_len);

/* An fd that becomes readable when many events wait (for epoll); see ssl_probe_poll(). */
int ssl_probe_fd(const struct ssl_probe *probe);

/* Waits up to timeout_ms for the fd to become readable, then delivers every waiting event:
 * the kernel wakes the reader only when its buffer fills up, so poll at least every 100 ms.
 * It also attaches the socket send/receive programs once a process in scope first uses
 * libssl, so keep polling while TLS may start. Returns the number of events or a negative
 * errno (-EINTR when a signal arrived; ssl_probe_error() explains any other). */
int ssl_probe_poll(struct ssl_probe *probe, int timeout_ms);

/* Attaches the programs that tie SSL objects to sockets now rather than at the first libssl
 * use (siptrail check, to prove they attach); with opts.tracer they take over its send/receive
 * timing. Returns 0 or a negative errno; ssl_probe_error() says which program failed. */
int ssl_probe_attach_io_hooks(struct ssl_probe *probe);

/* Whether process PID has the probed libssl mapped (found by device and inode). */
bool ssl_probe_lib_mapped_by(const struct ssl_probe *probe, pid_t pid);

/* Why the last ssl_probe_poll() failed, when it was the probe's own doing; "" otherwise. */
const char *ssl_probe_error(const struct ssl_probe *probe);

void ssl_probe_stats(const struct ssl_probe *probe, struct ssl_probe_stats *stats);

/* What this kernel did not give the probe and what the user loses by it. */
const struct notices *ssl_probe_notices(const struct ssl_probe *probe);

/* "SSL_do_handshake,SSL_do_handshake%return,..." as attached now, for -v and reports
 * (sock_send_length,sock_recv_length appear once libssl is first used). */
const char *ssl_probe_attached(struct ssl_probe *probe);

/* Whether SSL objects are tied to sockets through the socket system calls (kernels without
 * the sock_send_length/sock_recv_length tracepoints). */
bool ssl_probe_io_by_syscalls(const struct ssl_probe *probe);

/* Whether every SSL_read/SSL_write is probed for good (per-message mode). */
bool ssl_probe_per_message(const struct ssl_probe *probe);

/* Per-handshake mode: probes SSL_read/SSL_write and SSL_get_error for a while, for the
 * connections older than the start, whose secrets were never seen (their plaintext comes as
 * data events; connections whose handshake was seen give none). Returns 0 or a negative
 * errno with err saying which probe failed. No-op in per-message mode. */
int ssl_probe_data_probes_attach(struct ssl_probe *probe, char *err, size_t err_len);
void ssl_probe_data_probes_detach(struct ssl_probe *probe);
bool ssl_probe_data_probes_on(const struct ssl_probe *probe);

/* The files probed. */
const char *ssl_probe_ssl_lib(const struct ssl_probe *probe);
const char *ssl_probe_crypto_lib(const struct ssl_probe *probe);

/* Detaches everything; the tracer of opts.tracer, which must still be open, gets its
 * send/receive timing back. */
void ssl_probe_close(struct ssl_probe *probe);

#endif
