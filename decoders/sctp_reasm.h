/* SCTP user messages from their DATA chunks (RFC 9260 §6.9): a message larger than the path
 * MTU is sent as fragments with consecutive TSNs on one stream, the first with the B flag, the
 * last with E. Bounded: at most SCTP_REASM_MAX_MESSAGES in progress (the oldest is dropped for
 * a new one), each at most SCTP_REASM_MAX_BYTES; a missing fragment drops its message, a
 * retransmitted one is ignored. */
#ifndef SIPTRAIL_SCTP_REASM_H
#define SIPTRAIL_SCTP_REASM_H

#include <stddef.h>
#include <stdint.h>

#include "sctp_chunk.h"

#define SCTP_REASM_MAX_MESSAGES 64
#define SCTP_REASM_MAX_BYTES	(1u << 20)
#define SCTP_REASM_KEY_BYTES	40 /* two IPv6 addresses and two ports */

struct sctp_reasm;

struct sctp_reasm *sctp_reasm_new(void); /* NULL when out of memory */
void sctp_reasm_free(struct sctp_reasm *reasm);

/* Adds a DATA chunk of the association KEY (key_len at most SCTP_REASM_KEY_BYTES, e.g. its
 * addresses and ports). Returns 1 with *msg and *len the whole user message (valid until the
 * next call), 0 when more fragments are needed or the chunk was dropped, -ENOMEM. */
int sctp_reasm_add(struct sctp_reasm *reasm, const void *key, size_t key_len,
		   const struct sctp_data *chunk, const uint8_t **msg, size_t *len);

#endif
