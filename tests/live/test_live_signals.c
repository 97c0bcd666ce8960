/* siptrail live as a service: SIGHUP reopens the journal, the capture and the metrics file
 * that logrotate (or an operator) moved away, and SIGTERM ends the run cleanly, the last
 * connection's events written and no BPF link left behind. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include <cmocka.h>

#include "../lib/journal_query.h"
#include "../lib/live_env.h"
#include "../lib/siptrail_run.h"
#include "../lib/tcp_pair.h"
#include "../lib/test_children.h"

#define PORT_TRACED    25170
#define BEFORE_HUP     3
#define AFTER_HUP      2
#define SETTLE_US      300000
#define APPEAR_TRIES   50 /* of 0.1 s */
#define METRICS_NAME   "siptrail.prom"
#define PROGRAM_ALWAYS "on_set_state" /* bpf/sockets.bpf.c: attached in every run */

struct service_files {
	char dir[64], journal[96], capture[96], metrics[96];
};

static void assert_mode(const char *path, mode_t mode)
{
	struct stat st;

	if (stat(path, &st))
		fail_msg("%s missing", path);
	if ((st.st_mode & 0777) != mode)
		fail_msg("%s has mode %03o, not %03o", path, st.st_mode & 0777, mode);
}

/* Waits for PATH to exist again (siptrail reopens between two polls). */
static void assert_appears(const char *path)
{
	for (int i = 0; i < APPEAR_TRIES; i++) {
		if (!access(path, F_OK))
			return;
		usleep(100 * 1000);
	}
	fail_msg("%s was not created again after SIGHUP", path);
}

/* Packets in a pcapng file, read by libpcap; fails the test when it cannot read it. */
static int capture_packets(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *header;
	const u_char *data;
	pcap_t *pcap = pcap_open_offline(path, errbuf);
	int packets = 0;

	if (!pcap)
		fail_msg("libpcap cannot read %s: %s", path, errbuf);
	while (pcap_next_ex(pcap, &header, &data) == 1)
		packets++;
	pcap_close(pcap);
	return packets;
}

static void files_moved_away(const struct service_files *files)
{
	char moved[128];

	snprintf(moved, sizeof(moved), "%s.old", files->journal);
	assert_int_equal(rename(files->journal, moved), 0);
	snprintf(moved, sizeof(moved), "%s.old", files->capture);
	assert_int_equal(rename(files->capture, moved), 0);
	assert_int_equal(unlink(files->metrics), 0);
}

static void test_sighup_reopens_sigterm_ends_cleanly(void **state)
{
	struct service_files files = {.dir = "/tmp/siptrail-signals-XXXXXX"};
	char port[8], moved[128], cmd[96];
	const char *args[] = {"--ports",       port,	     "--write",
			      files.journal,   "--pcap-out", files.capture,
			      "--metrics-dir", files.dir,    NULL};
	struct siptrail_run run;
	json_t *printed, *before, *after;

	(void)state;
	live_env_require();
	live_netns_enter();
	assert_non_null(mkdtemp(files.dir));
	snprintf(files.journal, sizeof(files.journal), "%s/live.jsonl", files.dir);
	snprintf(files.capture, sizeof(files.capture), "%s/live.pcapng", files.dir);
	snprintf(files.metrics, sizeof(files.metrics), "%s/" METRICS_NAME, files.dir);
	snprintf(port, sizeof(port), "%d", PORT_TRACED);
	siptrail_start(&run, NULL, args);
	for (int i = 0; i < BEFORE_HUP; i++)
		tcp_pair_once("127.0.0.1", PORT_TRACED);
	usleep(SETTLE_US); /* their events written before the files move */
	files_moved_away(&files);
	assert_int_equal(kill(run.pid, SIGHUP), 0);
	assert_appears(files.journal);
	assert_appears(files.capture);
	assert_appears(files.metrics);
	for (int i = 0; i < AFTER_HUP; i++)
		tcp_pair_once("127.0.0.1", PORT_TRACED);
	usleep(SETTLE_US);
	assert_int_equal(kill(run.pid, SIGTERM), 0);
	printed = siptrail_wait(&run); /* exit 0 within its limit */

	/* each file holds the events of its own time, the last connection's end included */
	snprintf(moved, sizeof(moved), "%s.old", files.journal);
	before = json_lines_read(moved);
	after = json_lines_read(files.journal);
	assert_int_equal(event_count(before, "conn_open", "out", PORT_TRACED), BEFORE_HUP);
	assert_int_equal(event_count(after, "conn_open", "out", PORT_TRACED), AFTER_HUP);
	assert_int_equal(event_count(after, "conn_end", "out", PORT_TRACED), AFTER_HUP);
	assert_int_equal(json_array_size(before) + json_array_size(after),
			 json_array_size(printed));
	assert_mode(moved, 0600);
	assert_mode(files.journal, 0600);
	/* the new capture is a whole file of its own, with the later connections' packets */
	snprintf(moved, sizeof(moved), "%s.old", files.capture);
	assert_true(capture_packets(moved) > 0);
	assert_true(capture_packets(files.capture) > 0);
	assert_mode(files.capture, 0600);
	assert_mode(files.metrics, 0644);
	assert_false(live_program_linked(PROGRAM_ALWAYS));
	json_decref(printed);
	json_decref(before);
	json_decref(after);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", files.dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_sighup_reopens_sigterm_ends_cleanly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
