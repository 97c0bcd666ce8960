/* The chunks of an SCTP packet (RFC 9260 §3.2, §3.3), for SIP over SCTP (RFC 4168: one SIP
 * message per user message) and for the life of its associations. Pure, no allocation: views
 * into the packet. */
#ifndef SIPTRAIL_SCTP_CHUNK_H
#define SIPTRAIL_SCTP_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 9260 §3.2 chunk types siptrail reads */
enum sctp_chunk_type {
	SCTP_CHUNK_DATA = 0,
	SCTP_CHUNK_INIT = 1,
	SCTP_CHUNK_INIT_ACK = 2,
	SCTP_CHUNK_ABORT = 6,
	SCTP_CHUNK_SHUTDOWN = 7,
	SCTP_CHUNK_SHUTDOWN_ACK = 8,
	SCTP_CHUNK_COOKIE_ECHO = 10,
	SCTP_CHUNK_COOKIE_ACK = 11,
	SCTP_CHUNK_SHUTDOWN_COMPLETE = 14,
};

struct sctp_chunk {
	uint8_t type, flags;
	const uint8_t *value; /* after the 4-byte chunk header */
	size_t len;	      /* of the value, padding not counted */
};

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

/* The next chunk of any type: 1 with *chunk filled, 0 when none is left or a chunk length is
 * impossible (the rest of the packet is not read). */
int sctp_next_chunk(struct sctp_chunks *chunks, struct sctp_chunk *chunk);

/* The next DATA chunk: 1 with *data filled, 0 when no DATA chunk is left or a chunk length is
 * impossible. Other chunks are skipped. */
int sctp_next_data(struct sctp_chunks *chunks, struct sctp_data *data);

#endif
