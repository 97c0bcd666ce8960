#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "packet_ring.h"

#ifndef SO_ATTACH_BPF
#define SO_ATTACH_BPF 50
#endif

struct packet_ring {
	int fd;
	uint8_t *map;
	size_t map_bytes;
	struct packet_ring_config config;
	unsigned next_block;
	struct packet_ring_stats totals;
};

static int fail(char *why, size_t why_len, const char *what)
{
	int err = -errno;

	snprintf(why, why_len, "packet socket: %s: %s", what, strerror(errno));
	return err;
}

/* Protocol 0 until bind: no packet is queued before the filter and the ring are in place. */
static int ring_setup(struct packet_ring *ring, int filter_prog_fd, char *why, size_t why_len)
{
	const struct packet_ring_config *config = &ring->config;
	int version = TPACKET_V3;
	struct tpacket_req3 req = {
	    .tp_block_size = config->block_bytes,
	    .tp_block_nr = config->block_count,
	    .tp_frame_size = TPACKET_ALIGNMENT << 7,
	    .tp_retire_blk_tov = config->retire_ms,
	};
	struct sockaddr_ll bind_to = {
	    .sll_family = AF_PACKET,
	    .sll_protocol = htons(ETH_P_ALL),
	};

	req.tp_frame_nr = req.tp_block_size / req.tp_frame_size * req.tp_block_nr;
	ring->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ring->fd < 0)
		return fail(why, why_len, "socket(AF_PACKET)");
	if (setsockopt(ring->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)))
		return fail(why, why_len, "PACKET_VERSION TPACKET_V3");
	if (setsockopt(ring->fd, SOL_SOCKET, SO_ATTACH_BPF, &filter_prog_fd,
		       sizeof(filter_prog_fd)))
		return fail(why, why_len, "SO_ATTACH_BPF");
	if (setsockopt(ring->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)))
		return fail(why, why_len, "PACKET_RX_RING");
	ring->map_bytes = (size_t)req.tp_block_size * req.tp_block_nr;
	ring->map = mmap(NULL, ring->map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, ring->fd, 0);
	if (ring->map == MAP_FAILED) {
		ring->map = NULL;
		return fail(why, why_len, "mmap of the receive ring");
	}
	if (bind(ring->fd, (struct sockaddr *)&bind_to, sizeof(bind_to)))
		return fail(why, why_len, "bind to every interface");
	return 0;
}

int packet_ring_open(const struct packet_ring_config *config, int filter_prog_fd,
		     struct packet_ring **out, char *why, size_t why_len)
{
	struct packet_ring *ring = calloc(1, sizeof(*ring));
	int err;

	if (!ring) {
		snprintf(why, why_len, "packet socket: out of memory");
		return -ENOMEM;
	}
	ring->fd = -1;
	ring->config = *config;
	err = ring_setup(ring, filter_prog_fd, why, why_len);
	if (err) {
		packet_ring_close(ring);
		return err;
	}
	*out = ring;
	return 0;
}

int packet_ring_fd(const struct packet_ring *ring)
{
	return ring->fd;
}

static void block_deliver(const struct tpacket_block_desc *block, packet_fn fn, void *ctx)
{
	const uint8_t *at = (const uint8_t *)block + block->hdr.bh1.offset_to_first_pkt;

	for (uint32_t i = 0; i < block->hdr.bh1.num_pkts; i++) {
		const struct tpacket3_hdr *hdr = (const struct tpacket3_hdr *)at;
		const struct sockaddr_ll *ll =
		    (const struct sockaddr_ll *)(at + TPACKET_ALIGN(sizeof(*hdr)));
		struct packet_view packet = {
		    .data = at + hdr->tp_net,
		    .len = hdr->tp_snaplen,
		    .wire_len = hdr->tp_len,
		    .ts_ns = (uint64_t)hdr->tp_sec * 1000000000ULL + hdr->tp_nsec,
		    .protocol = ntohs(ll->sll_protocol),
		    .pkt_type = ll->sll_pkttype,
		    .ifindex = ll->sll_ifindex,
		};

		fn(ctx, &packet);
		at += hdr->tp_next_offset;
	}
}

size_t packet_ring_drain(struct packet_ring *ring, packet_fn fn, void *ctx)
{
	size_t packets = 0;

	for (;;) {
		struct tpacket_block_desc *block =
		    (struct tpacket_block_desc *)(ring->map + (size_t)ring->next_block *
								  ring->config.block_bytes);

		if (!(__atomic_load_n(&block->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
		      TP_STATUS_USER))
			return packets;
		block_deliver(block, fn, ctx);
		packets += block->hdr.bh1.num_pkts;
		__atomic_store_n(&block->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		ring->next_block = (ring->next_block + 1) % ring->config.block_count;
	}
}

int packet_ring_stats(struct packet_ring *ring, struct packet_ring_stats *stats)
{
	struct tpacket_stats_v3 now;
	socklen_t len = sizeof(now);

	if (getsockopt(ring->fd, SOL_PACKET, PACKET_STATISTICS, &now, &len))
		return -errno;
	ring->totals.packets += now.tp_packets;
	ring->totals.drops += now.tp_drops;
	*stats = ring->totals;
	return 0;
}

void packet_ring_close(struct packet_ring *ring)
{
	if (!ring)
		return;
	if (ring->map)
		munmap(ring->map, ring->map_bytes);
	if (ring->fd >= 0)
		close(ring->fd);
	free(ring);
}
