// SPDX-License-Identifier: GPL-2.0
/* Packets for siptrail live's wire path: a socket filter (SEC("socket")) attached with
 * SO_ATTACH_BPF to a SOCK_DGRAM AF_PACKET socket, so no qdisc or tc change on the host.
 * On a SOCK_DGRAM packet socket the packet starts at its network header in both directions.
 * It passes TCP and UDP packets whose source or destination port is traced, untruncated (TLS
 * handshakes and SIP messages need every byte), and drops the rest before any copy. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "packets.h"
#include "traced_ports.h"

#define ETH_P_IP	 0x0800
#define ETH_P_IPV6	 0x86DD
#define PACKET_OUTGOING	 4
#define IP_OFFSET_MASK	 0x1FFF
#define IPV6_FRAG_OFFSET 0xFFF8
#define NEXTHDR_HOP	 0
#define NEXTHDR_TCP	 6
#define NEXTHDR_UDP	 17
#define NEXTHDR_ROUTING	 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_DEST	 60

char LICENSE[] SEC("license") = "GPL";

/* traced_ports (traced_ports.h): the same port list as the socket tracer. */

/* An IPv4 header without options and the ports after it: one helper call for most packets. */
struct ipv4_ports {
	struct iphdr ip;
	__be16 ports[2];
};

/* The source and destination ports of an IPv4 packet; -1 when it is not a first (or only)
 * fragment carrying TCP or UDP. */
static __always_inline int ipv4_ports_read(struct __sk_buff *skb, __be16 ports[2])
{
	struct ipv4_ports head;

	/* shorter than this: no TCP or UDP header to read ports from */
	if (bpf_skb_load_bytes(skb, 0, &head, sizeof(head)))
		return -1;
	if (head.ip.protocol != IPPROTO_TCP && head.ip.protocol != IPPROTO_UDP)
		return -1;
	/* A later fragment has no ports; the decoder does not reassemble fragments anyway. */
	if (bpf_ntohs(head.ip.frag_off) & IP_OFFSET_MASK)
		return -1;
	if (head.ip.ihl == 5) {
		ports[0] = head.ports[0];
		ports[1] = head.ports[1];
		return 0;
	}
	return bpf_skb_load_bytes(skb, head.ip.ihl * 4, ports, 2 * sizeof(ports[0])) ? -1 : 0;
}

/* RFC 8200 §4: walks hop-by-hop, routing, destination options and a first fragment header. */
static __always_inline int ipv6_l4_offset(struct __sk_buff *skb)
{
	struct ipv6hdr ip;
	__u8 ext[2]; /* next header, length */
	__u16 frag_off;
	int offset = sizeof(ip);
	__u8 next;

	if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
		return -1;
	next = ip.nexthdr;
	for (int i = 0; i < WIRE_MAX_IPV6_EXT_HEADERS; i++) {
		if (next == NEXTHDR_TCP || next == NEXTHDR_UDP)
			return offset;
		if (next != NEXTHDR_HOP && next != NEXTHDR_ROUTING && next != NEXTHDR_DEST &&
		    next != NEXTHDR_FRAGMENT)
			return -1;
		if (bpf_skb_load_bytes(skb, offset, ext, sizeof(ext)))
			return -1;
		if (next == NEXTHDR_FRAGMENT) {
			if (bpf_skb_load_bytes(skb, offset + 2, &frag_off, sizeof(frag_off)) ||
			    bpf_ntohs(frag_off) & IPV6_FRAG_OFFSET)
				return -1;
			offset += 8;
		} else {
			offset += (ext[1] + 1) * 8;
		}
		next = ext[0];
	}
	return next == NEXTHDR_TCP || next == NEXTHDR_UDP ? offset : -1;
}

SEC("socket")
int wire_filter(struct __sk_buff *skb)
{
	__be16 ports[2]; /* source, destination: the first 4 bytes of TCP and UDP headers */
	int l4_offset;

	if (skb->pkt_type == PACKET_OUTGOING && skb->ifindex == WIRE_LOOPBACK_IFINDEX)
		return 0;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (ipv4_ports_read(skb, ports))
			return 0;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		l4_offset = ipv6_l4_offset(skb);
		if (l4_offset < 0 || bpf_skb_load_bytes(skb, l4_offset, ports, sizeof(ports)))
			return 0;
	} else {
		return 0;
	}
	if (!net_port_traced(ports[0]) && !net_port_traced(ports[1]))
		return 0;
	return skb->len;
}
