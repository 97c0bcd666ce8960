/* Tunnels a port mirror or a cloud's traffic mirroring delivers captures through: IP-in-IP
 * (RFC 2003, RFC 4213), GRE (RFC 2784, RFC 2890) with IP, Ethernet (transparent bridging) or
 * ERSPAN types I, II and III inside, VXLAN (RFC 7348), and GTP-U (3GPP TS 29.281), which
 * carries a mobile core's user plane, VoLTE's SIP among it. One header at a time: the caller
 * (packet_decode.c) decodes what the tunnel carries, so tunnels may nest. Pure, no allocation. */
#ifndef SIPTRAIL_PACKET_TUNNEL_H
#define SIPTRAIL_PACKET_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet_decode.h"

#define PACKET_VXLAN_PORT 4789 /* IANA, RFC 7348 §5 */
#define PACKET_GTPU_PORT  2152 /* 3GPP TS 29.281 §4.4.2.3 */

/* What a tunnel header carries. */
enum tunnel_inner_kind {
	TUNNEL_INNER_IP,       /* an IPv4 or IPv6 packet */
	TUNNEL_INNER_ETHERNET, /* an Ethernet frame */
};

struct tunnel_inner {
	enum packet_encap encap;
	enum tunnel_inner_kind kind;
	const uint8_t *p;
	size_t len;
	bool id_given;
	uint32_t id; /* VXLAN's VNI, GTP-U's TEID, ERSPAN's session ID, else GRE's key */
};

/* The tunnel header at P (what follows an IP header of PROTOCOL 4, 41 or 47). Returns PACKET_OK
 * with *inner filled, PACKET_UNKNOWN_ENCAP (a GRE version, flag or protocol not decoded),
 * PACKET_TRUNCATED or PACKET_MALFORMED. */
enum packet_status tunnel_open_ip(uint8_t protocol, const uint8_t *p, size_t len,
				  struct tunnel_inner *inner);

/* A UDP payload sent to a VXLAN port: PACKET_OK with the inner Ethernet frame, or
 * PACKET_NOT_TCP_UDP when its header is not VXLAN's (the I flag clear, RFC 7348 §5), then the
 * datagram is taken as it is. */
enum packet_status tunnel_open_vxlan(const uint8_t *p, size_t len, struct tunnel_inner *inner);

/* A UDP payload sent to the GTP-U port: PACKET_OK with the inner IP packet of a G-PDU, else
 * (an echo, an error indication, a header cut short) the datagram is taken as it is. */
enum packet_status tunnel_open_gtpu(const uint8_t *p, size_t len, struct tunnel_inner *inner);

/* True when PROTOCOL after an IP header is a tunnel tunnel_open_ip() reads. */
bool tunnel_is_ip_protocol(uint8_t protocol);

#endif
