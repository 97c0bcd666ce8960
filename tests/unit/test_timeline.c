/* siptrail timeline: the text ladder of a failed call, and the HTML page (two calls) opened in
 * headless Chromium, which must render the diagnosis, the lanes, the arrows and the evidence.
 * The screenshot is kept as $BUILD/test-artifacts/timeline.png. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "siptrail_cmd.h"
#include "call_index.h"
#include "timeline.h"

#define BYE_FAILED	"tests/data/bye_failed_incomplete_chain.jsonl"
#define REFRESH_REFUSED "tests/data/refresh_failed_connect_refused.jsonl"
#define CID		"a84b4c76e66710@198.51.100.20"

static char out[1 << 20];

static size_t occurrences(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_text_ladder(void **state)
{
	(void)state;
	assert_int_equal(siptrail_cmd("timeline " BYE_FAILED " --call-id " CID, out, sizeof(out)),
			 0);
	assert_non_null(strstr(out, "diagnosis: BYE_FAILED <- TLS_INCOMPLETE_CHAIN <- "
				    "IDLE_CLOSE_REVERSE\n"));
	/* lanes: this host, the carrier (TLS) and the PBX (UDP) */
	assert_non_null(strstr(out, "this host"));
	assert_non_null(strstr(out, "198.51.100.20"));
	assert_non_null(strstr(out, "10.0.0.5"));
	/* the idle close by this host, the reverse open, the failed handshake, the 477 */
	assert_non_null(strstr(out, "FIN by this host (conn 1)"));
	assert_non_null(strstr(out, "idle 120.0 s before the close"));
	assert_non_null(strstr(out, "TCP open (conn 2, this host is"));
	assert_non_null(strstr(out, "TLS handshake FAILED"));
	assert_non_null(strstr(out, "certificates: 1, incomplete"));
	assert_non_null(strstr(out, "477 Unfortunately"));
	/* evidence rows are marked, the session-timer deadlines are drawn */
	assert_non_null(strstr(out, "\n*   300.030  |x~~~certificates: 1, incomplete"));
	assert_non_null(strstr(out, "[refresh due (SE 1800 s, refresher"));
	assert_true(occurrences(out, "\n*") >= 5);

	assert_int_equal(siptrail_cmd("timeline " BYE_FAILED " --call-id nope", out, sizeof(out)),
			 1);
	assert_non_null(strstr(out, "call 'nope' is not in"));
	assert_int_equal(siptrail_cmd("timeline " BYE_FAILED, out, sizeof(out)), 2);
}

static void build_timeline(const char *path, struct event_list *events, struct call_index *index,
			   struct timeline *tl)
{
	struct capture_source_options none = {0};
	struct correlator_config config;

	assert_int_equal(event_load("test", path, &none, events), 0);
	correlator_config_default(&config);
	assert_int_equal(call_index_read(index, "test", &path, 1, &none, &config), 0);
	assert_int_equal(index->count, 1);
	assert_int_equal(timeline_build(tl, events, &index->calls[0]), 0);
}

static void run_chromium(const char *args, const char *html, char *output, size_t len)
{
	char profile[] = "/tmp/stpost-chromium-XXXXXX", cmd[1024];
	size_t n;
	FILE *p;

	assert_non_null(mkdtemp(profile));
	snprintf(cmd, sizeof(cmd),
		 "chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
		 "--disable-background-networking --disable-component-update --disable-sync "
		 "--user-data-dir=%s %s file://%s 2>/dev/null",
		 profile, args, html);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(output, 1, len - 1, p);
	output[n] = '\0';
	assert_int_equal(pclose(p), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", profile);
	assert_int_equal(system(cmd), 0);
}

/* Two calls in one page, rendered by Chromium. */
static void test_html_in_chromium(void **state)
{
	(void)state;
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char html[PATH_MAX], png[PATH_MAX], dir[PATH_MAX], args[PATH_MAX + 64];
	struct event_list events[2];
	struct call_index index[2];
	struct timeline tls[2];
	struct stat st;
	FILE *f;

	build_timeline(BYE_FAILED, &events[0], &index[0], &tls[0]);
	build_timeline(REFRESH_REFUSED, &events[1], &index[1], &tls[1]);
	snprintf(dir, sizeof(dir), "%s/test-artifacts", build);
	mkdir(dir, 0755);
	assert_non_null(realpath(dir, html));
	strcpy(png, html);
	strcat(html, "/timeline.html");
	strcat(png, "/timeline.png");
	f = fopen(html, "w");
	assert_non_null(f);
	assert_int_equal(timeline_write_html(f, tls, 2, "siptrail timeline test"), 0);
	assert_int_equal(fclose(f), 0);

	run_chromium("--dump-dom", html, out, sizeof(out));
	assert_int_equal(occurrences(out, "<section class=\"call\""), 2);
	assert_int_equal(occurrences(out, "<svg"), 2);
	assert_non_null(strstr(out, "BYE_FAILED &lt;- TLS_INCOMPLETE_CHAIN &lt;- "
				    "IDLE_CLOSE_REVERSE"));
	assert_non_null(strstr(out, "SESSION_EXPIRED &lt;- REFRESH_FAILED &lt;- CONNECT_FAILED"));
	assert_true(occurrences(out, "<rect class=\"evidence\"") >= 6);
	assert_true(occurrences(out, "<g class=\"msg fail") >= 4);
	assert_true(occurrences(out, "<line class=\"lane\"") >= 4);
	assert_non_null(strstr(out, "TLS handshake FAILED"));
	assert_non_null(strstr(out, "refused (conn 2)"));
	assert_null(strstr(out, "src=\"http")); /* self-contained: nothing loaded */

	snprintf(args, sizeof(args), "--window-size=1200,900 --screenshot=%s", png);
	unlink(png);
	run_chromium(args, html, out, sizeof(out));
	assert_int_equal(stat(png, &st), 0);
	assert_true(st.st_size > 20000); /* a blank page is a few KB */

	for (int i = 0; i < 2; i++) {
		timeline_free(&tls[i]);
		call_index_free(&index[i]);
		event_list_free(&events[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_ladder),
	    cmocka_unit_test(test_html_in_chromium),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
