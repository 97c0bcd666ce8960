/*
 * Hand-written on purpose: json_dumpb was 30 % of `siptrail live`'s own CPU on connection
 * churn (perf, bench/bench_live_overhead.c churn load), as it formats every integer with
 * snprintf and walks every string one UTF-8 code point at a time through a callback. This
 * writer covers what events hold (objects, arrays, strings, integers, true/false/null) and
 * reproduces jansson 2.14's compact output exactly (tests/unit/test_json_compact.c compares
 * the two); anything else is left to jansson.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "json_compact.h"
#include "utf8_text.h"

#define MAX_DEPTH 32

static bool put(struct json_out *out, const char *text, size_t len)
{
	if ((size_t)(out->end - out->pos) < len)
		return false;
	memcpy(out->pos, text, len);
	out->pos += len;
	return true;
}

static bool put_char(struct json_out *out, char c)
{
	if (out->pos == out->end)
		return false;
	*out->pos++ = c;
	return true;
}

/* jansson's escapes: the short forms of RFC 8259 §7, \u00XX (upper-case hex) for other
 * control characters; '/' and DEL as they are. */
static bool put_escape(struct json_out *out, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char seq[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

	switch (c) {
	case '\\':
		return put(out, "\\\\", 2);
	case '"':
		return put(out, "\\\"", 2);
	case '\b':
		return put(out, "\\b", 2);
	case '\f':
		return put(out, "\\f", 2);
	case '\n':
		return put(out, "\\n", 2);
	case '\r':
		return put(out, "\\r", 2);
	case '\t':
		return put(out, "\\t", 2);
	default:
		return put(out, seq, sizeof(seq));
	}
}

#define BYTES(b) (0x0101010101010101ULL * (b))

/* The bytes of WORD that need more than a copy: a control character, '"', '\\' or a non-ASCII
 * byte, flagged by their top bit (the usual SWAR zero-byte tests: a flag above a flagged byte
 * may be false, the lowest one never is). */
static uint64_t care_mask(uint64_t word)
{
	uint64_t quote = word ^ BYTES('"'), backslash = word ^ BYTES('\\');
	uint64_t control = (word - BYTES(0x20)) & ~word;
	uint64_t is_quote = (quote - BYTES(1)) & ~quote;
	uint64_t is_backslash = (backslash - BYTES(1)) & ~backslash;

	return (control | is_quote | is_backslash | word) & BYTES(0x80);
}

/* How many bytes of a word with MASK (not 0) come before the first that needs care. */
static size_t plain_prefix(uint64_t mask)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(mask) / 8;
#else
	(void)mask;
	return 0; /* the bytes are looked at one by one */
#endif
}

/* Copies the plain bytes at the start of SRC (at most N, and at most ROOM) to DST, up to the
 * first that needs care; returns how many. Each block is stored before it is looked at, so the
 * runs of a SIP message between its CRLFs cost no call (the JSON line was the largest part of
 * `siptrail live`'s CPU per SIP message). 16 bytes a step where SSE2 is (every x86-64), else 8. */
static size_t copy_plain(char *dst, size_t room, const char *src, size_t n)
{
	size_t i = 0, limit = n < room ? n : room;
	uint64_t word, mask;

#ifdef __SSE2__
	for (; i + 16 <= limit; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(src + i));
		/* signed: the non-ASCII bytes are below 0x20 too */
		__m128i care = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
					    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
							 _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
		unsigned bits = (unsigned)_mm_movemask_epi8(care);

		_mm_storeu_si128((__m128i *)(void *)(dst + i), v);
		if (bits)
			return i + (size_t)__builtin_ctz(bits);
	}
#endif
	for (; i + 8 <= limit; i += 8) {
		memcpy(&word, src + i, sizeof(word));
		memcpy(dst + i, &word, sizeof(word));
		mask = care_mask(word);
		if (mask)
			return i + plain_prefix(mask);
	}
	for (; i < limit; i++) {
		unsigned char c = src[i];

		if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
			return i;
		dst[i] = (char)c;
	}
	return i;
}

