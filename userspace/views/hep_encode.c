#include <string.h>

#include "hep_encode.h"

#define HEP_HEADER_LEN	 6
#define CHUNK_HEADER_LEN 6
#define HEP_FAMILY_IPV4	 2 /* the values of Linux's AF_INET and AF_INET6 */
#define HEP_FAMILY_IPV6	 10

/* chunk types of the generic vendor (HEP3 rev. 12, section 3) */
enum hep_chunk {
	CHUNK_IP_FAMILY = 1,
	CHUNK_IP_PROTO = 2,
	CHUNK_IPV4_SRC = 3,
	CHUNK_IPV4_DST = 4,
	CHUNK_IPV6_SRC = 5,
	CHUNK_IPV6_DST = 6,
	CHUNK_SRC_PORT = 7,
	CHUNK_DST_PORT = 8,
	CHUNK_TS_SEC = 9,
	CHUNK_TS_USEC = 10,
	CHUNK_PROTO_TYPE = 11,
	CHUNK_CAPTURE_ID = 12,
	CHUNK_PAYLOAD = 15,
	CHUNK_CORRELATION_ID = 17,
	CHUNK_CAPTURE_NAME = 19,
};

struct hep_writer {
	uint8_t *buf;
	size_t len, cap;
	bool full;
};

static void put_be(struct hep_writer *w, uint64_t value, unsigned bytes)
{
	if (w->full || w->cap - w->len < bytes) {
		w->full = true;
		return;
	}
	for (unsigned i = 0; i < bytes; i++)
		w->buf[w->len++] = (uint8_t)(value >> (8 * (bytes - 1 - i)));
}

static void chunk(struct hep_writer *w, enum hep_chunk type, const void *value, size_t len)
{
	if (len > UINT16_MAX - CHUNK_HEADER_LEN || w->full ||
	    w->cap - w->len < CHUNK_HEADER_LEN + len) {
		w->full = true;
		return;
	}
	put_be(w, 0, 2); /* generic vendor */
	put_be(w, type, 2);
	put_be(w, CHUNK_HEADER_LEN + len, 2);
	memcpy(w->buf + w->len, value, len);
	w->len += len;
}

static void chunk_uint(struct hep_writer *w, enum hep_chunk type, uint32_t value, unsigned bytes)
{
	uint8_t be[4];

	for (unsigned i = 0; i < bytes; i++)
		be[i] = (uint8_t)(value >> (8 * (bytes - 1 - i)));
	chunk(w, type, be, bytes);
}

size_t hep_encode(const struct hep_packet *pkt, uint8_t *buf, size_t buf_len)
{
	struct hep_writer w = {buf, 0, buf_len < HEP_MAX_PACKET ? buf_len : HEP_MAX_PACKET, false};
	bool v6 = pkt->ipv6;
	size_t addr_len = v6 ? 16 : 4;

	put_be(&w, 0x48455033, 4); /* "HEP3" */
	put_be(&w, 0, 2);	   /* the total length, set at the end */
	chunk_uint(&w, CHUNK_IP_FAMILY, v6 ? HEP_FAMILY_IPV6 : HEP_FAMILY_IPV4, 1);
	chunk_uint(&w, CHUNK_IP_PROTO, pkt->ip_proto, 1);
	chunk(&w, v6 ? CHUNK_IPV6_SRC : CHUNK_IPV4_SRC, pkt->src_addr, addr_len);
	chunk(&w, v6 ? CHUNK_IPV6_DST : CHUNK_IPV4_DST, pkt->dst_addr, addr_len);
	chunk_uint(&w, CHUNK_SRC_PORT, pkt->src_port, 2);
	chunk_uint(&w, CHUNK_DST_PORT, pkt->dst_port, 2);
	chunk_uint(&w, CHUNK_TS_SEC, (uint32_t)(pkt->ts_ns / 1000000000ULL), 4);
	chunk_uint(&w, CHUNK_TS_USEC, (uint32_t)(pkt->ts_ns % 1000000000ULL / 1000), 4);
	chunk_uint(&w, CHUNK_PROTO_TYPE, pkt->proto_type, 1);
	chunk_uint(&w, CHUNK_CAPTURE_ID, pkt->capture_id, 4);
	if (pkt->capture_name)
		chunk(&w, CHUNK_CAPTURE_NAME, pkt->capture_name, strlen(pkt->capture_name));
	if (pkt->correlation_id)
		chunk(&w, CHUNK_CORRELATION_ID, pkt->correlation_id, strlen(pkt->correlation_id));
	chunk(&w, CHUNK_PAYLOAD, pkt->payload, pkt->payload_len);
	if (w.full)
		return 0;
	buf[4] = (uint8_t)(w.len >> 8);
	buf[5] = (uint8_t)w.len;
	return w.len;
}
