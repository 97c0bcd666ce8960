/* siptrail live --metrics-dir: real connections counted in the metrics file, and that file
 * served by Debian's node_exporter (its textfile collector parses it: a file it cannot read
 * shows as node_textfile_scrape_error 1). node_exporter listens on loopback in the test's own
 * network namespace. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../lib/live_env.h"
#include "../lib/siptrail_run.h"
#include "../lib/tcp_pair.h"
#include "../lib/test_children.h"

#define PORT_TRACED	   25160
#define PORT_CLOSED	   25161 /* traced, nothing listens: connects are refused */
#define PORT_NODE_EXPORTER 25169
#define NODE_EXPORTER	   "/usr/bin/prometheus-node-exporter"
#define REFUSED_CONNECTS   3

/* GET /metrics from node_exporter on loopback, retried for 10 s while it starts. */
static char *scrape(void)
{
	static const char request[] = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	size_t len = 0, cap = 1 << 16;
	char *body = malloc(cap);
	int fd = -1;

	for (int tries = 0; tries < 100 && fd < 0; tries++) {
		fd = tcp_connect("127.0.0.1", PORT_NODE_EXPORTER);
		if (fd < 0)
			usleep(100 * 1000);
	}
	assert_true(fd >= 0);
	assert_int_equal(write(fd, request, sizeof(request) - 1), sizeof(request) - 1);
	for (;;) {
		ssize_t n;

		if (len + 1 == cap)
			body = realloc(body, cap *= 2);
		n = read(fd, body + len, cap - len - 1);
		assert_true(n >= 0);
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
	body[len] = '\0';
	return body;
}

static void assert_served(const char *page, const char *line)
{
	if (!strstr(page, line))
		fail_msg("node_exporter does not serve \"%s\"", line);
}

static void test_metrics_served_by_node_exporter(void **state)
{
	char dir[] = "/tmp/siptrail-metrics-XXXXXX", ports[32], listen[64], textfile[96], cmd[64];
	const char *args[] = {"--ports", ports, "--metrics-dir", dir, "--metrics-interval",
			      "0.2",	 NULL};
	struct siptrail_run run;
	char *page;
	pid_t exporter;
	json_t *events;

	(void)state;
	live_env_require();
	if (access(NODE_EXPORTER, X_OK))
		fail_msg(NODE_EXPORTER " missing: make deps installs prometheus-node-exporter");
	live_netns_enter();
	assert_non_null(mkdtemp(dir));
	snprintf(ports, sizeof(ports), "%d,%d", PORT_TRACED, PORT_CLOSED);
	siptrail_start(&run, NULL, args);
	tcp_pair_once("127.0.0.1", PORT_TRACED);
	for (int i = 0; i < REFUSED_CONNECTS; i++)
		assert_true(tcp_connect("127.0.0.1", PORT_CLOSED) < 0);
	events = siptrail_stop(&run);
	json_decref(events);

	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d", PORT_NODE_EXPORTER);
	snprintf(textfile, sizeof(textfile), "--collector.textfile.directory=%s", dir);
	exporter = test_fork();
	if (!exporter) {
		execl(NODE_EXPORTER, NODE_EXPORTER, listen, "--collector.disable-defaults",
		      "--collector.textfile", textfile, "--log.level=warn", (char *)NULL);
		_exit(127);
	}
	page = scrape();
	kill(exporter, SIGTERM);
	waitpid(exporter, NULL, 0);
	assert_served(page, "\nnode_textfile_scrape_error 0\n");
	/* node_exporter sorts the labels by name */
	assert_served(page,
		      "\nsiptrail_peer_connection_ends_total{closed_by=\"peer\",how=\"refused\","
		      "peer=\"127.0.0.1\"} 3\n");
	assert_served(page, "\nsiptrail_diagnoses_total{diagnosis=\"BYE_FAILED\","
			    "severity=\"failure\"} 0\n");
	assert_served(page, "\nsiptrail_events_lost_total{where=\"ringbuf\"} 0\n");
	assert_served(page, "# TYPE siptrail_events_total counter\n");
	free(page);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_metrics_served_by_node_exporter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
