/*
 * HEPv3 (the Homer Encapsulation Protocol, HEP3 rev. 12): one captured message as the packet
 * Homer, heplify-server and Kamailio's sipcapture take. A packet is "HEP3", its total length
 * (16 bits, network order), then chunks: vendor id 0 (generic), chunk type and chunk length
 * (16 bits each, the 6-byte chunk header included), then the value.
 */
#ifndef SIPTRAIL_HEP_ENCODE_H
#define SIPTRAIL_HEP_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEP_PROTO_SIP  1   /* chunk 11: a SIP message */
#define HEP_PROTO_LOG  100 /* chunk 11: a log line (Homer's logs) */
#define HEP_MAX_PACKET 65535

struct hep_packet {
	bool ipv6;			    /* else IPv4 */
	uint8_t ip_proto;		    /* IPPROTO_UDP or IPPROTO_TCP (TLS rides on TCP) */
	uint8_t src_addr[16], dst_addr[16]; /* network order; 4 bytes used for IPv4 */
	uint16_t src_port, dst_port;
	uint64_t ts_ns;	    /* wall clock, ns since the Unix epoch */
	uint8_t proto_type; /* HEP_PROTO_* */
	uint32_t capture_id;
	const char *capture_name;   /* NULL: no chunk */
	const char *correlation_id; /* NULL: no chunk (Homer ties a log to its call by it) */
	const uint8_t *payload;
	size_t payload_len;
};

/* Encodes PKT into BUF. Returns the packet's length, or 0 when it does not fit in BUF_LEN
 * (or in HEP's 16-bit length). */
size_t hep_encode(const struct hep_packet *pkt, uint8_t *buf, size_t buf_len);

#endif
