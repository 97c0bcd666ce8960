/* An AF_PACKET socket (SOCK_DGRAM, every interface of the caller's network namespace) with a
 * BPF socket filter and a PACKET_MMAP TPACKET_V3 receive ring: bounded memory, packets read in
 * place, and the kernel's drop count (PACKET_STATISTICS). */
#ifndef SIPTRAIL_PACKET_RING_H
#define SIPTRAIL_PACKET_RING_H

#include <stddef.h>
#include <stdint.h>

struct packet_ring_config {
	size_t block_bytes;   /* a multiple of the page size; also the largest packet kept */
	unsigned block_count; /* ring size = block_bytes * block_count */
	unsigned retire_ms;   /* a partly filled block is handed over after this long */
};

/* One packet as the kernel captured it; data starts at the network (IP) header. */
struct packet_view {
	const uint8_t *data;
	size_t len;	   /* bytes captured */
	size_t wire_len;   /* bytes the packet had */
	uint64_t ts_ns;	   /* CLOCK_REALTIME of capture */
	uint16_t protocol; /* ethertype, host order */
	uint8_t pkt_type;  /* PACKET_HOST, PACKET_OUTGOING, ... */
	int ifindex;
};

struct packet_ring_stats {
	uint64_t packets; /* passed the filter (received + dropped) */
	uint64_t drops;	  /* passed the filter but the ring was full */
};

typedef void (*packet_fn)(void *ctx, const struct packet_view *packet);

struct packet_ring;

/* Opens the socket with filter_prog_fd attached before any packet is queued, maps the ring and
 * binds to every interface. Returns 0 or a negative errno with what failed in why. */
int packet_ring_open(const struct packet_ring_config *config, int filter_prog_fd,
		     struct packet_ring **out, char *why, size_t why_len);

/* The socket, for poll(): readable when a block is ready. */
int packet_ring_fd(const struct packet_ring *ring);

/* Hands every packet of the blocks the kernel has handed over to fn, then gives the blocks
 * back. Returns the number of packets. */
size_t packet_ring_drain(struct packet_ring *ring, packet_fn fn, void *ctx);

/* Totals since open (the kernel resets its counters on each read; they are summed here).
 * Returns 0 or a negative errno. */
int packet_ring_stats(struct packet_ring *ring, struct packet_ring_stats *stats);

/* NULL is fine. */
void packet_ring_close(struct packet_ring *ring);

#endif
