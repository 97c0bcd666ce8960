/* Chunks are type, flags, a length that counts the 4-byte header but not the padding to a
 * multiple of 4 (RFC 9260 §3.2); DATA (type 0) adds TSN, stream, sequence and PPID (§3.3.1). */
#include "sctp_chunk.h"

#define SCTP_CHUNK_DATA	       0
#define SCTP_DATA_HEADER_BYTES 16
#define SCTP_FLAG_BEGIN	       0x02
#define SCTP_FLAG_END	       0x01

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int sctp_next_data(struct sctp_chunks *chunks, struct sctp_data *data)
{
	while (chunks->len >= 4) {
		const uint8_t *chunk = chunks->p;
		size_t len = (size_t)(chunk[2] << 8 | chunk[3]), padded = (len + 3) & ~(size_t)3;

		if (len < 4 || len > chunks->len)
			break;
		chunks->p += padded < chunks->len ? padded : chunks->len;
		chunks->len -= padded < chunks->len ? padded : chunks->len;
		if (chunk[0] != SCTP_CHUNK_DATA)
			continue;
		if (len < SCTP_DATA_HEADER_BYTES)
			break;
		data->data = chunk + SCTP_DATA_HEADER_BYTES;
		data->len = len - SCTP_DATA_HEADER_BYTES;
		data->tsn = be32(chunk + 4);
		data->stream = (uint16_t)(chunk[8] << 8 | chunk[9]);
		data->ppid = be32(chunk + 12);
		data->begin = chunk[1] & SCTP_FLAG_BEGIN;
		data->end = chunk[1] & SCTP_FLAG_END;
		return 1;
	}
	chunks->len = 0;
	return 0;
}
