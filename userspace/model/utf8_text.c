#include <stdint.h>
#include <string.h>

#include "utf8_text.h"

bool text_is_ascii(const char *text, size_t len)
{
	uint64_t bits = 0, word;
	size_t i = 0;

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
