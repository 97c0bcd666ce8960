/*
 * pcapng output (draft-ietf-opsawg-pcapng): the real packets siptrail saw, plus the plaintext
 * SIP it read from TLS connections as synthetic packets on the same addresses and ports, each
 * with a packet comment (opt_comment) saying so. One section, one interface: libpcap 1.10
 * refuses a section whose interfaces differ in link type or snapshot length
 * (docs/captures.md), so sngrep and tshark both read the file.
 *
 * Synthetic TCP packets carry an RFC 6994 experimental TCP option (kind 253, ExID 0x5354
 * "ST") so `siptrail replay` tells them from the encrypted stream of the same 4-tuple; their
 * sequence numbers count plaintext bytes per direction, starting at 1.
 */
#ifndef SIPTRAIL_PCAPNG_WRITE_H
#define SIPTRAIL_PCAPNG_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "packet_decode.h"

#define PCAPNG_SYNTHETIC_TCP_OPTION 253	   /* RFC 6994 experimental option */
#define PCAPNG_SYNTHETIC_EXID	    0x5354 /* "ST" */
#define PCAPNG_SYNTHETIC_COMMENT    "siptrail: plaintext SIP read from TLS (synthetic packet)"

struct pcapng_writer;

/* Creates PATH (mode 0600, an existing file emptied and set to 0600) with a section header and one
 * interface of LINKTYPE (DLT_EN10MB or DLT_RAW for synthetic packets to be framed; any DLT for real
 * packets) and SNAPLEN. Returns 0 or a negative errno. */
int pcapng_writer_open(struct pcapng_writer **out, const char *path, int linktype,
		       uint32_t snaplen);

/* A real packet, framed for the interface's link type. COMMENT may be NULL. Returns 0 or
 * -EIO. */
int pcapng_write_packet(struct pcapng_writer *writer, uint64_t ts_ns, const uint8_t *frame,
			size_t caplen, size_t wirelen, const char *comment);

/* What a synthetic packet carries: one whole SIP message sent from src to dst. */
struct pcapng_synthetic {
	uint8_t family;	  /* AF_INET or AF_INET6 */
	uint8_t protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t src_addr[16], dst_addr[16];
	uint16_t src_port, dst_port;
	const uint8_t *payload;
	size_t payload_len; /* at most PCAPNG_SYNTHETIC_MAX_PAYLOAD */
};

#define PCAPNG_SYNTHETIC_MAX_PAYLOAD 65000

/* Builds the IP and TCP/UDP headers (checksums included) around the payload and writes it
 * with PCAPNG_SYNTHETIC_COMMENT. Returns 0, -EINVAL (payload too big, link type cannot carry
 * it), -EIO. */
int pcapng_write_synthetic(struct pcapng_writer *writer, uint64_t ts_ns,
			   const struct pcapng_synthetic *pkt);

/* SIGHUP, logrotate style: when PATH no longer names the file being written (moved away or
 * removed), that file is closed and PATH created anew with its own headers; otherwise nothing
 * changes. Returns 0 or a negative errno (the packets then go on into the file already open). */
int pcapng_writer_reopen(struct pcapng_writer *writer, const char *path);

/* Flushes and closes; returns 0 or -EIO when anything failed to reach the file. */
int pcapng_writer_close(struct pcapng_writer *writer);

/* Is this decoded packet one of siptrail's synthetic ones (the TCP option above)? */
bool pcapng_is_synthetic(const struct packet_l4 *pkt);

#endif
