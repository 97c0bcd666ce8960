/*
 * Which addresses of a capture are "local" (the traced host): the ones the user named, or
 * inferred from the capture by a first pass over it (docs/postmortem.md, "Which host is
 * local").
 */
#ifndef SIPTRAIL_CAPTURE_LOCAL_H
#define SIPTRAIL_CAPTURE_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet_decode.h"

#define CAPTURE_LOCAL_MAX 16

struct capture_addr {
	uint8_t family;
	uint8_t addr[16];
};

struct capture_local {
	struct capture_addr addrs[CAPTURE_LOCAL_MAX];
	size_t count;
};

/* Adds the address TEXT (IPv4 or IPv6). Returns 0, -EINVAL when it is not an address, -ENOSPC
 * when the set is full. */
int capture_local_add(struct capture_local *local, const char *text);

bool capture_local_has(const struct capture_local *local, uint8_t family, const uint8_t addr[16]);

/* The first pass reads this much packet data at most: a trunk's SBC talks to its carriers and
 * PBXs all day, so the start of a capture names it as well as the whole of it would, and a day
 * of captures is not read twice. */
#define CAPTURE_LOCAL_SAMPLE_BYTES (64ull << 20)

/*
 * Infers the local address from PATHS (rotating files of one trace, in the order given, up to
 * CAPTURE_LOCAL_SAMPLE_BYTES of packets): the address that
 * exchanged packets with the most other addresses, on a tie the one in the most packets, then the
 * destination of the first packet. Only packets with one of PORTS (n_ports 0: any) count; DECODE
 * as the replay decodes them (tunnels: the inner addresses). Returns 0 (the address added to
 * LOCAL), -ENOENT when the capture has no TCP or UDP packet, -EIO (unreadable: the main pass
 * reports the error), -ENOMEM.
 */
int capture_local_infer(struct capture_local *local, const char *const *paths, size_t n_paths,
			const uint16_t *ports, size_t n_ports,
			const struct packet_decode_options *decode);

/* Does the packet's port pair pass the filter (n_ports 0: always)? */
bool capture_ports_match(const uint16_t *ports, size_t n_ports, uint16_t a, uint16_t b);

#endif
