/* Frames built byte by byte for capture tests: Ethernet, IPv4, IPv6 and UDP headers around a
 * payload. Each function writes its header then the payload to OUT (which must not overlap
 * it) and returns the length; addresses are text. Checksums: IPv4 header filled, UDP 0. */
#ifndef SIPTRAIL_TESTS_FRAME_BUILD_H
#define SIPTRAIL_TESTS_FRAME_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_MAX 70000

size_t frame_eth(uint8_t *out, uint16_t ethertype, const void *payload, size_t len);
size_t frame_ipv4(uint8_t *out, const char *src, const char *dst, uint8_t protocol,
		  const void *payload, size_t len);
size_t frame_ipv6(uint8_t *out, const char *src, const char *dst, uint8_t next_header,
		  const void *payload, size_t len);
size_t frame_udp(uint8_t *out, uint16_t src_port, uint16_t dst_port, const void *payload,
		 size_t len);

/* An SCTP packet (RFC 9260 §3) with its checksum left 0: the common header, then when SACK
 * a SACK chunk, then one DATA chunk with FLAGS (B 0x02, E 0x01) carrying PAYLOAD, or none
 * when len is 0 (an INIT chunk instead). */
size_t frame_sctp(uint8_t *out, uint16_t src_port, uint16_t dst_port, uint32_t tsn, bool sack,
		  uint8_t flags, const void *payload, size_t len);

/* An SCTP packet with one control chunk of TYPE (RFC 9260 §3.3: INIT 1 and INIT ACK 2 with
 * their fixed fields, SHUTDOWN 7 with a cumulative TSN, COOKIE ECHO 10 with a 4-byte cookie,
 * the others without a value) and FLAGS. */
size_t frame_sctp_control(uint8_t *out, uint16_t src_port, uint16_t dst_port, uint8_t type,
			  uint8_t flags);

/* One direction pair of a TCP connection for frame_tcp(): sequence numbers advance with what
 * each side sends. Side 0 is the client. */
struct tcp_flow {
	const char *addr[2];
	uint16_t port[2];
	uint32_t next_seq[2];
};

/* Ethernet + IPv4 + TCP from SIDE of FLOW with FLAGS (PACKET_TCP_* values: SYN 0x02, ACK 0x10,
 * FIN 0x01, PSH 0x08) and PAYLOAD; ACK always acknowledges the other side. */
size_t frame_tcp(uint8_t *out, struct tcp_flow *flow, int side, uint8_t flags, const void *payload,
		 size_t len);

/* Ethernet + IPv4 + UDP, the usual SIP datagram. */
size_t frame_eth_udp4(uint8_t *out, const char *src, uint16_t src_port, const char *dst,
		      uint16_t dst_port, const void *payload, size_t len);

/* The ways a mirrored Ethernet frame reaches a capture, each wrapped around it by
 * frame_encap(); the outer IP addresses are 198.51.100.1 -> 198.51.100.2. */
enum frame_encap {
	FRAME_PLAIN,	    /* the frame as it is */
	FRAME_VLAN,	    /* an 802.1Q tag */
	FRAME_QINQ,	    /* 802.1ad then 802.1Q */
	FRAME_SLL,	    /* Linux cooked v1 (DLT_LINUX_SLL) */
	FRAME_SLL2,	    /* Linux cooked v2 (DLT_LINUX_SLL2) */
	FRAME_IPIP,	    /* IPv4 protocol 4 around the IP packet */
	FRAME_IPIP_OVER_V6, /* IPv6 next header 4 around it */
	FRAME_IP6IP,	    /* IPv4 protocol 41: the IP packet must be IPv6 */
	FRAME_GRE,	    /* GRE, protocol IPv4/IPv6 */
	FRAME_GRE_ETHERNET, /* GRE with checksum, key and sequence, transparent Ethernet */
	FRAME_ERSPAN1,	    /* GRE 0x88be without sequence number */
	FRAME_ERSPAN2,	    /* GRE 0x88be with sequence number, ERSPAN version 1 header */
	FRAME_ERSPAN3,	    /* GRE 0x22eb, version 2 header with the platform subheader */
	FRAME_VXLAN,	    /* UDP to 4789 */
	FRAME_VXLAN_8472,   /* UDP to 8472 (Linux's default port) */
	FRAME_VXLAN_IN_GRE, /* VXLAN inside GRE inside 802.1Q: nested tunnels */
	FRAME_GTPU,	    /* GTP-U G-PDU to UDP 2152, TEID 0x1234abcd, with 5G's PDU session
			       container extension header */
	FRAME_ENCAP_COUNT
};

/* Wraps the Ethernet frame ETH (IPv4 or IPv6 inside) as KIND into OUT; *linktype is the DLT
 * of the result. Returns its length. */
size_t frame_encap(enum frame_encap kind, const uint8_t *eth, size_t len, uint8_t *out,
		   int *linktype);

/* The Ethernet frame ETH with its IPv4 header replaced by an IPv6 one (addresses
 * 2001:db8::a.b.c.d), into OUT. Returns its length, 0 when it is not unfragmented IPv4. */
size_t frame_to_ipv6(const uint8_t *eth, size_t len, uint8_t *out);

#endif
