/* Compact JSON text of an event, byte for byte what jansson's json_dumpb(JSON_COMPACT) writes,
 * at a fraction of its cost: the hot path of `siptrail live` output. */
#ifndef SIPTRAIL_JSON_COMPACT_H
#define SIPTRAIL_JSON_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <jansson.h>

/* Writes VALUE into BUF (no NUL). Returns the length, or 0 when it does not fit in SIZE or
 * holds what this writer leaves to jansson (reals, non-ASCII text, deep nesting): the caller
 * then dumps with jansson. */
size_t json_compact_dump(const json_t *value, char *buf, size_t size);

/* The same output written value by value, without a json_t: the events' writer
 * (journal_write.h). Each call adds one value (after json_out_key inside an object); commas come
 * by themselves. What does not fit in the buffer makes json_out_len 0. */
struct json_out {
	char *start, *pos, *end;
	bool comma;    /* a value came before in the object or array open now */
	bool overflow; /* the buffer was too small */
};

void json_out_init(struct json_out *out, char *buf, size_t size);
void json_out_open(struct json_out *out, char bracket); /* '{' or '[' */
void json_out_close(struct json_out *out, char bracket);
/* KEY: a field name, printable ASCII without '"' or '\\' (written as it is). */
void json_out_key_len(struct json_out *out, const char *key, size_t len);
/* Inline: a dozen keys a line, each a literal whose length is known when compiled, so that the
 * copy is a few moves (measured: the keys were a tenth of a SIP event's line). */
static inline void json_out_key(struct json_out *out, const char *key)
{
	size_t len = strlen(key);

	if ((size_t)(out->end - out->pos) < len + 4) {
		json_out_key_len(out, key, len); /* what does not fit is marked there */
		return;
	}
	if (out->comma)
		*out->pos++ = ',';
	*out->pos++ = '"';
	memcpy(out->pos, key, len);
	out->pos += len;
	memcpy(out->pos, "\":", 2);
	out->pos += 2;
	out->comma = false;
}
/* TEXT as a string, null when it is not UTF-8 (as jansson's json_stringn would refuse it). */
void json_out_text(struct json_out *out, const char *text, size_t len);
void json_out_string(struct json_out *out, const char *text);	      /* NULL: null */
void json_out_string_or_null(struct json_out *out, const char *text); /* "" too */
/* NAME: ASCII that needs no escape (a name from the event model's tables, an address's text),
 * copied as it is; NULL: null. */
void json_out_name(struct json_out *out, const char *name);
void json_out_int(struct json_out *out, int64_t value);
void json_out_bool(struct json_out *out, bool value);
void json_out_null(struct json_out *out);
/* A value already written as JSON (by this writer: a value json_out_text wrote before). */
void json_out_json(struct json_out *out, const char *json, size_t len);
/* Keys and values this writer wrote after a value, their first comma included, written again
 * after a value (in an object, where the next key wants its comma). */
void json_out_members(struct json_out *out, const char *json, size_t len);
/* The length written, 0 when the buffer was too small. */
size_t json_out_len(const struct json_out *out);

#endif
