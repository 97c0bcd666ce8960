/* siptrail live --write with --rotate: a journal rotated many times during a run of real
 * connections holds, read back as one set, exactly the events live printed, in order. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../lib/journal_query.h"
#include "../lib/live_env.h"
#include "../lib/siptrail_run.h"
#include "../lib/tcp_pair.h"
#include "../lib/test_children.h"
#include "journal_read.h"

#define PORT_ROTATE  25150
#define CONNECTIONS  60
#define ROTATE_BYTES "2K"

/* How many FILE.N there are. */
static unsigned rotated_files(const char *path)
{
	char name[256];
	struct stat st;
	unsigned n = 0;

	for (;;) {
		snprintf(name, sizeof(name), "%s.%u", path, n + 1);
		if (stat(name, &st))
			return n;
		assert_int_equal(st.st_mode & 0777, 0600);
		n++;
	}
}

static void test_rotated_journal_holds_every_event(void **state)
{
	char dir[] = "/tmp/siptrail-rotate-XXXXXX", path[128], port[8], cmd[160];
	const char *args[] = {"--ports",    port,     "--write", path, "--rotate",
			      ROTATE_BYTES, "--keep", "1000",	 NULL};
	struct journal_reader reader;
	struct siptrail_run run;
	size_t printed, read = 0;
	uint64_t last_ts = 0;
	struct event ev;
	json_t *events;
	int rc;

	(void)state;
	live_env_require();
	live_netns_enter();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/live.jsonl", dir);
	snprintf(port, sizeof(port), "%d", PORT_ROTATE);
	siptrail_start(&run, NULL, args);
	for (int i = 0; i < CONNECTIONS; i++)
		tcp_pair_once("127.0.0.1", PORT_ROTATE);
	events = siptrail_stop(&run);
	assert_int_equal(event_count(events, "conn_open", "out", PORT_ROTATE), CONNECTIONS);
	printed = json_array_size(events);
	json_decref(events);
	/* about 300 bytes an event, 2 events a connection: a rotation every few connections */
	assert_true(rotated_files(path) >= 10);
	assert_int_equal(journal_reader_open(&reader, path, stderr), 0);
	while ((rc = journal_read_next(&reader, &ev)) == 1) {
		assert_true(ev.ts_ns + 1000000000ULL >= last_ts); /* sources may be a little late */
		last_ts = ev.ts_ns > last_ts ? ev.ts_ns : last_ts;
		event_release(&ev);
		read++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(reader.bad_lines, 0);
	journal_reader_close(&reader);
	assert_int_equal(read, printed);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_rotated_journal_holds_every_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