/* Non-ASCII text is copied as it is when UTF8_CHECKED (jansson writes UTF-8 unescaped), else
 * the write fails at its first non-ASCII byte (json_out_text then checks the text's UTF-8;
 * put_string leaves such text to jansson, which checks it while dumping). */
static bool put_text(struct json_out *out, const char *text, size_t len, bool utf8_checked)
{
	size_t i = 0, plain;

	if (!put_char(out, '"'))
		return false;
	for (;;) {
		plain = copy_plain(out->pos, out->end - out->pos, text + i, len - i);
		out->pos += plain;
		i += plain;
		if (i == len)
			break;
		unsigned char c = text[i++];

		if (c >= 0x80 && !utf8_checked)
			return false;
		/* the room ran out, or a non-ASCII byte of checked UTF-8 */
		if (c >= 0x20 && c != '"' && c != '\\') {
			if (!put_char(out, (char)c))
				return false;
			continue;
		}
		/* a SIP message's line ends, escaped in one step rather than two */
		if (c == '\r' && i < len && text[i] == '\n') {
			if (!put(out, "\\r\\n", 4))
				return false;
			i++;
		} else if (!put_escape(out, c)) {
			return false;
		}
	}
	return put_char(out, '"');
}

static bool put_string(struct json_out *out, const char *text, size_t len)
{
	return put_text(out, text, len, false);
}

/* Two digits a step: a journal line has a 19-digit ts_ns and a few more numbers. */
static bool put_integer(struct json_out *out, json_int_t value)
{
	static const char pairs[] = "000102030405060708091011121314151617181920212223242526272829"
				    "303132333435363738394041424344454647484950515253545556575859"
				    "606162636465666768697071727374757677787980818283848586878889"
				    "90919293949596979899";
	char digits[24], *start = digits + sizeof(digits);
	unsigned long long magnitude =
	    value < 0 ? 0ull - (unsigned long long)value : (unsigned long long)value;

	for (; magnitude >= 100; magnitude /= 100) {
		start -= 2;
		memcpy(start, pairs + 2 * (magnitude % 100), 2);
	}
	if (magnitude >= 10) {
		start -= 2;
		memcpy(start, pairs + 2 * magnitude, 2);
	} else {
		*--start = '0' + magnitude;
	}
	if (value < 0)
		*--start = '-';
	return put(out, start, digits + sizeof(digits) - start);
}

static bool put_value(struct json_out *out, const json_t *value, int depth);

static bool put_object(struct json_out *out, const json_t *object, int depth)
{
	bool first = true;

	if (!put_char(out, '{'))
		return false;
	for (void *iter = json_object_iter((json_t *)object); iter;
	     iter = json_object_iter_next((json_t *)object, iter)) {
		if ((!first && !put_char(out, ',')) ||
		    !put_string(out, json_object_iter_key(iter), json_object_iter_key_len(iter)) ||
		    !put_char(out, ':') || !put_value(out, json_object_iter_value(iter), depth + 1))
			return false;
		first = false;
	}
	return put_char(out, '}');
}

static bool put_array(struct json_out *out, const json_t *array, int depth)
{
	size_t n = json_array_size(array);

	if (!put_char(out, '['))
		return false;
	for (size_t i = 0; i < n; i++) {
		if ((i && !put_char(out, ',')) ||
		    !put_value(out, json_array_get(array, i), depth + 1))
			return false;
	}
	return put_char(out, ']');
}

