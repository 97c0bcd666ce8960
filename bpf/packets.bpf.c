// SPDX-License-Identifier: GPL-2.0
/* Packets for siptrail live's wire path: a socket filter (SEC("socket")) attached with
 * SO_ATTACH_BPF to a SOCK_DGRAM AF_PACKET socket, so no qdisc or tc change on the host.
 * On a SOCK_DGRAM packet socket the packet starts at its network header in both directions.
 * It passes TCP and UDP packets whose source or destination port is traced, untruncated (TLS
 * handshakes and SIP messages need every byte), and drops the rest before any copy. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define PACKET_OUTGOING 4

char LICENSE[] SEC("license") = "GPL";

static __always_inline long wire_read(const void *packet, __u32 offset, void *to, __u32 len)
{
	return bpf_skb_load_bytes(packet, offset, to, len);
}

/* traced_ports (traced_ports.h): the same port list as the socket tracer. */
#include "wire_ports.h"

SEC("socket")
int wire_filter(struct __sk_buff *skb)
{
	if (skb->pkt_type == PACKET_OUTGOING && skb->ifindex == WIRE_LOOPBACK_IFINDEX)
		return 0;
	return wire_packet_traced(skb, skb->protocol) ? skb->len : 0;
}
