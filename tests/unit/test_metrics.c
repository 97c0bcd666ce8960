/* Metrics: a lab journal (a session refresh lost to an untrusted reverse handshake after an
 * idle close) through the correlator into the counters, written in the Prometheus text format
 * and checked line by line by a strict reader of that format (and served by node_exporter in
 * tests/live/test_live_metrics.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag_stream.h"
#include "event_load.h"
#include "metrics.h"
#include "metrics_text.h"

#define MAX_FAMILIES 64
#define MAX_SERIES   4096

static void on_diag(const struct call_verdict *verdict, const struct diagnosis *diag, void *ctx)
{
	(void)verdict;
	metrics_diagnosis(ctx, diag);
}

/* The journal at PATH counted as `siptrail live --metrics-dir` counts it. */
static void count_journal(const char *path, struct metrics *metrics)
{
	struct capture_source_options capture = {0};
	struct correlator_config config;
	struct diag_stream stream;
	struct event_list list;

	metrics_init(metrics);
	correlator_config_default(&config);
	assert_int_equal(event_load("test", path, &capture, &list), 0);
	assert_int_equal(diag_stream_init(&stream, &config, DIAG_STREAM_WINDOW_NS,
					  DIAG_STREAM_WINDOW_CAPACITY, on_diag, metrics, NULL),
			 0);
	for (size_t i = 0; i < list.count; i++) {
		metrics_event(metrics, &list.events[i]);
		assert_int_equal(diag_stream_feed(&stream, &list.events[i]), 0);
	}
	diag_stream_finish(&stream);
	event_list_free(&list);
}

static const char *name_end(const char *p)
{
	if (!isalpha((unsigned char)*p) && *p != '_' && *p != ':')
		return NULL;
	while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
		p++;
	return p;
}

/* One sample line: name, {label="value",...} with escapes, a space, an integer. Fails the
 * test on anything else. Returns where the labels end, for duplicate checks. */
static void check_sample(const char *line, const char *family)
{
	const char *p = name_end(line), *q;

	assert_non_null(p);
	assert_int_equal((size_t)(p - line), strlen(family));
	assert_memory_equal(line, family, strlen(family));
	if (*p == '{') {
		p++;
		while (*p != '}') {
			q = name_end(p);
			assert_non_null(q);
			assert_false(memchr(p, ':', (size_t)(q - p))); /* label names: no colon */
			assert_true(q[0] == '=' && q[1] == '"');
			for (p = q + 2; *p != '"'; p++) {
				assert_true(*p && *p != '\n');
				if (*p == '\\') {
					p++;
					assert_true(*p == '\\' || *p == '"' || *p == 'n');
				}
			}
			p++;
			if (*p == ',')
				p++;
			else
				assert_int_equal(*p, '}');
		}
		p++;
	}
	assert_int_equal(*p++, ' ');
	assert_true(isdigit((unsigned char)*p));
	while (isdigit((unsigned char)*p))
		p++;
	assert_int_equal(*p, '\0');
}

/* The text format's rules as Prometheus' own parser applies them: HELP then TYPE once per
 * family, before its samples, samples of one family together, no series twice. */
static void check_exposition(char *text)
{
	char *families[MAX_FAMILIES], *series[MAX_SERIES], *current = NULL, *save, *line;
	size_t n_families = 0, n_series = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128];

		if (!strncmp(line, "# HELP ", 7)) {
			const char *end = name_end(line + 7);

			assert_non_null(end);
			assert_int_equal(*end, ' ');
			snprintf(name, sizeof(name), "%.*s", (int)(end - line - 7), line + 7);
			for (size_t i = 0; i < n_families; i++)
				assert_string_not_equal(families[i], name);
			assert_true(n_families < MAX_FAMILIES);
			current = families[n_families++] = strdup(name);
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			assert_non_null(current);
			snprintf(name, sizeof(name), "# TYPE %s counter", current);
			assert_string_equal(line, name);
			continue;
		}
		assert_non_null(current);
		check_sample(line, current);
		for (size_t i = 0; i < n_series; i++)
			assert_string_not_equal(series[i], line);
		assert_true(n_series < MAX_SERIES);
		series[n_series] = strdup(line);
		*strrchr(series[n_series++], ' ') = '\0';
	}
	for (size_t i = 0; i < n_families; i++)
		free(families[i]);
	for (size_t i = 0; i < n_series; i++)
		free(series[i]);
}