static bool put_value(struct json_out *out, const json_t *value, int depth)
{
	if (depth > MAX_DEPTH)
		return false;
	switch (json_typeof(value)) {
	case JSON_OBJECT:
		return put_object(out, value, depth);
	case JSON_ARRAY:
		return put_array(out, value, depth);
	case JSON_STRING:
		return put_string(out, json_string_value(value), json_string_length(value));
	case JSON_INTEGER:
		return put_integer(out, json_integer_value(value));
	case JSON_TRUE:
		return put(out, "true", 4);
	case JSON_FALSE:
		return put(out, "false", 5);
	case JSON_NULL:
		return put(out, "null", 4);
	default:
		return false; /* reals: jansson's own formatting */
	}
}

size_t json_compact_dump(const json_t *value, char *buf, size_t size)
{
	struct json_out out;

	json_out_init(&out, buf, size);
	/* like json_dumpb without JSON_ENCODE_ANY: only an object or an array is a document */
	if (!json_is_object(value) && !json_is_array(value))
		return 0;
	if (!put_value(&out, value, 0))
		return 0;
	return out.pos - buf;
}

/* A value's separator: a comma before any but the first of an object or array. */
static void value_start(struct json_out *out)
{
	if (out->comma && !put_char(out, ','))
		out->overflow = true;
	out->comma = true;
}

void json_out_init(struct json_out *out, char *buf, size_t size)
{
	*out = (struct json_out){.start = buf, .pos = buf, .end = buf + size};
}

void json_out_open(struct json_out *out, char bracket)
{
	value_start(out);
	if (!put_char(out, bracket))
		out->overflow = true;
	out->comma = false;
}

void json_out_close(struct json_out *out, char bracket)
{
	if (!put_char(out, bracket))
		out->overflow = true;
	out->comma = true;
}

/* Keys are the journal's field names, plain ASCII: copied, not scanned for escapes (a dozen
 * per event). json_out_key comes here when the key may not fit. */
void json_out_key_len(struct json_out *out, const char *key, size_t len)
{
	value_start(out);
	if (!put_char(out, '"') || !put(out, key, len) || !put(out, "\":", 2))
		out->overflow = true;
	out->comma = false;
}

/* ASCII text (a SIP message, an address) is written in one pass; text with a non-ASCII byte is
 * written again once its UTF-8 is checked. */
void json_out_text(struct json_out *out, const char *text, size_t len)
{
	char *start = out->pos;
	bool comma = out->comma;

	value_start(out);
	if (put_text(out, text, len, false))
		return;
	out->pos = start;
	out->comma = comma;
	if (!utf8_valid(text, len)) {
		json_out_null(out);
		return;
	}
	value_start(out);
	if (!put_text(out, text, len, true))
		out->overflow = true;
}

void json_out_string(struct json_out *out, const char *text)
{
	if (text)
		json_out_text(out, text, strlen(text));
	else
		json_out_null(out);
}

void json_out_string_or_null(struct json_out *out, const char *text)
{
	json_out_string(out, text && text[0] ? text : NULL);
}

void json_out_name(struct json_out *out, const char *name)
{
	if (!name) {
		json_out_null(out);
		return;
	}
	value_start(out);
	if (!put_char(out, '"') || !put(out, name, strlen(name)) || !put_char(out, '"'))
		out->overflow = true;
}

void json_out_int(struct json_out *out, int64_t value)
{
	value_start(out);
	if (!put_integer(out, value))
		out->overflow = true;
}

void json_out_bool(struct json_out *out, bool value)
{
	value_start(out);
	if (!(value ? put(out, "true", 4) : put(out, "false", 5)))
		out->overflow = true;
}

void json_out_null(struct json_out *out)
{
	value_start(out);
	if (!put(out, "null", 4))
		out->overflow = true;
}

void json_out_members(struct json_out *out, const char *json, size_t len)
{
	if (!put(out, json, len))
		out->overflow = true;
	out->comma = true;
}

void json_out_json(struct json_out *out, const char *json, size_t len)
{
	value_start(out);
	if (!put(out, json, len))
		out->overflow = true;
}

size_t json_out_len(const struct json_out *out)
{
	return out->overflow ? 0 : (size_t)(out->pos - out->start);
}
