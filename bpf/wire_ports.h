/* The ports of a TCP or UDP packet, read from its network header: the one filter of the wire
 * path, shared by the socket filter (bpf/packets.bpf.c, which reads with bpf_skb_load_bytes)
 * and the tracepoint capture (bpf/packet_tracepoints.bpf.c, which reads the skb's linear part with
 * bpf_probe_read_kernel). The program including it defines, before the include,
 *   static __always_inline long wire_read(const void *packet, __u32 offset, void *to, __u32 len)
 * reading LEN bytes at OFFSET from the network header, 0 or negative. */
#ifndef SIPTRAIL_BPF_WIRE_PORTS_H
#define SIPTRAIL_BPF_WIRE_PORTS_H

#include "packets.h"
#include "traced_ports.h"

#define ETH_P_IP	 0x0800
#define ETH_P_IPV6	 0x86DD
#define IP_OFFSET_MASK	 0x1FFF
#define IPV6_FRAG_OFFSET 0xFFF8
#define NEXTHDR_HOP	 0
#define NEXTHDR_TCP	 6
#define NEXTHDR_UDP	 17
#define NEXTHDR_ROUTING	 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_DEST	 60

/* An IPv4 header without options and the ports after it: one read for most packets. */
struct ipv4_ports {
	struct iphdr ip;
	__be16 ports[2];
};

/* The source and destination ports of an IPv4 packet; -1 when it is not a first (or only)
 * fragment carrying TCP or UDP. */
static __always_inline int ipv4_ports_read(const void *packet, __be16 ports[2])
{
	struct ipv4_ports head;

	/* shorter than this: no TCP or UDP header to read ports from */
	if (wire_read(packet, 0, &head, sizeof(head)))
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
	return wire_read(packet, head.ip.ihl * 4, ports, 2 * sizeof(ports[0])) ? -1 : 0;
}

/* RFC 8200 §4: walks hop-by-hop, routing, destination options and a first fragment header. */
static __always_inline int ipv6_l4_offset(const void *packet)
{
	struct ipv6hdr ip;
	__u8 ext[2]; /* next header, length */
	__u16 frag_off;
	int offset = sizeof(ip);
	__u8 next;

	if (wire_read(packet, 0, &ip, sizeof(ip)))
		return -1;
	next = ip.nexthdr;
	for (int i = 0; i < WIRE_MAX_IPV6_EXT_HEADERS; i++) {
		if (next == NEXTHDR_TCP || next == NEXTHDR_UDP)
			return offset;
		if (next != NEXTHDR_HOP && next != NEXTHDR_ROUTING && next != NEXTHDR_DEST &&
		    next != NEXTHDR_FRAGMENT)
			return -1;
		if (wire_read(packet, offset, ext, sizeof(ext)))
			return -1;
		if (next == NEXTHDR_FRAGMENT) {
			if (wire_read(packet, offset + 2, &frag_off, sizeof(frag_off)) ||
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

/* True for a TCP or UDP packet (ethertype PROTOCOL, network order, in the low 16 bits: as
 * __sk_buff and sk_buff both hold it) to or from a traced port. */
static __always_inline bool wire_packet_traced(const void *packet, __u32 protocol)
{
	__be16 ports[2]; /* source, destination: the first 4 bytes of TCP and UDP headers */
	int l4_offset;

	if (protocol == bpf_htons(ETH_P_IP)) {
		if (ipv4_ports_read(packet, ports))
			return false;
	} else if (protocol == bpf_htons(ETH_P_IPV6)) {
		l4_offset = ipv6_l4_offset(packet);
		if (l4_offset < 0 || wire_read(packet, l4_offset, ports, sizeof(ports)))
			return false;
	} else {
		return false;
	}
	return net_port_traced(ports[0]) || net_port_traced(ports[1]);
}

#endif
