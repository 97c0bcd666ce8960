// SPDX-License-Identifier: GPL-2.0
/* The wire path's packets from two tracepoints instead of an AF_PACKET socket, which clones or
 * queues every packet before its filter runs: measured by bench/bench_packet_tap against the
 * socket (docs/performance.md, "A packet capture from tracepoints"), not used by siptrail, since
 * on the project's VM the tracepoints' own dispatch costs an untraced packet about as much as
 * the socket and the perf sample a traced one more.
 * - tp_btf/net_dev_start_xmit: a leaving packet, at the same place as AF_PACKET's tap
 *   (xmit_one); skb->data is at the MAC header, the network header at head + network_header;
 * - tp_btf/netif_receive_skb: an arriving packet, before the protocol handlers and where
 *   AF_PACKET's tap sees it; the MAC header has been pulled, skb->data is the network header.
 * A traced packet goes whole (bpf_skb_output copies non-linear data too) into a per-CPU perf
 * buffer behind a struct wire_packet_meta. Only devices of siptrail's network namespace count. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>

#define PACKET_OUTGOING 4

char LICENSE[] SEC("license") = "GPL";

/* The packet's network header and the linear bytes from there. Only the linear part can be read
 * here (no bpf_skb_load_bytes for tracing programs): an arriving packet whose driver left its
 * IP or TCP header in page fragments (ip_rcv pulls them later) is not seen. */
struct wire_linear {
	const __u8 *net;
	__u32 len;
};

static __always_inline long wire_read(const void *packet, __u32 offset, void *to, __u32 len)
{
	const struct wire_linear *linear = packet;

	if (offset > linear->len || len > linear->len - offset)
		return -1;
	return bpf_probe_read_kernel(to, len, linear->net + offset);
}

#include "wire_ports.h"

/* siptrail's network namespace (inode of /proc/self/ns/net), set before load. */
const volatile __u32 traced_netns = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} wire_packets SEC(".maps");

/* NET_OFFSET: bytes from skb->data to the network header. */
static __always_inline int wire_output(const struct sk_buff *skb, const struct net_device *dev,
				       __u32 net_offset, __u8 pkt_type)
{
	__u32 len = skb->len, linear_len = len - skb->data_len;
	struct wire_packet_meta meta;
	struct wire_linear linear;
	__u32 copied = len;

	/* direct loads from the tracepoint's BTF pointers: no helper call */
	if (dev->nd_net.net->ns.inum != traced_netns)
		return 0;
	if (net_offset > 255 || net_offset >= linear_len)
		return 0;
	linear.net = skb->data + net_offset;
	linear.len = linear_len - net_offset;
	if (!wire_packet_traced(&linear, skb->protocol))
		return 0;
	if (copied > WIRE_SAMPLE_BYTES_MAX)
		copied = WIRE_SAMPLE_BYTES_MAX;
	meta.ts_ns = bpf_ktime_get_ns();
	meta.wire_len = len - net_offset;
	meta.copied = copied;
	meta.ifindex = dev->ifindex;
	meta.protocol = skb->protocol;
	meta.pkt_type = pkt_type;
	meta.net_offset = net_offset;
	bpf_skb_output((void *)skb, &wire_packets, BPF_F_CURRENT_CPU | (__u64)copied << 32, &meta,
		       sizeof(meta));
	return 0;
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(wire_leaving, const struct sk_buff *skb, const struct net_device *dev)
{
	/* lo's leaving copy is the arriving one again: only the arrival is kept */
	if (dev->ifindex == WIRE_LOOPBACK_IFINDEX)
		return 0;
	return wire_output(skb, dev, skb->network_header - (skb->data - skb->head),
			   PACKET_OUTGOING);
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(wire_arriving, struct sk_buff *skb)
{
	return wire_output(skb, skb->dev, 0, BPF_CORE_READ_BITFIELD(skb, pkt_type));
}
