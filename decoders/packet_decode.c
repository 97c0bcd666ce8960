/* Link layer, IP and transport headers of one frame. Hand-written because libpcap only reads
 * frames; it does not decode them, and this is on the replay hot path. */
#include "packet_decode.h"
#include "packet_tunnel.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>

#define ETHERTYPE_IPV4	   0x0800
#define ETHERTYPE_IPV6	   0x86dd
#define ETHERTYPE_VLAN	   0x8100
#define ETHERTYPE_QINQ	   0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* What the decoding of one frame carries through the layers. */
struct decode_ctx {
	const struct packet_decode_options *options; /* may be NULL */
	unsigned depth;				     /* tunnels opened so far */
};

static enum packet_status decode_ip(const struct decode_ctx *ctx, const uint8_t *p, size_t len,
				    struct packet_l4 *out);
static enum packet_status decode_ethernet(const struct decode_ctx *ctx, const uint8_t *p,
					  size_t len, struct packet_l4 *out);

/* Decodes what the tunnel carries; the first tunnel's endpoints stay in out->outer. */
static enum packet_status decode_tunneled(const struct decode_ctx *ctx, enum packet_status status,
					  const struct tunnel_inner *inner, struct packet_l4 *out)
{
	struct decode_ctx in = {ctx->options, ctx->depth + 1};

	if (status != PACKET_OK)
		return status;
	if (in.depth > PACKET_MAX_TUNNELS)
		return PACKET_UNKNOWN_ENCAP;
	if (!out->outer.depth) {
		out->outer.encap = (uint8_t)inner->encap;
		out->outer.family = out->family;
		memcpy(out->outer.src_addr, out->src_addr, sizeof(out->src_addr));
		memcpy(out->outer.dst_addr, out->dst_addr, sizeof(out->dst_addr));
		out->outer.id_given = inner->id_given;
		out->outer.id = inner->id;
	}
	out->outer.depth = (uint8_t)in.depth;
	/* IPv4 fills 4 of the 16 bytes: nothing of an outer IPv6 address may stay behind */
	memset(out->src_addr, 0, sizeof(out->src_addr));
	memset(out->dst_addr, 0, sizeof(out->dst_addr));
	return inner->kind == TUNNEL_INNER_IP ? decode_ip(&in, inner->p, inner->len, out)
					      : decode_ethernet(&in, inner->p, inner->len, out);
}

static bool is_vxlan_port(const struct decode_ctx *ctx, uint16_t port)
{
	return port == PACKET_VXLAN_PORT ||
	       (ctx->options && ctx->options->vxlan_port && port == ctx->options->vxlan_port);
}

/* A UDP datagram to a tunnel's port: PACKET_OK when its header is that tunnel's, else it is
 * taken as a plain datagram. */
static enum packet_status open_udp_tunnel(const struct decode_ctx *ctx, const struct packet_l4 *udp,
					  struct tunnel_inner *inner)
{
	if (is_vxlan_port(ctx, udp->dst_port))
		return tunnel_open_vxlan(udp->payload, udp->payload_len, inner);
	if (udp->dst_port == PACKET_GTPU_PORT)
		return tunnel_open_gtpu(udp->payload, udp->payload_len, inner);
	return PACKET_NOT_TCP_UDP;
}

static enum packet_status decode_tcp_udp(uint8_t protocol, const uint8_t *p, size_t len,
					 size_t wire_len, struct packet_l4 *out)
{
	out->protocol = protocol;
	if (protocol == IPPROTO_TCP) {
		if (len < 20)
			return PACKET_TRUNCATED;
		size_t header_len = (size_t)(p[12] >> 4) * 4;
		if (header_len < 20 || header_len > wire_len)
			return PACKET_MALFORMED;
		if (header_len > len)
			return PACKET_TRUNCATED;
		out->src_port = be16(p);
		out->dst_port = be16(p + 2);
		out->tcp_seq = be32(p + 4);
		out->tcp_ack = be32(p + 8);
		out->tcp_flags = p[13] & 0x1f;
		out->tcp_options = header_len > 20 ? p + 20 : NULL;
		out->tcp_options_len = header_len - 20;
		out->payload = p + header_len;
		out->payload_len = len - header_len;
		out->payload_wire_len = wire_len - header_len;
		return PACKET_OK;
	}
	if (protocol == IPPROTO_UDP) {
		if (len < 8)
			return PACKET_TRUNCATED;
		size_t udp_len = be16(p + 4);
		if (udp_len < 8 || udp_len > wire_len)
			return PACKET_MALFORMED;
		out->src_port = be16(p);
		out->dst_port = be16(p + 2);
		out->payload = p + 8;
		out->payload_wire_len = udp_len - 8;
		out->payload_len = len - 8 < udp_len - 8 ? len - 8 : udp_len - 8;
		return PACKET_OK;
	}
	if (protocol == IPPROTO_SCTP) { /* RFC 9260 §3.1: ports, tag, checksum, then chunks */
		if (len < 12)
			return PACKET_TRUNCATED;
		if (wire_len < 12)
			return PACKET_MALFORMED;
		out->src_port = be16(p);
		out->dst_port = be16(p + 2);
		out->payload = p + 12;
		out->payload_len = len - 12;
		out->payload_wire_len = wire_len - 12;
		return PACKET_OK;
	}
	return PACKET_NOT_TCP_UDP;
}

