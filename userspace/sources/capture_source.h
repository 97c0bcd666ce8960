/*
 * A capture file (pcap or pcapng) as a source of normalized events, the same ones `siptrail
 * live` writes: conn_open/conn_end from SYN, FIN and RST, and from SCTP's INIT, SHUTDOWN and
 * ABORT (sctp_assoc_events.h); tls_handshake, tls_alert and tls_chain from the TLS records
 * (chains verified at the capture's time); sip from plaintext UDP, TCP, SCTP and WebSocket,
 * and from the synthetic plaintext packets siptrail's pcapng writer adds for SIP read from
 * TLS. "local" is the traced host: the addresses given, or the one inferred
 * (docs/postmortem.md).
 */
#ifndef SIPTRAIL_CAPTURE_SOURCE_H
#define SIPTRAIL_CAPTURE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture_reader.h"
#include "event.h"
#include "tls_decrypt.h"

#define CAPTURE_SOURCE_MAX_HOSTS 16
#define CAPTURE_SOURCE_MAX_PORTS 64

struct capture_source_options {
	const char *hosts[CAPTURE_SOURCE_MAX_HOSTS]; /* this host's addresses; none: inferred */
	size_t n_hosts;
	uint16_t ports[CAPTURE_SOURCE_MAX_PORTS]; /* only traffic with one of them; none: all */
	size_t n_ports;
	const char *ca_file, *ca_path; /* trust store for chain verdicts; NULL: system default */
	uint16_t vxlan_port;	       /* VXLAN besides UDP 4789; 0: none */
	const char *keylog_file; /* NSS key log: TLS records are decrypted with it; NULL: none */
};

/* Receives each event; the callee owns it (event_move it or event_release it). Returns 0, or a
 * negative errno that stops event delivery (the file is still read to its end). */
typedef int (*capture_event_fn)(void *ctx, struct event *ev);

/* Called for every packet read, for a progress display: which file (in reading order) and how
 * many bytes of it were read from disk (compressed ones for a compressed file). */
typedef void (*capture_progress_fn)(void *ctx, uint32_t file, uint64_t disk_offset);

/* What became of the TCP and UDP packets read (the others are counted in replay): each one is
 * used or skipped for exactly one reason. */
struct capture_packet_use {
	uint64_t used;	       /* a UDP SIP message, or a packet of a TCP connection or SCTP
				  association of this host */
	uint64_t not_sip;      /* a UDP datagram without a SIP message */
	uint64_t not_in_ports; /* outside --ports */
	uint64_t not_local;    /* neither end is this host */
};

struct capture_source_stats {
	struct capture_replay_stats replay;
	struct capture_packet_use use;
	struct ip_addr local_addr; /* the inferred (or first given) local address */
	bool local_inferred;
	uint64_t events, sip_messages, synthetic_sip, tls_handshakes, conns_ignored;
	uint64_t sctp_assocs, sctp_assocs_dropped; /* followed; not, SCTP_ASSOC_MAX_OPEN open */
	struct tls_decrypt_counts tls_decrypt;	   /* with a key log: TLS records, by outcome */
};

struct capture_source_run {
	const struct capture_source_options *options;
	capture_event_fn emit;
	capture_progress_fn progress; /* may be NULL */
	void *ctx;
};

/*
 * Reads PATH and emits its events in capture order. Returns 0; -EINVAL when an option is bad
 * (err says which); -EIO when the file is unreadable or breaks part way (err names the packet
 * and byte; everything before it was emitted); -ENOMEM; or the emit callback's error.
 */
int capture_source_read(const char *path, const struct capture_source_run *run,
			struct capture_source_stats *stats, struct capture_error *err);

/* The same over several files read as one capture, in the order given (capture_replay_files:
 * connections go on across files; the local host is inferred from the first). SPANS (may be
 * NULL) gets each file's packets and first and last times. */
int capture_source_read_files(const char *const *paths, size_t n_paths,
			      const struct capture_source_run *run,
			      struct capture_source_stats *stats, struct capture_file_span *spans,
			      struct capture_error *err);

/* Parses "5060,5061" into options->ports. Returns 0 or -EINVAL. */
int capture_source_parse_ports(struct capture_source_options *options, const char *list);

/* True when the first bytes of PATH (once gunzipped) are a pcap or pcapng magic number. */
bool capture_file_detect(const char *path);

#endif
