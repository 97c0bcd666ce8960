/* One captured frame -> IPv4/IPv6 + TCP/UDP header fields and a payload view.
 * Pure: no allocation, no state; the result points into the caller's frame. */
#ifndef SIPTRAIL_PACKET_DECODE_H
#define SIPTRAIL_PACKET_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum packet_status {
	PACKET_OK = 0,
	PACKET_NOT_IP = 1,	  /* ARP, LLDP, ... : nothing for us, not an error */
	PACKET_NOT_TCP_UDP = 2,	  /* neither TCP, UDP nor SCTP: ICMP, ... */
	PACKET_FRAGMENT = 3,	  /* IP fragment: not reassembled (see docs/captures.md) */
	PACKET_UNKNOWN_ENCAP = 4, /* a tunnel whose payload is not decoded (GRE version 1, ...) */
	PACKET_TRUNCATED = -1,	  /* a header is cut short by the capture length */
	PACKET_MALFORMED = -2,	  /* a length or version field is impossible */
	PACKET_BAD_LINKTYPE = -3  /* a link type we do not decode */
};

#define PACKET_TCP_FIN 0x01
#define PACKET_TCP_SYN 0x02
#define PACKET_TCP_RST 0x04
#define PACKET_TCP_PSH 0x08
#define PACKET_TCP_ACK 0x10

/* The tunnels packet_tunnel.h opens. */
enum packet_encap {
	PACKET_ENCAP_NONE = 0,
	PACKET_ENCAP_IPIP,  /* IP in IPv4 or IPv6, protocol 4 (RFC 2003) */
	PACKET_ENCAP_IP6IP, /* IPv6 in IPv4 or IPv6, protocol 41 (RFC 4213) */
	PACKET_ENCAP_GRE,   /* IP or Ethernet in GRE (RFC 2784) */
	PACKET_ENCAP_ERSPAN1,
	PACKET_ENCAP_ERSPAN2,
	PACKET_ENCAP_ERSPAN3,
	PACKET_ENCAP_VXLAN, /* RFC 7348 */
	PACKET_ENCAP_GTPU,  /* GTP-U, 3GPP TS 29.281: a mobile core's user plane */
	PACKET_ENCAP_COUNT
};

#define PACKET_MAX_TUNNELS 4 /* nested deeper: PACKET_UNKNOWN_ENCAP */

struct packet_decode_options {
	uint16_t vxlan_port; /* a UDP port carrying VXLAN besides 4789; 0: none */
};

struct packet_l4 {
	uint8_t family;	  /* AF_INET or AF_INET6 */
	uint8_t protocol; /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP (payload: its chunks) */
	uint8_t src_addr[16], dst_addr[16]; /* IPv4 in the first 4 bytes */
	uint16_t src_port, dst_port;
	uint32_t tcp_seq, tcp_ack;
	uint8_t tcp_flags;	    /* PACKET_TCP_* */
	const uint8_t *tcp_options; /* TCP options (RFC 9293 §3.1), NULL when none */
	size_t tcp_options_len;
	const uint8_t *payload;
	size_t payload_len;	 /* bytes present in the frame (may be less than on the wire) */
	size_t payload_wire_len; /* length the IP/UDP header claims */
	/* The outermost tunnel the packet came through; the fields above are the inner packet's
	 * (what the connection is). depth 0: none. */
	struct {
		uint8_t encap; /* enum packet_encap */
		uint8_t depth; /* tunnels opened */
		uint8_t family;
		uint8_t src_addr[16], dst_addr[16];
		bool id_given;
		uint32_t id; /* VXLAN's VNI, GTP-U's TEID, ERSPAN's session ID, else GRE's key */
	} outer;
	/* PACKET_FRAGMENT only: this piece of an IP datagram (RFC 791 §3.1, RFC 8200 §4.5), for
	 * ip_defrag.h; addresses and family are set too */
	struct {
		uint32_t id;
		uint32_t offset; /* bytes into the datagram's payload */
		bool more;	 /* more fragments follow */
		uint8_t protocol;
		const uint8_t *data;
		size_t len;
	} fragment;
};

/* linktype is the DLT_* value libpcap reports (DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2,
 * DLT_RAW, DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP). 802.1Q/802.1ad VLAN tags are skipped;
 * tunnels (packet_tunnel.h) are opened and the inner packet decoded. options may be NULL. */
enum packet_status packet_decode(int linktype, const uint8_t *frame, size_t frame_len,
				 const struct packet_decode_options *options,
				 struct packet_l4 *out);

const char *packet_status_str(enum packet_status status);
const char *packet_encap_name(enum packet_encap encap);

/* The TCP or UDP header at p (what follows IP): fills the transport fields of out. len bytes
 * are present, wire_len the length IP claims. Used for reassembled fragments, so a tunnel in
 * them (a VXLAN datagram on options' port too) is opened as in packet_decode(); options may be
 * NULL. */
enum packet_status packet_decode_transport(uint8_t protocol, const uint8_t *p, size_t len,
					   size_t wire_len,
					   const struct packet_decode_options *options,
					   struct packet_l4 *out);

/* Address as text: IPv4 dotted, IPv6 RFC 5952 (inet_ntop); buf of at least 46 bytes. */
const char *packet_addr_str(uint8_t family, const uint8_t addr[16], char *buf, size_t buf_len);

#endif