static enum packet_status decode_transport(const struct decode_ctx *ctx, uint8_t protocol,
					   const uint8_t *p, size_t len, size_t wire_len,
					   struct packet_l4 *out)
{
	struct tunnel_inner inner;
	enum packet_status status;

	if (tunnel_is_ip_protocol(protocol))
		return decode_tunneled(ctx, tunnel_open_ip(protocol, p, len, &inner), &inner, out);
	status = decode_tcp_udp(protocol, p, len, wire_len, out);
	if (status == PACKET_OK && protocol == IPPROTO_UDP &&
	    open_udp_tunnel(ctx, out, &inner) == PACKET_OK)
		return decode_tunneled(ctx, PACKET_OK, &inner, out);
	return status;
}

enum packet_status packet_decode_transport(uint8_t protocol, const uint8_t *p, size_t len,
					   size_t wire_len,
					   const struct packet_decode_options *options,
					   struct packet_l4 *out)
{
	const struct decode_ctx ctx = {options, out->outer.depth};

	return decode_transport(&ctx, protocol, p, len, wire_len, out);
}

static enum packet_status decode_ipv4(const struct decode_ctx *ctx, const uint8_t *p, size_t len,
				      struct packet_l4 *out)
{
	if (len < 20)
		return PACKET_TRUNCATED;
	size_t header_len = (size_t)(p[0] & 0x0f) * 4;
	size_t total_len = be16(p + 2);
	if (header_len < 20)
		return PACKET_MALFORMED;
	if (total_len == 0) /* TCP segmentation offload on the capturing host */
		total_len = len;
	if (total_len < header_len)
		return PACKET_MALFORMED;
	if (header_len > len)
		return PACKET_TRUNCATED;
	out->family = AF_INET;
	memcpy(out->src_addr, p + 12, 4);
	memcpy(out->dst_addr, p + 16, 4);
	size_t present = (len < total_len ? len : total_len) - header_len;
	if (be16(p + 6) & 0x3fff) { /* more-fragments flag or a fragment offset */
		if (present < total_len - header_len)
			return PACKET_TRUNCATED; /* a cut fragment cannot be reassembled */
		out->fragment.id = be16(p + 4);
		out->fragment.offset = (uint32_t)(be16(p + 6) & 0x1fff) * 8;
		out->fragment.more = be16(p + 6) & 0x2000;
		out->fragment.protocol = p[9];
		out->fragment.data = p + header_len;
		out->fragment.len = present;
		return PACKET_FRAGMENT;
	}
	return decode_transport(ctx, p[9], p + header_len, present, total_len - header_len, out);
}

static enum packet_status decode_ipv6(const struct decode_ctx *ctx, const uint8_t *p, size_t len,
				      struct packet_l4 *out)
{
	if (len < 40)
		return PACKET_TRUNCATED;
	size_t wire_len = be16(p + 4);
	uint8_t next = p[6];
	out->family = AF_INET6;
	memcpy(out->src_addr, p + 8, 16);
	memcpy(out->dst_addr, p + 24, 16);
	p += 40;
	len -= 40;
	if (len > wire_len)
		len = wire_len;
	/* RFC 8200 §4: skip the extension headers we may meet before TCP/UDP. */
	for (;;) {
		if (next == 0 || next == 43 || next == 60 || next == 51 || next == 44) {
			if (len < 8)
				return PACKET_TRUNCATED;
			size_t ext_len = next == 44   ? 8
					 : next == 51 ? ((size_t)p[1] + 2) * 4
						      : ((size_t)p[1] + 1) * 8;
			/* A fragment header that is not atomic (offset 0, no M flag). */
			if (next == 44 && (be16(p + 2) & 0xfff9) != 0) {
				if (len < wire_len)
					return PACKET_TRUNCATED; /* cut: cannot be reassembled */
				out->fragment.id = be32(p + 4);
				out->fragment.offset = be16(p + 2) & 0xfff8;
				out->fragment.more = be16(p + 2) & 1;
				out->fragment.protocol = p[0];
				out->fragment.data = p + 8;
				out->fragment.len = len - 8;
				return PACKET_FRAGMENT;
			}
			if (ext_len > len || ext_len > wire_len)
				return ext_len > wire_len ? PACKET_MALFORMED : PACKET_TRUNCATED;
			next = p[0];
			p += ext_len;
			len -= ext_len;
			wire_len -= ext_len;
			continue;
		}
		return decode_transport(ctx, next, p, len, wire_len, out);
	}
}

