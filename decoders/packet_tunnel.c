/* Tunnel headers, table-driven by the GRE protocol type. ERSPAN's layouts are those of the
 * IETF draft draft-foschiano-erspan-03 (§4.1 type II, §4.2 type III) as Linux and Cisco send
 * them; type I is type II without its header, told apart by GRE's sequence number flag. */
#include "packet_tunnel.h"

#include <netinet/in.h>

#define GRE_FLAG_CHECKSUM 0x8000
#define GRE_FLAG_ROUTING  0x4000
#define GRE_FLAG_KEY	  0x2000
#define GRE_FLAG_SEQUENCE 0x1000
#define GRE_VERSION_MASK  0x0007

#define GRE_PROTO_IPV4	   0x0800
#define GRE_PROTO_IPV6	   0x86dd
#define GRE_PROTO_ETHERNET 0x6558 /* transparent Ethernet bridging */
#define GRE_PROTO_ERSPAN2  0x88be /* types I and II */
#define GRE_PROTO_ERSPAN3  0x22eb

#define ERSPAN2_HEADER_BYTES   8
#define ERSPAN3_HEADER_BYTES   12
#define ERSPAN3_PLATFORM_BYTES 8 /* the optional platform-specific subheader (O flag) */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

static enum packet_status fill(struct tunnel_inner *inner, enum packet_encap encap,
			       enum tunnel_inner_kind kind, const uint8_t *p, size_t len)
{
	inner->encap = encap;
	inner->kind = kind;
	inner->p = p;
	inner->len = len;
	return PACKET_OK;
}

static void set_id(struct tunnel_inner *inner, uint32_t id)
{
	inner->id_given = true;
	inner->id = id;
}

/* ERSPAN II and III: the session ID is the low 10 bits of the header's second half-word. */
static void set_erspan_session(struct tunnel_inner *inner, const uint8_t *header)
{
	set_id(inner, be16(header + 2) & 0x3ff);
}

/* ERSPAN II: version 1 in the top 4 bits, then the Ethernet frame. */
static enum packet_status open_erspan2(const uint8_t *p, size_t len, bool sequenced,
				       struct tunnel_inner *inner)
{
	if (!sequenced)
		return fill(inner, PACKET_ENCAP_ERSPAN1, TUNNEL_INNER_ETHERNET, p, len);
	if (len < ERSPAN2_HEADER_BYTES)
		return PACKET_TRUNCATED;
	if (p[0] >> 4 != 1)
		return PACKET_UNKNOWN_ENCAP;
	set_erspan_session(inner, p);
	return fill(inner, PACKET_ENCAP_ERSPAN2, TUNNEL_INNER_ETHERNET, p + ERSPAN2_HEADER_BYTES,
		    len - ERSPAN2_HEADER_BYTES);
}

/* ERSPAN III: version 2; the last 16 bits hold the frame type (bits 10-14: 0 Ethernet, 2 IP)
 * and the O flag (bit 0) announcing the platform-specific subheader. */
static enum packet_status open_erspan3(const uint8_t *p, size_t len, struct tunnel_inner *inner)
{
	size_t header = ERSPAN3_HEADER_BYTES;

	if (len < header)
		return PACKET_TRUNCATED;
	if (p[0] >> 4 != 2)
		return PACKET_UNKNOWN_ENCAP;
	uint16_t last = be16(p + 10);
	unsigned frame_type = (last >> 10) & 0x1f;
	if (last & 1)
		header += ERSPAN3_PLATFORM_BYTES;
	if (len < header)
		return PACKET_TRUNCATED;
	if (frame_type != 0 && frame_type != 2)
		return PACKET_UNKNOWN_ENCAP;
	set_erspan_session(inner, p);
	return fill(inner, PACKET_ENCAP_ERSPAN3,
		    frame_type == 0 ? TUNNEL_INNER_ETHERNET : TUNNEL_INNER_IP, p + header,
		    len - header);
}

static const struct {
	uint16_t protocol;
	enum tunnel_inner_kind kind;
} gre_payloads[] = {
    {GRE_PROTO_IPV4, TUNNEL_INNER_IP},
    {GRE_PROTO_IPV6, TUNNEL_INNER_IP},
    {GRE_PROTO_ETHERNET, TUNNEL_INNER_ETHERNET},
};

/* RFC 2784 §2 with RFC 2890's key and sequence number: 4 bytes, then 4 for each of checksum,
 * key and sequence present. Version 1 (PPTP) and source routing (RFC 1701) are not decoded. */
