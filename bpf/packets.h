/* Wire capture: the one header shared by bpf/packets.bpf.c (a socket filter on an AF_PACKET
 * socket) and userspace/sources/wire_capture.c, and by the tracepoint capture measured against it
 * (bpf/packet_tracepoints.bpf.c, bench/bench_packet_tap.c). Both keep TCP and UDP packets to or
 * from a traced port, whole, and drop everything else (bpf/wire_ports.h). */
#ifndef SIPTRAIL_PACKETS_H
#define SIPTRAIL_PACKETS_H

/* The loopback device has this index in every network namespace (LOOPBACK_IFINDEX). A packet
 * on lo is seen twice, leaving (PACKET_OUTGOING) and arriving: only the arrival is kept. */
#define WIRE_LOOPBACK_IFINDEX 1

/* IPv6 extension headers the filter walks past before it gives up on a packet. */
#define WIRE_MAX_IPV6_EXT_HEADERS 4

/* What the tracepoint capture puts before each packet in its perf sample (bpf_skb_output). The
 * bytes after it start at the skb's data: the MAC header of a leaving packet (net_offset bytes
 * before the network header), the network header of an arriving one. */
struct wire_packet_meta {
	__u64 ts_ns;	/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u32 wire_len; /* bytes of the packet from its network header */
	__u32 copied;	/* bytes after this header (short of net_offset + wire_len: truncated) */
	__u32 ifindex;
	__u16 protocol; /* ethertype, network order */
	__u8 pkt_type;	/* PACKET_HOST, PACKET_OUTGOING, ... */
	__u8 net_offset;
};

/* A perf sample's size is 16 bits (perf_event_header.size) and the kernel does not check it: a
 * larger raw sample corrupts the buffer. Header (8), raw size (4) and this metadata leave this
 * many bytes of packet, rounded down to the sample's 8-byte alignment. A longer packet (a GSO or
 * GRO super-segment near 64 KiB with its MAC header, BIG TCP) is cut here (copied < wire_len). */
#define WIRE_SAMPLE_BYTES_MAX (65528 - 8 - 4 - sizeof(struct wire_packet_meta))

#endif
