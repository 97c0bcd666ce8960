/* Plain header layouts: RFC 791 §3.1 (IPv4), RFC 8200 §3 (IPv6), RFC 768 (UDP), IEEE 802.3. */
#include <arpa/inet.h>
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
