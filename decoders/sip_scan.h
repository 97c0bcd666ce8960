/* Character classes and small scanners shared by the SIP parsers (internal to decoders/). */
#ifndef SIPTRAIL_SIP_SCAN_H
#define SIPTRAIL_SIP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "sip_message.h"

/* RFC 3261 §25.1 token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" */
extern const uint8_t sip_token_char[256];

static inline bool sip_is_token(char c)
{
	return sip_token_char[(unsigned char)c];
}

static inline bool sip_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool sip_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* LWS inside a header value: folded lines keep their CRLF in the view (§7.3.1). */
static inline bool sip_is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline char sip_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : c;
}

static inline bool sip_equal_ci(const char *a, const char *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (sip_lower(a[i]) != sip_lower(b[i]))
			return false;
	return true;
}

/*
 * A's LEN bytes equal LOWER's ignoring case, 8 bytes at a time: OR 0x20 folds A-Z onto a-z.
 * Exact where LOWER has a lower-case letter (only its two cases fold onto it); elsewhere A's
 * byte must be a token byte (0x0d would fold onto '-'). Inlined with a literal's length, the
 * copies are plain loads.
 */
static inline __attribute__((always_inline)) bool sip_equal_lower(const char *a, const char *lower,
								  size_t len)
{
	const uint64_t fold = 0x2020202020202020ull;
	uint64_t x, y;

	for (; len >= 8; a += 8, lower += 8, len -= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, lower, 8);
		if ((x | fold) != y)
			return false;
	}
	if (len == 0)
		return true;
	x = y = 0;
	memcpy(&x, a, len);
	memcpy(&y, lower, len);
	return (x | (fold >> (64 - 8 * len))) == y;
}

/* A view equals a literal of lower-case letters, ignoring case; the length check first makes
 * misses cheap. */
#define SIP_VIEW_IS(view, literal)                                                                 \
	((view).len == sizeof(literal) - 1 &&                                                      \
	 sip_equal_lower((view).ptr, literal, sizeof(literal) - 1))

static inline const char *sip_skip_lws(const char *p, const char *end)
{
	while (p < end && sip_is_lws(*p))
		p++;
	return p;
}

static inline const char *sip_skip_token(const char *p, const char *end)
{
	while (p < end && sip_is_token(*p))
		p++;
	return p;
}

static inline struct sip_view sip_view_of(const char *begin, const char *end)
{
	return (struct sip_view){.ptr = begin, .len = (size_t)(end - begin)};
}

/*
 * First byte in [p, end) below FLOOR, HT excepted when TAB_OK, or end. Hand-written with SSE2
 * because memchr can look for one byte only and we need CR, LF and the illegal controls in the
 * same pass (measured in bench/bench_parse.c); inlined with constants, one loop per use.
 */
static inline __attribute__((always_inline)) const char *
sip_find_below(const char *p, const char *end, unsigned char floor, bool tab_ok)
{
#ifdef __SSE2__
	const __m128i min = _mm_set1_epi8((char)floor);
	const __m128i tab = _mm_set1_epi8(tab_ok ? '\t' : (char)floor);
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i above = _mm_cmpeq_epi8(_mm_max_epu8(v, min), v);
		__m128i ok = _mm_or_si128(above, _mm_cmpeq_epi8(v, tab));
		unsigned below = ~(unsigned)_mm_movemask_epi8(ok) & 0xffffu;
		if (below)
			return p + __builtin_ctz(below);
		p += 16;
	}
#endif
	while (p < end && ((unsigned char)*p >= floor || (tab_ok && *p == '\t')))
		p++;
	return p;
}

/* First control byte other than HT in [p, end) (CR, LF, NUL, ...), or end. This is the
 * parser's hot loop: every header byte goes through it once. */
static inline const char *sip_find_ctl(const char *p, const char *end)
{
	return sip_find_below(p, end, 0x20, true);
}

/* First whitespace or control byte in [p, end) (SP, HT, CR, LF, ...), or end. */
static inline const char *sip_find_space_or_ctl(const char *p, const char *end)
{
	return sip_find_below(p, end, 0x21, false);
}

/* Decimal digits into *value; false when empty, not all digits, or above max. */
bool sip_parse_uint(struct sip_view digits, uint64_t max, uint64_t *value);

/* Trims LWS on both sides. */
struct sip_view sip_view_trim(struct sip_view view);

/* p at an opening '"': the byte after the closing quote, or NULL when unterminated.
 * quoted-pair (backslash + any byte) is skipped as a unit (§25.1). */
const char *sip_skip_quoted(const char *p, const char *end);

/* One ";name[=value]" parameter (§25.1 generic-param, uri-parameter, via-params). value
 * excludes the quotes of a quoted-string and keeps the brackets of an IPv6 reference. */
struct sip_param {
	struct sip_view name;
	struct sip_view value;
	bool has_value;
};

enum sip_param_result {
	SIP_PARAM_FOUND,
	SIP_PARAM_NONE,	     /* next non-LWS byte is not ';' (*pp left on it) */
	SIP_PARAM_MALFORMED, /* ';' not followed by a parameter name or a closed quote */
};

/* Reads the parameter starting at the next ';' after LWS and advances *pp past it. */
enum sip_param_result sip_next_param(const char **pp, const char *end, struct sip_param *param);

#endif