static enum packet_status open_gre(const uint8_t *p, size_t len, struct tunnel_inner *inner)
{
	if (len < 4)
		return PACKET_TRUNCATED;
	uint16_t flags = be16(p), protocol = be16(p + 2);
	size_t header = 4 + 4 * (size_t)(!!(flags & GRE_FLAG_CHECKSUM) + !!(flags & GRE_FLAG_KEY) +
					 !!(flags & GRE_FLAG_SEQUENCE));
	if ((flags & GRE_VERSION_MASK) || (flags & GRE_FLAG_ROUTING))
		return PACKET_UNKNOWN_ENCAP;
	if (len < header)
		return PACKET_TRUNCATED;
	if (flags & GRE_FLAG_KEY) /* RFC 2890 §2.1: after the checksum, when there is one */
		set_id(inner, be32(p + 4 + ((flags & GRE_FLAG_CHECKSUM) ? 4 : 0)));
	p += header;
	len -= header;
	if (protocol == GRE_PROTO_ERSPAN2)
		return open_erspan2(p, len, flags & GRE_FLAG_SEQUENCE, inner);
	if (protocol == GRE_PROTO_ERSPAN3)
		return open_erspan3(p, len, inner);
	for (size_t i = 0; i < sizeof(gre_payloads) / sizeof(gre_payloads[0]); i++)
		if (gre_payloads[i].protocol == protocol)
			return fill(inner, PACKET_ENCAP_GRE, gre_payloads[i].kind, p, len);
	return PACKET_UNKNOWN_ENCAP;
}

bool tunnel_is_ip_protocol(uint8_t protocol)
{
	return protocol == IPPROTO_IPIP || protocol == IPPROTO_IPV6 || protocol == IPPROTO_GRE;
}

enum packet_status tunnel_open_ip(uint8_t protocol, const uint8_t *p, size_t len,
				  struct tunnel_inner *inner)
{
	inner->id_given = false;
	inner->id = 0;
	switch (protocol) {
	case IPPROTO_IPIP:
		return fill(inner, PACKET_ENCAP_IPIP, TUNNEL_INNER_IP, p, len);
	case IPPROTO_IPV6:
		return fill(inner, PACKET_ENCAP_IP6IP, TUNNEL_INNER_IP, p, len);
	case IPPROTO_GRE:
		return open_gre(p, len, inner);
	default:
		return PACKET_UNKNOWN_ENCAP;
	}
}

enum packet_status tunnel_open_vxlan(const uint8_t *p, size_t len, struct tunnel_inner *inner)
{
	/* RFC 7348 §5: flags (I = 0x08), 24 reserved bits, the 24-bit VNI, 8 reserved bits */
	if (len < 8 || !(p[0] & 0x08))
		return PACKET_NOT_TCP_UDP;
	set_id(inner, be32(p + 4) >> 8);
	return fill(inner, PACKET_ENCAP_VXLAN, TUNNEL_INNER_ETHERNET, p + 8, len - 8);
}

/* 3GPP TS 29.281 §5.1: version 1 and PT 1 in the flags, message type 255 (G-PDU), a length,
 * the TEID; 4 more bytes (sequence number, N-PDU number, next extension header type) when
 * any of the E, S and PN flags is set, then with E the extension headers (§5.2: a length in
 * 4-byte units first, the next type last), e.g. 5G's PDU session container. */
enum packet_status tunnel_open_gtpu(const uint8_t *p, size_t len, struct tunnel_inner *inner)
{
	size_t header = 8;

	if (len < 8 || (p[0] & 0xf0) != 0x30 || p[1] != 255)
		return PACKET_NOT_TCP_UDP;
	if (p[0] & 0x07) {
		uint8_t next = len >= 12 ? p[11] : 0;
		header = 12;
		while ((p[0] & 0x04) && next && header < len) {
			size_t ext = (size_t)p[header] * 4;
			if (!ext)
				return PACKET_MALFORMED;
			if (header + ext > len)
				break;
			next = p[header + ext - 1];
			header += ext;
		}
		if (header > len || ((p[0] & 0x04) && next))
			return PACKET_TRUNCATED;
	}
	set_id(inner, be32(p + 4));
	return fill(inner, PACKET_ENCAP_GTPU, TUNNEL_INNER_IP, p + header, len - header);
}
