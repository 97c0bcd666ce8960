/* The fix-hint table: every diagnosis id has hints, the table is grouped by id, docs/diagnoses.md
 * renders the same table, and explain (text, JSON) and the HTML timeline show the hints. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fix_hints_print.h"
#include "siptrail_cmd.h"

#define DOCS_PATH	"docs/diagnoses.md"
#define DOCS_BEGIN_MARK "<!-- fix-hints begin"
#define DOCS_END_MARK	"<!-- fix-hints end -->"

static char out[65536];

/* A new diagnosis id without a row in fix_hints.c fails here. */
static void test_every_id_has_hints(void **state)
{
	(void)state;
	for (int id = 0; id < DIAG_COUNT; id++) {
		size_t n;
		const struct fix_hint *hint = fix_hints_of(id, &n);
		if (!n)
			fail_msg("diagnosis %s has no fix hints (userspace/diagnose/fix_hints.c)",
				 diag_id_name(id));
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(hint[i].id, id);
			assert_true(hint[i].family < SBC_FAMILY_COUNT);
			assert_true(*hint[i].setting && *hint[i].avoids);
		}
	}
}

/* fix_hints_of takes the first run of an id: a second run would be lost. */
static void test_table_grouped_in_id_order(void **state)
{
	size_t n;
	const struct fix_hint *hints = fix_hints_all(&n);

	(void)state;
	for (size_t i = 1; i < n; i++)
		if (hints[i].id < hints[i - 1].id)
			fail_msg("row %zu (%s) is after %s", i, diag_id_name(hints[i].id),
				 diag_id_name(hints[i - 1].id));
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long len;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return text;
}

/* The section between the markers is `siptrail hints --markdown`, byte for byte. */
static void test_docs_render_the_table(void **state)
{
	char *docs = read_file(DOCS_PATH), *begin, *end, *table = NULL;
	size_t table_len = 0;
	FILE *mem = open_memstream(&table, &table_len);

	(void)state;
	assert_non_null(mem);
	fix_hints_print_markdown(mem);
	fclose(mem);
	begin = strstr(docs, DOCS_BEGIN_MARK);
	assert_non_null(begin);
	begin = strchr(begin, '\n') + 1;
	end = strstr(begin, DOCS_END_MARK);
	assert_non_null(end);
	*end = '\0';
	if (strcmp(begin, table))
		fail_msg(DOCS_PATH
			 "'s fix-hints section differs from the table: regenerate it with "
			 "`build/siptrail hints --markdown`");
	free(table);
	free(docs);
}

static void test_explain_shows_hints(void **state)
{
	(void)state;
	assert_int_equal(
	    siptrail_cmd("explain tests/data/bye_failed_incomplete_chain.jsonl", out, sizeof(out)),
	    1);
	assert_non_null(strstr(out, "    what to change:\n      certificates, the server's "
				    "certificate file: it holds only the leaf"));
	assert_non_null(strstr(out, "Kamailio, core tcp_connection_lifetime, tls modparam "
				    "connection_timeout: "));
	assert_int_equal(siptrail_cmd("explain --json "
				      "tests/data/bye_failed_incomplete_chain.jsonl",
				      out, sizeof(out)),
			 1);
	assert_non_null(strstr(out, "\"fixes\":[{\"sbc\":\"certificates\",\"setting\":\"the "
				    "server's certificate file\""));
	assert_non_null(strstr(out, "{\"sbc\":\"Asterisk (pjsip)\",\"setting\":\"transport "
				    "cert_file\""));
}

static void test_timeline_html_shows_hints(void **state)
{
	char path[] = "/tmp/siptrail-fix-hints-XXXXXX", args[256], *html;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	snprintf(args, sizeof(args),
		 "timeline tests/data/bye_failed_incomplete_chain.jsonl --failed --html %s", path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	html = read_file(path);
	unlink(path);
	assert_non_null(strstr(html, "<details class=\"fixes\"><summary>what to change</summary>"));
	assert_non_null(strstr(html,
			       "<li><b>TLS_INCOMPLETE_CHAIN</b>, Kamailio: <span "
			       "class=\"setting\">tls.cfg certificate</span>: a leaf-only file"));
	free(html);
}

static void test_hints_command(void **state)
{
	(void)state;
	assert_int_equal(siptrail_cmd("hints TLS_LEAF_CHANGED", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "TLS_LEAF_CHANGED\n    what to change:\n"));
	assert_null(strstr(out, "BYE_FAILED"));
	assert_int_equal(siptrail_cmd("hints NO_SUCH_ID", out, sizeof(out)), 2);
	assert_non_null(strstr(out, "unknown diagnosis or option 'NO_SUCH_ID'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_id_has_hints),
	    cmocka_unit_test(test_table_grouped_in_id_order),
	    cmocka_unit_test(test_docs_render_the_table),
	    cmocka_unit_test(test_explain_shows_hints),
	    cmocka_unit_test(test_timeline_html_shows_hints),
	    cmocka_unit_test(test_hints_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
