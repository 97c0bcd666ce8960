/*
 * The correlator's SIP decode, remembering the last message: on a host with both ends of a
 * connection local (loopback, a proxy talking to itself) every message arrives as two events,
 * one per local socket, with the same bytes; the second is answered from the first's fields
 * instead of being parsed again. The decode depends only on the bytes and the transport, so
 * the answer is the same.
 */
#ifndef SIPTRAIL_SIP_DECODE_MEMO_H
#define SIPTRAIL_SIP_DECODE_MEMO_H

#include <stdbool.h>
#include <stddef.h>

#include "sip_fields.h"

struct sip_decode_memo {
	struct sip_message msg; /* the parser's scratch, reused for every message */
	char *raw;		/* the last message's bytes (a copy: the event's go away) */
	size_t raw_len, raw_cap;
	bool datagram, known;
	int rc; /* sip_fields_decode_in's answer for them */
	struct sip_fields fields;
	char err[160];
};

/* Returns a memo (freed with sip_decode_memo_free), NULL when out of memory. */
struct sip_decode_memo *sip_decode_memo_new(void);
void sip_decode_memo_free(struct sip_decode_memo *memo);

/*
 * sip_fields_decode_in() of RAW, answered from the memo when RAW is the last message's bytes.
 * *FIELDS and *ERR point into the memo, valid until its next call. Returns 0, or -EINVAL when the
 * message could not be decoded (*ERR says why).
 */
int sip_decode_memo_get(struct sip_decode_memo *memo, const char *raw, size_t len, bool datagram,
			const struct sip_fields **fields, const char **err);

#endif
