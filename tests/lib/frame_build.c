/* Plain header layouts: RFC 791 §3.1 (IPv4), RFC 8200 §3 (IPv6), RFC 768 (UDP), IEEE 802.3. */
#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "frame_build.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void parse_addr(int family, const char *text, void *addr)
{
	if (inet_pton(family, text, addr) != 1)
		abort(); /* a typo in a test */
}

size_t frame_eth(uint8_t *out, uint16_t ethertype, const void *payload, size_t len)
{
	static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};

	memcpy(out, macs, sizeof(macs));
	put16(out + 12, ethertype);
	memmove(out + 14, payload, len);
	return 14 + len;
}

size_t frame_ipv4(uint8_t *out, const char *src, const char *dst, uint8_t protocol,
		  const void *payload, size_t len)
{
	uint32_t sum = 0;

	memset(out, 0, 20);
	out[0] = 0x45;
	put16(out + 2, (uint16_t)(20 + len));
	out[8] = 64;
	out[9] = protocol;
	parse_addr(AF_INET, src, out + 12);
	parse_addr(AF_INET, dst, out + 16);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(out[i] << 8 | out[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(out + 10, (uint16_t)~sum);
	memmove(out + 20, payload, len);
	return 20 + len;
}

size_t frame_ipv6(uint8_t *out, const char *src, const char *dst, uint8_t next_header,
		  const void *payload, size_t len)
{
	memset(out, 0, 40);
	out[0] = 0x60;
	put16(out + 4, (uint16_t)len);
	out[6] = next_header;
	out[7] = 64;
	parse_addr(AF_INET6, src, out + 8);
	parse_addr(AF_INET6, dst, out + 24);
	memmove(out + 40, payload, len);
	return 40 + len;
}

size_t frame_udp(uint8_t *out, uint16_t src_port, uint16_t dst_port, const void *payload,
		 size_t len)
{
	put16(out, src_port);
	put16(out + 2, dst_port);
	put16(out + 4, (uint16_t)(8 + len));
	put16(out + 6, 0);
	memmove(out + 8, payload, len);
	return 8 + len;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

size_t frame_sctp(uint8_t *out, uint16_t src_port, uint16_t dst_port, uint32_t tsn, bool sack,
		  uint8_t flags, const void *payload, size_t len)
{
	size_t n = 12;

	memset(out, 0, 12);
	put16(out, src_port);
	put16(out + 2, dst_port);
	put32(out + 4, 0x5e55); /* verification tag */
	if (sack) {		/* cumulative TSN, a_rwnd, no gap blocks or duplicates */
		memset(out + n, 0, 16);
		out[n] = 3;
		put16(out + n + 2, 16);
		put32(out + n + 4, tsn - 1);
		put32(out + n + 8, 65536);
		n += 16;
	}
	if (!len) { /* INIT: tag, a_rwnd, streams, initial TSN */
		memset(out + n, 0, 20);
		out[n] = 1;
		put16(out + n + 2, 20);
		put32(out + n + 4, 0x5e55);
		put32(out + n + 8, 65536);
		put16(out + n + 12, 1);
		put16(out + n + 14, 1);
		put32(out + n + 16, tsn);
		return n + 20;
	}
	out[n] = 0;
	out[n + 1] = flags;
	put16(out + n + 2, (uint16_t)(16 + len));
	put32(out + n + 4, tsn);
	memset(out + n + 8, 0, 8); /* stream 0, sequence 0, PPID 0 (none assigned to SIP) */
	memcpy(out + n + 16, payload, len);
	n += 16 + len;
	while (n % 4)
		out[n++] = 0;
	return n;
}

size_t frame_sctp_control(uint8_t *out, uint16_t src_port, uint16_t dst_port, uint8_t type,
			  uint8_t flags)
{
	size_t value = type == 1 || type == 2 ? 16 : type == 7 || type == 10 ? 4 : 0;

	memset(out, 0, 16 + value);
	put16(out, src_port);
	put16(out + 2, dst_port);
	put32(out + 4, type == 1 ? 0 : 0x5e55); /* an INIT's verification tag is 0 */
	out[12] = type;
	out[13] = flags;
	put16(out + 14, (uint16_t)(4 + value));
	if (value == 16) { /* initiate tag, a_rwnd, streams, initial TSN */
		put32(out + 16, 0x5e55);
		put32(out + 20, 65536);
		put16(out + 24, 1);
		put16(out + 26, 1);
		put32(out + 28, 1000);
	} else if (value == 4) {
		put32(out + 16, 999);
	}
	return 16 + value;
}

size_t frame_tcp(uint8_t *out, struct tcp_flow *flow, int side, uint8_t flags, const void *payload,
		 size_t len)
{
	uint8_t *seg = malloc(FRAME_MAX), *ip = malloc(FRAME_MAX);
	size_t n;

	if (!seg || !ip)
		abort();
	memset(seg, 0, 20);
	put16(seg, flow->port[side]);
	put16(seg + 2, flow->port[!side]);
	put32(seg + 4, flow->next_seq[side]);
	put32(seg + 8, flags & 0x10 ? flow->next_seq[!side] : 0);
	seg[12] = 5 << 4;
	seg[13] = flags;
	put16(seg + 14, 65535);
	if (len)
		memcpy(seg + 20, payload, len);
	flow->next_seq[side] += (uint32_t)len + !!(flags & 0x03); /* SYN and FIN count one */
	n = frame_ipv4(ip, flow->addr[side], flow->addr[!side], 6, seg, 20 + len);
	n = frame_eth(out, 0x0800, ip, n);
	free(seg);
	free(ip);
	return n;
}

size_t frame_eth_udp4(uint8_t *out, const char *src, uint16_t src_port, const char *dst,
		      uint16_t dst_port, const void *payload, size_t len)
{
	uint8_t *udp = malloc(FRAME_MAX), *ip = malloc(FRAME_MAX);
	size_t n;

	if (!udp || !ip)
		abort();
	n = frame_udp(udp, src_port, dst_port, payload, len);
	n = frame_ipv4(ip, src, dst, 17, udp, n);
	n = frame_eth(out, 0x0800, ip, n);
	free(udp);
	free(ip);
	return n;
}

#define OUTER_SRC  "198.51.100.1"
#define OUTER_DST  "198.51.100.2"
#define OUTER6_SRC "2001:db8:ff::1"
#define OUTER6_DST "2001:db8:ff::2"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ethernet + IPv4 (protocol) around PAYLOAD. */
static size_t outer_ipv4(uint8_t *out, uint8_t protocol, const void *payload, size_t len)
{
	uint8_t *ip = malloc(FRAME_MAX);
	size_t n;

	if (!ip)
		abort();
	n = frame_ipv4(ip, OUTER_SRC, OUTER_DST, protocol, payload, len);
	n = frame_eth(out, 0x0800, ip, n);
	free(ip);
	return n;
}

/* GRE header (flags, protocol, then 4 bytes per flag set) + PAYLOAD into OUT. */
static size_t gre(uint8_t *out, uint16_t flags, uint16_t protocol, const void *payload, size_t len)
{
	size_t n = 4;

	put16(out, flags);
	put16(out + 2, protocol);
	for (uint16_t bit = 0x8000; bit >= 0x1000; bit >>= 1)
		if (flags & bit & 0xb000) {
			memset(out + n, 0, 4);
			out[n + 3] = bit == 0x8000 ? 0 : 7; /* key or sequence 7; checksum 0 */
			n += 4;
		}
	memcpy(out + n, payload, len);
	return n + len;
}

static size_t vxlan(uint8_t *out, uint16_t port, const uint8_t *eth, size_t len)
{
	uint8_t *hdr = malloc(FRAME_MAX), *udp = malloc(FRAME_MAX);
	size_t n;

	if (!hdr || !udp)
		abort();
	memset(hdr, 0, 8);
	hdr[0] = 0x08; /* I: the VNI is valid */
	hdr[6] = 42;   /* VNI */
	memcpy(hdr + 8, eth, len);
	n = frame_udp(udp, 49152, port, hdr, 8 + len);
	n = outer_ipv4(out, 17, udp, n);
	free(hdr);
	free(udp);
	return n;
}

size_t frame_encap(enum frame_encap kind, const uint8_t *eth, size_t len, uint8_t *out,
		   int *linktype)
{
	uint8_t *tmp = malloc(FRAME_MAX), *tmp2 = malloc(FRAME_MAX);
	uint16_t ethertype = get16(eth + 12);
	const uint8_t *ip = eth + 14;
	size_t ip_len = len - 14, n = 0;

	if (!tmp || !tmp2)
		abort();
	*linktype = DLT_EN10MB;
	switch (kind) {
	case FRAME_PLAIN:
		memcpy(out, eth, len);
		n = len;
		break;
	case FRAME_VLAN:
	case FRAME_QINQ:
		memcpy(out, eth, 12);
		n = 12;
		if (kind == FRAME_QINQ) {
			put16(out + n, 0x88a8);
			put16(out + n + 2, 100);
			n += 4;
		}
		put16(out + n, 0x8100);
		put16(out + n + 2, 200);
		memcpy(out + n + 4, eth + 12, len - 12);
		n += 4 + len - 12;
		break;
	case FRAME_SLL: /* packet type, ARPHRD_ETHER, address length and address, protocol */
		memset(out, 0, 16);
		put16(out + 2, 1);
		put16(out + 4, 6);
		memcpy(out + 6, eth + 6, 6);
		put16(out + 14, ethertype);
		memcpy(out + 16, ip, ip_len);
		n = 16 + ip_len;
		*linktype = DLT_LINUX_SLL;
		break;
	case FRAME_SLL2: /* protocol, reserved, ifindex, ARPHRD_ETHER, type, address */
		memset(out, 0, 20);
		put16(out, ethertype);
		out[7] = 2;
		put16(out + 8, 1);
		out[11] = 6;
		memcpy(out + 12, eth + 6, 6);
		memcpy(out + 20, ip, ip_len);
		n = 20 + ip_len;
		*linktype = DLT_LINUX_SLL2;
		break;
	case FRAME_IPIP:
		n = outer_ipv4(out, 4, ip, ip_len);
		break;
	case FRAME_IPIP_OVER_V6:
		n = frame_ipv6(tmp, OUTER6_SRC, OUTER6_DST, 4, ip, ip_len);
		n = frame_eth(out, 0x86dd, tmp, n);
		break;
	case FRAME_IP6IP:
		n = outer_ipv4(out, 41, ip, ip_len);
		break;
	case FRAME_GRE:
		n = gre(tmp, 0, ethertype, ip, ip_len);
		n = outer_ipv4(out, 47, tmp, n);
		break;
	case FRAME_GRE_ETHERNET:
		n = gre(tmp, 0xb000, 0x6558, eth, len);
		n = outer_ipv4(out, 47, tmp, n);
		break;
	case FRAME_ERSPAN1:
		n = gre(tmp, 0, 0x88be, eth, len);
		n = outer_ipv4(out, 47, tmp, n);
		break;
	case FRAME_ERSPAN2: /* version 1, VLAN 0, session 5, index 0 */
		memset(tmp2, 0, 8);
		tmp2[0] = 0x10;
		tmp2[3] = 5;
		memcpy(tmp2 + 8, eth, len);
		n = gre(tmp, 0x1000, 0x88be, tmp2, 8 + len);
		n = outer_ipv4(out, 47, tmp, n);
		break;
	case FRAME_ERSPAN3: /* version 2, session 5, timestamp, frame type 0, O set */
		memset(tmp2, 0, 20);
		tmp2[0] = 0x20;
		tmp2[3] = 5;
		tmp2[7] = 9;
		tmp2[11] = 1;
		tmp2[12] = 0x08; /* platform subheader, platform id 1 */
		memcpy(tmp2 + 20, eth, len);
		n = gre(tmp, 0x1000, 0x22eb, tmp2, 20 + len);
		n = outer_ipv4(out, 47, tmp, n);
		break;
	case FRAME_VXLAN:
		n = vxlan(out, 4789, eth, len);
		break;
	case FRAME_VXLAN_8472:
		n = vxlan(out, 8472, eth, len);
		break;
	case FRAME_VXLAN_IN_GRE:
		n = vxlan(tmp2, 4789, eth, len);
		n = gre(tmp, 0, 0x0800, tmp2 + 14, n - 14);
		n = outer_ipv4(tmp2, 47, tmp, n);
		n = frame_encap(FRAME_VLAN, tmp2, n, out, linktype);
		break;
	case FRAME_GTPU: /* 3GPP TS 29.281 §5.1 with E set; §5.2.2.7 PDU session container */
		memset(tmp2, 0, 16);
		tmp2[0] = 0x34; /* version 1, PT, E */
		tmp2[1] = 255;	/* G-PDU */
		put16(tmp2 + 2, (uint16_t)(8 + ip_len));
		put32(tmp2 + 4, 0x1234abcd);
		tmp2[11] = 0x85; /* next: PDU session container */
		tmp2[12] = 1;	 /* 4 bytes: length, 2 bytes of content, next type 0 */
		tmp2[14] = 9;	 /* QFI */
		memcpy(tmp2 + 16, ip, ip_len);
		n = frame_udp(tmp, 2152, 2152, tmp2, 16 + ip_len);
		n = outer_ipv4(out, 17, tmp, n);
		break;
	case FRAME_ENCAP_COUNT:
		abort();
	}
	free(tmp);
	free(tmp2);
	return n;
}

size_t frame_to_ipv6(const uint8_t *eth, size_t len, uint8_t *out)
{
	const uint8_t *ip = eth + 14;
	size_t header;
	uint8_t *ip6;

	if (len < 34 || get16(eth + 12) != 0x0800 || (get16(ip + 6) & 0x3fff))
		return 0;
	header = (size_t)(ip[0] & 0x0f) * 4;
	if (len < 14 + header || get16(ip + 2) > len - 14)
		return 0;
	ip6 = out + 14;
	memcpy(out, eth, 12);
	put16(out + 12, 0x86dd);
	memset(ip6, 0, 40);
	ip6[0] = 0x60;
	put16(ip6 + 4, (uint16_t)(get16(ip + 2) - header));
	ip6[6] = ip[9];
	ip6[7] = 64;
	ip6[8] = 0x20, ip6[9] = 0x01, ip6[10] = 0x0d, ip6[11] = 0xb8;
	memcpy(ip6 + 20, ip + 12, 4);
	ip6[24] = 0x20, ip6[25] = 0x01, ip6[26] = 0x0d, ip6[27] = 0xb8;
	memcpy(ip6 + 36, ip + 16, 4);
	memcpy(ip6 + 40, ip + header, get16(ip + 2) - header);
	return 14 + 40 + get16(ip + 2) - header;
}
