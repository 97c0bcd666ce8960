/* The fast compact JSON writer gives exactly jansson's json_dumpb(JSON_COMPACT) bytes, and
 * leaves to jansson what it does not cover. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <glob.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json_compact.h"

#define LINE_BYTES 65536

/* Both writers agree on VALUE; returns whether the fast one took it. */
static bool assert_same_as_jansson(const json_t *value)
{
	static char fast[LINE_BYTES], slow[LINE_BYTES];
	size_t fast_len = json_compact_dump(value, fast, sizeof(fast));
	size_t slow_len = json_dumpb(value, slow, sizeof(slow), JSON_COMPACT);

	if (!fast_len)
		return false;
	assert_int_equal(fast_len, slow_len);
	assert_memory_equal(fast, slow, fast_len);
	return true;
}

static void test_every_ascii_byte_escaped_as_jansson(void **state)
{
	char text[128];
	json_t *obj = json_object();

	(void)state;
	for (int c = 0; c < 128; c++)
		text[c] = (char)c;
	/* the whole ASCII range (NUL included) as a value and as a key */
	json_object_set_new(obj, "all", json_stringn(text, sizeof(text)));
	json_object_setn_new(obj, text, sizeof(text), json_string("key"));
	json_object_set_new(obj, "quote\"back\\slash/", json_stringn("a\"b\\c/d\r\n\t", 10));
	assert_true(assert_same_as_jansson(obj));
	json_decref(obj);
}

/* Every byte that needs care, at every place in and across the 8-byte steps of the writer's
 * scan; a non-ASCII byte anywhere leaves the string to jansson. */
static void test_escapes_at_every_offset(void **state)
{
	static const char special[] = {'\r', '\n', '"', '\\', '\0', 0x1f, 0x7f, ' ', '/'};
	char text[40];

	(void)state;
	for (size_t s = 0; s < sizeof(special); s++) {
		for (size_t at = 0; at < 24; at++) {
			json_t *value;

			memset(text, 'a', sizeof(text));
			text[at] = special[s];
			text[at + 9] = special[s];
			value = json_pack("{s:s%}", "raw", text, sizeof(text));
			assert_true(assert_same_as_jansson(value));
			json_decref(value);
		}
	}
	/* CR then LF is escaped in one step: every pair around it, at every offset, and a CR
	 * that ends the text */
	static const char *const pairs[] = {"\r\n", "\r\r", "\n\r", "\r\"", "\r\0"};
	for (size_t p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
		for (size_t at = 0; at < 24; at++) {
			json_t *value;

			memset(text, 'a', sizeof(text));
			memcpy(text + at, pairs[p], 2);
			memcpy(text + at + 3, "\r\n\r\n", 4);
			text[sizeof(text) - 1] = '\r';
			value = json_pack("{s:s%}", "raw", text, sizeof(text));
			assert_true(assert_same_as_jansson(value));
			json_decref(value);
		}
	}
	for (size_t at = 0; at < 24; at++) {
		json_t *value;

		memset(text, 'a', sizeof(text));
		text[at] = (char)0xc3;
		text[at + 1] = (char)0xa9; /* é */
		value = json_pack("{s:s%}", "raw", text, sizeof(text));
		assert_non_null(value);
		assert_false(assert_same_as_jansson(value));
		json_decref(value);
	}
}

static void test_scalars_and_nesting(void **state)
{
	json_t *obj =
	    json_pack("{s:I, s:I, s:I, s:I, s:b, s:b, s:n, s:s, s:{}, s:[], s:[i, {s:[s, n]}]}",
		      "max", (json_int_t)INT64_MAX, "min", (json_int_t)INT64_MIN, "zero",
		      (json_int_t)0, "neg", (json_int_t)-42, "yes", 1, "no", 0, "none", "empty", "",
		      "obj", "arr", "nested", 7, "deep", "x");

	(void)state;
	assert_non_null(obj);
	assert_true(assert_same_as_jansson(obj));
	json_decref(obj);
}

