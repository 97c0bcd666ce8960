#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "utf8_text.h"

#define TEXT_MAX 100 /* past three of text_is_ascii's 32-byte steps, and tails of every length */

/* One byte of 0x80 or above anywhere, in text of any length, is found, whether it falls in a
 * 32-byte step, an 8-byte word or the tail. */
static void test_ascii_at_every_position(void **state)
{
	static const unsigned char high[] = {0x80, 0xc3, 0xff};
	char text[TEXT_MAX];

	(void)state;
	for (size_t len = 0; len <= TEXT_MAX; len++) {
		memset(text, 'x', sizeof(text));
		assert_true(text_is_ascii(text, len));
		assert_true(utf8_valid(text, len));
		for (size_t at = 0; at < len; at++)
			for (size_t h = 0; h < sizeof(high); h++) {
				text[at] = (char)high[h];
				assert_false(text_is_ascii(text, len));
				assert_false(
				    utf8_valid(text, len)); /* a lone lead or continuation */
				text[at] = 0x7f;
				assert_true(text_is_ascii(text, len));
				text[at] = 'x';
			}
		/* past len: not looked at */
		if (len < TEXT_MAX) {
			text[len] = (char)0xff;
			assert_true(text_is_ascii(text, len));
		}
	}
}

/* Well-formed sequences anywhere are accepted, ill-formed ones refused (RFC 3629 §4). */
static void test_utf8_sequences(void **state)
{
	static const char *const good[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
	static const char *const bad[] = {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
					  "\xf4\x90\x80\x80", "\xe2\x82"};
	char text[TEXT_MAX];

	(void)state;
	for (size_t at = 0; at + 4 <= TEXT_MAX; at++) {
		for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			memset(text, 'x', sizeof(text));
			memcpy(text + at, good[i], strlen(good[i]));
			assert_true(utf8_valid(text, sizeof(text)));
		}
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			memset(text, 'x', sizeof(text));
			memcpy(text + at, bad[i], strlen(bad[i]));
			assert_false(utf8_valid(text, at + strlen(bad[i])));
			assert_false(utf8_valid(text, sizeof(text)));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ascii_at_every_position),
	    cmocka_unit_test(test_utf8_sequences),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
