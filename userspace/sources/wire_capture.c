#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packets.skel.h"
#include "wire_capture.h"

/* 32 MiB: 32 blocks of 1 MiB. A block must hold the largest packet: with GRO/GSO (loopback,
 * veth, most NICs) one packet can be a 64 KiB TCP super-segment, with BIG TCP more. With 8
 * blocks a 50,000 packet/s burst dropped a third of its packets on a loaded 2-core host, with 32
 * none (bench/bench_wire.c, docs/performance.md "Wire capture"). A block that is not full is
 * handed over after 100 ms: a trunk's packets never fill one, so this bounds how late a packet
 * is read, well inside live's 250 ms ordering window (DIAG_STREAM_WINDOW_NS), and hands over at
 * most 10 of the 32 blocks a second. With 10 ms, its wake-ups were two thirds of the collector's
 * CPU on a 50 calls/s trunk (bench/bench_trunk_load.sh); while packets flow it no longer wakes
 * the collector at all (poll_rounds.h). */
static const struct packet_ring_config ring_config = {
    .block_bytes = 1 << 20,
    .block_count = 32,
    .retire_ms = 100,
};

struct wire_capture {
	struct packets *skel;
	struct packet_ring *ring;
};

int wire_capture_open(const struct port_set *ports, struct wire_capture **out, char *why,
		      size_t why_len)
{
	struct wire_capture *capture = calloc(1, sizeof(*capture));
	int err;

	if (!capture) {
		snprintf(why, why_len, "wire capture: out of memory");
		return -ENOMEM;
	}
	capture->skel = packets__open();
	if (!capture->skel) {
		err = -errno;
		snprintf(why, why_len, "cannot open the packets BPF object: %s", strerror(-err));
		goto fail;
	}
	memcpy((void *)capture->skel->rodata->traced_ports, ports->traced,
	       sizeof(capture->skel->rodata->traced_ports));
	err = packets__load(capture->skel);
	if (err) {
		snprintf(why, why_len,
			 "cannot load the packets socket filter: %s (-v shows the verifier log)",
			 strerror(-err));
		goto fail;
	}
	err = packet_ring_open(&ring_config, bpf_program__fd(capture->skel->progs.wire_filter),
			       &capture->ring, why, why_len);
	if (err)
		goto fail;
	*out = capture;
	return 0;
fail:
	wire_capture_close(capture);
	return err;
}

int wire_capture_fd(const struct wire_capture *capture)
{
	return packet_ring_fd(capture->ring);
}

size_t wire_capture_drain(struct wire_capture *capture, packet_fn fn, void *ctx)
{
	return packet_ring_drain(capture->ring, fn, ctx);
}

int wire_capture_stats(struct wire_capture *capture, struct packet_ring_stats *stats)
{
	return packet_ring_stats(capture->ring, stats);
}

void wire_capture_close(struct wire_capture *capture)
{
	if (!capture)
		return;
	packet_ring_close(capture->ring);
	packets__destroy(capture->skel);
	free(capture);
}
