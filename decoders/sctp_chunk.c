/* Chunks are type, flags, a length that counts the 4-byte header but not the padding to a
 * multiple of 4 (RFC 9260 §3.2); DATA (type 0) adds TSN, stream, sequence and PPID (§3.3.1). */
#include "sctp_chunk.h"

#define SCTP_DATA_HEADER_BYTES 16
#define SCTP_FLAG_BEGIN	       0x02
#define SCTP_FLAG_END	       0x01

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int sctp_next_chunk(struct sctp_chunks *chunks, struct sctp_chunk *chunk)
{
	if (chunks->len >= 4) {
		const uint8_t *p = chunks->p;
		size_t len = (size_t)(p[2] << 8 | p[3]), padded = (len + 3) & ~(size_t)3;

		if (len >= 4 && len <= chunks->len) {
			chunks->p += padded < chunks->len ? padded : chunks->len;
			chunks->len -= padded < chunks->len ? padded : chunks->len;
			chunk->type = p[0];
			chunk->flags = p[1];
			chunk->value = p + 4;
			chunk->len = len - 4;
			return 1;
		}
	}
	chunks->len = 0;
	return 0;
}

int sctp_next_data(struct sctp_chunks *chunks, struct sctp_data *data)
{
	struct sctp_chunk chunk;

	while (sctp_next_chunk(chunks, &chunk)) {
		const uint8_t *header = chunk.value - 4;

		if (chunk.type != SCTP_CHUNK_DATA)
			continue;
		if (chunk.len + 4 < SCTP_DATA_HEADER_BYTES)
			break;
		data->data = header + SCTP_DATA_HEADER_BYTES;
		data->len = chunk.len + 4 - SCTP_DATA_HEADER_BYTES;
		data->tsn = be32(header + 4);
		data->stream = (uint16_t)(header[8] << 8 | header[9]);
		data->ppid = be32(header + 12);
		data->begin = chunk.flags & SCTP_FLAG_BEGIN;
		data->end = chunk.flags & SCTP_FLAG_END;
		return 1;
	}
	chunks->len = 0;
	return 0;
}
