/* Checks of text that may not be UTF-8 (libssl plaintext, SIP bodies, certificate fields)
 * before it goes where UTF-8 is required (a JSON string). */
#ifndef SIPTRAIL_UTF8_TEXT_H
#define SIPTRAIL_UTF8_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* No byte of TEXT is 0x80 or above (checked 32 bytes at a time). */
bool text_is_ascii(const char *text, size_t len);

/* RFC 3629 §4: well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF), what jansson
 * accepts as a JSON string; NUL bytes are fine. */
bool utf8_valid(const char *text, size_t len);

#endif
