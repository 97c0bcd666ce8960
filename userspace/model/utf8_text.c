#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "utf8_text.h"

bool text_is_ascii(const char *text, size_t len)
{
	uint64_t bits = 0, word;
	size_t i = 0;

#ifdef __SSE2__
	/* 32 bytes a step: every SIP message from the wire is checked (wire_text), 600 bytes and
	 * more, 375 instructions a message by words */
	__m128i high = _mm_setzero_si128();

	for (; i + 32 <= len; i += 32)
		high = _mm_or_si128(high,
				    _mm_or_si128(_mm_loadu_si128((const void *)(text + i)),
						 _mm_loadu_si128((const void *)(text + i + 16))));
	if (_mm_movemask_epi8(high))
		return false;
#endif
	for (; i + sizeof(word) <= len; i += sizeof(word)) {
		memcpy(&word, text + i, sizeof(word));
		bits |= word;
	}
	for (; i < len; i++)
		bits |= (unsigned char)text[i];
	return !(bits & 0x8080808080808080ULL);
}

bool utf8_valid(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;

	if (text_is_ascii(text, len))
		return true;
	while (p < end) {
		unsigned char c = *p++;
		size_t more = c < 0x80		       ? 0
			      : c >= 0xc2 && c <= 0xdf ? 1
			      : (c & 0xf0) == 0xe0     ? 2
			      : c >= 0xf0 && c <= 0xf4 ? 3
						       : 4;

		if (more == 4 || (size_t)(end - p) < more)
			return false;
		if (more && ((c == 0xe0 && p[0] < 0xa0) || (c == 0xed && p[0] > 0x9f) ||
			     (c == 0xf0 && p[0] < 0x90) || (c == 0xf4 && p[0] > 0x8f)))
			return false;
		for (; more; more--)
			if ((*p++ & 0xc0) != 0x80)
				return false;
	}
	return true;
}