static enum packet_status decode_ip(const struct decode_ctx *ctx, const uint8_t *p, size_t len,
				    struct packet_l4 *out)
{
	if (len < 1)
		return PACKET_TRUNCATED;
	switch (p[0] >> 4) {
	case 4:
		return decode_ipv4(ctx, p, len, out);
	case 6:
		return decode_ipv6(ctx, p, len, out);
	default:
		return PACKET_NOT_IP;
	}
}

static enum packet_status decode_ethertype(const struct decode_ctx *ctx, uint16_t ethertype,
					   const uint8_t *p, size_t len, struct packet_l4 *out)
{
	/* IEEE 802.1Q / 802.1ad: 4-byte tags, possibly stacked. */
	while (ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ ||
	       ethertype == ETHERTYPE_QINQ_OLD) {
		if (len < 4)
			return PACKET_TRUNCATED;
		ethertype = be16(p + 2);
		p += 4;
		len -= 4;
	}
	if (ethertype != ETHERTYPE_IPV4 && ethertype != ETHERTYPE_IPV6)
		return PACKET_NOT_IP;
	return decode_ip(ctx, p, len, out);
}

static enum packet_status decode_ethernet(const struct decode_ctx *ctx, const uint8_t *p,
					  size_t len, struct packet_l4 *out)
{
	if (len < 14)
		return PACKET_TRUNCATED;
	return decode_ethertype(ctx, be16(p + 12), p + 14, len - 14, out);
}

enum packet_status packet_decode(int linktype, const uint8_t *frame, size_t frame_len,
				 const struct packet_decode_options *options, struct packet_l4 *out)
{
	const struct decode_ctx ctx = {options, 0};

	memset(out, 0, sizeof(*out));
	switch (linktype) {
	case DLT_EN10MB:
		return decode_ethernet(&ctx, frame, frame_len, out);
	case DLT_LINUX_SLL:
		if (frame_len < 16)
			return PACKET_TRUNCATED;
		return decode_ethertype(&ctx, be16(frame + 14), frame + 16, frame_len - 16, out);
	case DLT_LINUX_SLL2:
		if (frame_len < 20)
			return PACKET_TRUNCATED;
		return decode_ethertype(&ctx, be16(frame), frame + 20, frame_len - 20, out);
	case DLT_NULL:
	case DLT_LOOP:
		/* The 4-byte family is in the capturing host's byte order and its value differs
		 * between systems for IPv6, so the IP version nibble decides. */
		if (frame_len < 4)
			return PACKET_TRUNCATED;
		return decode_ip(&ctx, frame + 4, frame_len - 4, out);
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return decode_ip(&ctx, frame, frame_len, out);
	default:
		return PACKET_BAD_LINKTYPE;
	}
}

const char *packet_status_str(enum packet_status status)
{
	switch (status) {
	case PACKET_OK:
		return "ok";
	case PACKET_NOT_IP:
		return "not IP";
	case PACKET_NOT_TCP_UDP:
		return "neither TCP nor UDP";
	case PACKET_FRAGMENT:
		return "IP fragment (not reassembled)";
	case PACKET_UNKNOWN_ENCAP:
		return "tunnel payload not decoded";
	case PACKET_TRUNCATED:
		return "header cut short by the capture length";
	case PACKET_MALFORMED:
		return "impossible length or header field";
	case PACKET_BAD_LINKTYPE:
		return "unsupported link type";
	}
	return "unknown status";
}

const char *packet_encap_name(enum packet_encap encap)
{
	static const char *const names[PACKET_ENCAP_COUNT] = {
	    [PACKET_ENCAP_NONE] = "none",	   [PACKET_ENCAP_IPIP] = "IP-in-IP",
	    [PACKET_ENCAP_IP6IP] = "IPv6-in-IP",   [PACKET_ENCAP_GRE] = "GRE",
	    [PACKET_ENCAP_ERSPAN1] = "ERSPAN I",   [PACKET_ENCAP_ERSPAN2] = "ERSPAN II",
	    [PACKET_ENCAP_ERSPAN3] = "ERSPAN III", [PACKET_ENCAP_VXLAN] = "VXLAN",
	    [PACKET_ENCAP_GTPU] = "GTP-U",
	};
	return (unsigned)encap < PACKET_ENCAP_COUNT ? names[encap] : "unknown";
}

const char *packet_addr_str(uint8_t family, const uint8_t addr[16], char *buf, size_t buf_len)
{
	if (!inet_ntop(family, addr, buf, (socklen_t)buf_len))
		snprintf(buf, buf_len, "?");
	return buf;
}