/* Reals, non-ASCII text, scalars at the top and what does not fit go to jansson. */
static void test_leaves_the_rest_to_jansson(void **state)
{
	json_t *real = json_pack("{s:f}", "x", 0.1);
	json_t *utf8 = json_pack("{s:s}", "who", "J\xc3\xbcrgen");
	json_t *fits = json_pack("{s:s}", "a", "bcd");
	json_t *scalar = json_integer(1);
	char buf[16];

	(void)state;
	assert_int_equal(json_compact_dump(real, buf, sizeof(buf)), 0);
	assert_int_equal(json_compact_dump(utf8, buf, sizeof(buf)), 0);
	assert_int_equal(json_compact_dump(scalar, buf, sizeof(buf)), 0);
	assert_int_equal(json_compact_dump(fits, buf, 10), 0);
	assert_int_equal(json_compact_dump(fits, buf, 11), 11);
	assert_memory_equal(buf, "{\"a\":\"bcd\"}", 11);
	json_decref(real);
	json_decref(utf8);
	json_decref(fits);
	json_decref(scalar);
}

/* Every event of the journals kept as test data (all sources, all event kinds). */
static void test_journal_events_as_jansson(void **state)
{
	size_t taken = 0, lines = 0;
	glob_t files;

	(void)state;
	assert_int_equal(glob("tests/data/*.jsonl", 0, NULL, &files), 0);
	for (size_t f = 0; f < files.gl_pathc; f++) {
		FILE *in = fopen(files.gl_pathv[f], "r");
		char *line = NULL;
		size_t cap = 0;

		assert_non_null(in);
		while (getline(&line, &cap, in) > 0) {
			json_t *event = json_loads(line, 0, NULL);

			if (!event)
				continue;
			lines++;
			taken += assert_same_as_jansson(event);
			json_decref(event);
		}
		free(line);
		fclose(in);
	}
	globfree(&files);
	assert_true(lines > 100);
	assert_true(taken * 10 > lines * 9); /* the fast path is the common one */
}

static const char sample_utf8[] = "J\xc3\xbcrgen \xe2\x82\xac\r\n\"x\"";
static const char sample_bad[] = "ab\xff", sample_surrogate[] = "\xed\xa0\x80";

/* The sample object, value by value, into BUF of SIZE. Returns json_out_len. */
static size_t write_sample(char *buf, size_t size)
{
	struct json_out out;

	json_out_init(&out, buf, size);
	json_out_open(&out, '{');
	json_out_key(&out, "who");
	json_out_string(&out, sample_utf8);
	json_out_key(&out, "bad");
	json_out_text(&out, sample_bad, sizeof(sample_bad) - 1);
	json_out_key(&out, "surrogate");
	json_out_string(&out, sample_surrogate);
	json_out_key(&out, "list");
	json_out_open(&out, '[');
	json_out_int(&out, -42);
	json_out_bool(&out, true);
	json_out_bool(&out, false);
	json_out_close(&out, ']');
	json_out_key(&out, "empty");
	json_out_open(&out, '{');
	json_out_close(&out, '}');
	json_out_key(&out, "big");
	json_out_int(&out, INT64_MAX);
	json_out_close(&out, '}');
	return json_out_len(&out);
}

/* Written value by value (the events' writer): the bytes jansson dumps of the same object, with
 * UTF-8 text as it is and text that is not UTF-8 as null (jansson refuses such a string). */
static void test_written_by_value_as_jansson(void **state)
{
	json_t *obj =
	    json_pack("{s:s, s:n, s:n, s:[i, b, b], s:{}, s:I}", "who", sample_utf8, "bad",
		      "surrogate", "list", -42, 1, 0, "empty", "big", (json_int_t)INT64_MAX);
	char *slow = json_dumps(obj, JSON_COMPACT);
	char buf[256];

	(void)state;
	assert_int_equal(write_sample(buf, sizeof(buf)), strlen(slow));
	assert_memory_equal(buf, slow, strlen(slow));
	assert_int_equal(write_sample(buf, strlen(slow) - 1), 0); /* one byte short: nothing */
	free(slow);
	json_decref(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_ascii_byte_escaped_as_jansson),
	    cmocka_unit_test(test_escapes_at_every_offset),
	    cmocka_unit_test(test_scalars_and_nesting),
	    cmocka_unit_test(test_leaves_the_rest_to_jansson),
	    cmocka_unit_test(test_journal_events_as_jansson),
	    cmocka_unit_test(test_written_by_value_as_jansson),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
