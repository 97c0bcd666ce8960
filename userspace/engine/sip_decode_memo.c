/* The last message's decode, kept so an identical copy is not parsed again. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip_decode_memo.h"

struct sip_decode_memo *sip_decode_memo_new(void)
{
	/* struct sip_message is large (fixed arrays of views): on the heap, made once */
	return calloc(1, sizeof(struct sip_decode_memo));
}

void sip_decode_memo_free(struct sip_decode_memo *memo)
{
	if (memo)
		free(memo->raw);
	free(memo);
}

static bool is_last(const struct sip_decode_memo *memo, const char *raw, size_t len, bool datagram)
{
	return memo->known && memo->datagram == datagram && memo->raw_len == len &&
	       (len == 0 || memcmp(memo->raw, raw, len) == 0);
}

/* Keeps RAW as the last message's bytes; false when out of memory (nothing is kept then). */
static bool keep_raw(struct sip_decode_memo *memo, const char *raw, size_t len)
{
	if (len > memo->raw_cap) {
		char *grown = realloc(memo->raw, len);
		if (!grown)
			return false;
		memo->raw = grown;
		memo->raw_cap = len;
	}
	if (len)
		memcpy(memo->raw, raw, len);
	memo->raw_len = len;
	return true;
}

int sip_decode_memo_get(struct sip_decode_memo *memo, const char *raw, size_t len, bool datagram,
			const struct sip_fields **fields, const char **err)
{
	*fields = &memo->fields;
	*err = memo->err;
	if (is_last(memo, raw, len, datagram))
		return memo->rc;
	memo->known = false;
	memo->err[0] = '\0';
	memo->rc = sip_fields_decode_in(&memo->msg, raw, len, datagram, &memo->fields, memo->err,
					sizeof(memo->err));
	/* out of memory for the copy: the next message is parsed, as it would have been */
	memo->known = keep_raw(memo, raw, len);
	memo->datagram = datagram;
	return memo->rc;
}
