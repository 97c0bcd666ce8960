/* The DATA chunks of an SCTP packet (RFC 9260 §3.2, §3.3.1), for SIP over SCTP (RFC 4168: one
 * SIP message per user message). Pure, no allocation: views into the packet. */
#ifndef SIPTRAIL_SCTP_CHUNK_H
#define SIPTRAIL_SCTP_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sctp_data {
	const uint8_t *data; /* the user data */
	size_t len;
	uint32_t tsn;
	uint16_t stream;
	uint32_t ppid;
	bool begin, end; /* B and E: both set for a user message in one chunk */
};

/* Over the chunks that follow the 12-byte common header (packet_l4's payload of an SCTP
 * packet). */
struct sctp_chunks {
	const uint8_t *p;
	size_t len;
};

/* The next DATA chunk: 1 with *data filled, 0 when no DATA chunk is left or a chunk length is
 * impossible (the rest of the packet is not read). Other chunks are skipped. */
int sctp_next_data(struct sctp_chunks *chunks, struct sctp_data *data);

#endif
