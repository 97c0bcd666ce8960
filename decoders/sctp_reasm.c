/* A handful of slots searched linearly: fragmented SIP messages are rare (an INVITE with a
 * large body), and a slot's buffer is kept for the next message. */
#include "sctp_reasm.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	bool in_use;
	uint8_t key[SCTP_REASM_KEY_BYTES];
	size_t key_len;
	uint16_t stream;
	uint32_t next_tsn;
	uint64_t started; /* order of the first fragments, for eviction */
	uint8_t *buf;
	size_t len, cap;
};

struct sctp_reasm {
	struct slot slots[SCTP_REASM_MAX_MESSAGES];
	uint64_t messages_started;
};

struct sctp_reasm *sctp_reasm_new(void)
{
	return calloc(1, sizeof(struct sctp_reasm));
}

void sctp_reasm_free(struct sctp_reasm *reasm)
{
	if (!reasm)
		return;
	for (size_t i = 0; i < SCTP_REASM_MAX_MESSAGES; i++)
		free(reasm->slots[i].buf);
	free(reasm);
}

static struct slot *find(struct sctp_reasm *reasm, const void *key, size_t key_len, uint16_t stream)
{
	for (size_t i = 0; i < SCTP_REASM_MAX_MESSAGES; i++) {
		struct slot *s = &reasm->slots[i];
		if (s->in_use && s->stream == stream && s->key_len == key_len &&
		    !memcmp(s->key, key, key_len))
			return s;
	}
	return NULL;
}

/* A free slot, else the one whose message started first. */
static struct slot *take(struct sctp_reasm *reasm)
{
	struct slot *oldest = &reasm->slots[0];

	for (size_t i = 0; i < SCTP_REASM_MAX_MESSAGES; i++) {
		struct slot *s = &reasm->slots[i];
		if (!s->in_use)
			return s;
		if (s->started < oldest->started)
			oldest = s;
	}
	return oldest;
}

static int append(struct slot *s, const struct sctp_data *chunk)
{
	if (s->len + chunk->len > SCTP_REASM_MAX_BYTES) {
		s->in_use = false;
		return 0;
	}
	if (s->len + chunk->len > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		uint8_t *grown;
		while (cap < s->len + chunk->len)
			cap *= 2;
		grown = realloc(s->buf, cap);
		if (!grown) {
			s->in_use = false;
			return -ENOMEM;
		}
		s->buf = grown;
		s->cap = cap;
	}
	if (chunk->len) { /* an empty fragment may come before any buffer */
		memcpy(s->buf + s->len, chunk->data, chunk->len);
		s->len += chunk->len;
	}
	s->next_tsn = chunk->tsn + 1; /* serial arithmetic: wraps as TSNs do (RFC 9260 §3.3.1) */
	return 1;
}

int sctp_reasm_add(struct sctp_reasm *reasm, const void *key, size_t key_len,
		   const struct sctp_data *chunk, const uint8_t **msg, size_t *len)
{
	struct slot *s;
	int rc;

	if (chunk->begin && chunk->end) {
		*msg = chunk->data;
		*len = chunk->len;
		return 1;
	}
	if (key_len > SCTP_REASM_KEY_BYTES)
		return 0;
	s = find(reasm, key, key_len, chunk->stream);
	if (chunk->begin) {
		if (!s)
			s = take(reasm);
		s->in_use = true;
		memcpy(s->key, key, key_len);
		s->key_len = key_len;
		s->stream = chunk->stream;
		s->started = ++reasm->messages_started;
		s->len = 0;
		return append(s, chunk) < 0 ? -ENOMEM : 0;
	}
	if (!s || (int32_t)(chunk->tsn - s->next_tsn) < 0)
		return 0; /* no first fragment, or a retransmission */
	if (chunk->tsn != s->next_tsn) {
		s->in_use = false; /* a fragment missing: never guessed */
		return 0;
	}
	rc = append(s, chunk);
	if (rc <= 0 || !chunk->end)
		return rc < 0 ? rc : 0;
	s->in_use = false;
	*msg = s->buf;
	*len = s->len;
	return 1;
}
