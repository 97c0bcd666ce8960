/* Frames built byte by byte for capture tests: Ethernet, IPv4, IPv6 and UDP headers around a
 * payload. Each function writes its header then the payload to OUT (which must not overlap
 * it) and returns the length; addresses are text. Checksums: IPv4 header filled, UDP 0. */
#ifndef SIPTRAIL_TESTS_FRAME_BUILD_H
#define SIPTRAIL_TESTS_FRAME_BUILD_H

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

/* Ethernet + IPv4 + UDP, the usual SIP datagram. */
size_t frame_eth_udp4(uint8_t *out, const char *src, uint16_t src_port, const char *dst,
		      uint16_t dst_port, const void *payload, size_t len);

#endif