static char *metrics_text(const struct metrics *metrics)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_int_equal(metrics_text_write(out, metrics), 0);
	fclose(out);
	return text;
}

static void assert_line(const char *text, const char *line)
{
	char *want = malloc(strlen(line) + 3);

	sprintf(want, "\n%s\n", line);
	if (!strstr(text, want))
		fail_msg("no line \"%s\" in:\n%s", line, text);
	free(want);
}

static void test_lab_refresh_lost(void **state)
{
	struct metrics metrics;
	char *text, *copy;
	(void)state;

	count_journal("tests/data/lab-d-timer-refresh-lost-short.jsonl", &metrics);
	text = metrics_text(&metrics);
	assert_line(text, "siptrail_events_total 19");
	assert_line(
	    text, "siptrail_diagnoses_total{diagnosis=\"REFRESH_FAILED\",severity=\"failure\"} 1");
	assert_line(text,
		    "siptrail_diagnoses_total{diagnosis=\"TLS_UNTRUSTED\",severity=\"failure\"} 1");
	assert_line(text, "siptrail_diagnoses_total{diagnosis=\"IDLE_CLOSE_REVERSE\","
			  "severity=\"failure\"} 1");
	assert_line(text,
		    "siptrail_diagnoses_total{diagnosis=\"BYE_FAILED\",severity=\"failure\"} 0");
	assert_line(
	    text,
	    "siptrail_peer_diagnoses_total{peer=\"10.99.0.2\",diagnosis=\"TLS_UNTRUSTED\"} 1");
	assert_line(text, "siptrail_peer_tls_handshake_failures_total{peer=\"10.99.0.2\","
			  "role=\"server\"} 1");
	copy = strdup(text);
	check_exposition(copy);
	free(copy);
	free(text);
	metrics_free(&metrics);
}

/* Past METRICS_MAX_PEERS the rest count as peer="other". */
static void test_peers_bounded(void **state)
{
	struct event ev = {.kind = EV_CONN_END};
	struct metrics metrics;
	char *text, *copy;
	(void)state;

	metrics_init(&metrics);
	ev.conn_ev.closed_by = SIDE_PEER;
	ev.conn_ev.how = CLOSE_REFUSED;
	for (int i = 0; i < METRICS_MAX_PEERS + 6; i++) {
		uint8_t bytes[4] = {10, 0, (uint8_t)(i / 256), (uint8_t)(i % 256)};

		ip_addr_set(&ev.conn_ev.remote.addr, AF_INET, bytes);
		metrics_event(&metrics, &ev);
	}
	assert_true(ip_addr_parse(&ev.conn_ev.remote.addr, "10.0.0.0"));
	metrics_event(&metrics, &ev);
	assert_int_equal(metrics.n_peers, METRICS_MAX_PEERS);
	text = metrics_text(&metrics);
	assert_line(text,
		    "siptrail_peer_connection_ends_total{peer=\"10.0.0.0\",closed_by=\"peer\","
		    "how=\"refused\"} 2");
	assert_line(text, "siptrail_peer_connection_ends_total{peer=\"other\",closed_by=\"peer\","
			  "how=\"refused\"} 6");
	copy = strdup(text);
	check_exposition(copy);
	free(copy);
	free(text);
	metrics_free(&metrics);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lab_refresh_lost),
	    cmocka_unit_test(test_peers_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
