/* siptrail live's wire path: packets on the traced ports (wire_capture) are decoded
 * (packet_decode), TCP streams reassembled (tcp_reassembly), and each stream's TLS records
 * (ClientHello/ServerHello, Certificate, Alert) and plaintext SIP, and each UDP datagram's
 * SIP, become journal events (docs/journal.md) handed to the caller, who ties them to sockets
 * (wire_resolver). Works whatever TLS library the traced programs use. */
#ifndef SIPTRAIL_WIRE_SOURCE_H
#define SIPTRAIL_WIRE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "pcapng_write.h"
#include "port_set.h"
#include "tls_keylog.h"
#include "wire_tls.h"

struct wire_source_config {
	const struct port_set *ports;
	const char *ca_file; /* trust store for chain verdicts; both NULL: the system's */
	const char *ca_path;
	struct pcapng_writer *pcap_out; /* every captured packet is written here; NULL: none */
	/* TLS records are decrypted with these secrets (docs/tls-decryption.md); NULL: not */
	struct tls_keylog *keylog;
};

struct wire_source_counts {
	uint64_t packets;		       /* passed the kernel filter */
	uint64_t drops;			       /* lost in the kernel: the packet ring was full */
	uint64_t undecodable;		       /* truncated, malformed or fragmented packets */
	uint64_t streams;		       /* TCP connections seen */
	uint64_t streams_dropped;	       /* not followed: too many at once */
	uint64_t gaps;			       /* reassembly gaps forced by the buffer limit */
	struct tls_decrypt_counts tls_decrypt; /* with a key log: TLS records, by outcome */
};

struct wire_source;

/* Loads the filter, opens the capture and the trust store. emit takes each event. Returns 0
 * or a negative errno with what failed in why. */
int wire_source_open(const struct wire_source_config *config, wire_event_fn emit, void *ctx,
		     struct wire_source **out, char *why, size_t why_len);

/* The capture socket, for poll(). */
int wire_source_fd(const struct wire_source *source);

/* Decodes every packet the kernel has handed over. Returns the number of packets, or the first
 * error of emit (a negative errno). */
int wire_source_drain(struct wire_source *source);

/* Ends every stream still open (what they left pending is reported). Call once at the end,
 * before wire_source_close. Returns 0 or the first error of emit. */
int wire_source_finish(struct wire_source *source, uint64_t now_ns);

/* Returns 0 or a negative errno. */
int wire_source_counts(struct wire_source *source, struct wire_source_counts *counts);

/* NULL is fine. */
void wire_source_close(struct wire_source *source);

#endif
