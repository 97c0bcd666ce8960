/* Journal lines -> events: each kind, and bad lines reported with line and field, skipped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal_read.h"

static void expect_error(const char *line, const char *message)
{
	struct event ev;
	char err[256];
	assert_int_equal(journal_parse_line(line, &ev, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, message));
}

static void test_conn_end(void **state)
{
	struct event ev;
	char err[256];
	(void)state;
	assert_int_equal(
	    journal_parse_line(
		"{\"event\":\"conn_end\",\"ts_ns\":5,\"conn\":7,\"laddr\":\"2001:db8::1\","
		"\"lport\":5061,\"raddr\":\"198.51.100.20\",\"rport\":40312,\"direction\":"
		"\"in\",\"tls_role\":\"server\",\"pid\":812,\"comm\":\"kamailio\","
		"\"duration_ns\":9,\"bytes_sent\":1,\"bytes_received\":2,\"retransmits\":3,"
		"\"closed_by\":\"local\",\"how\":\"fin\",\"first_close_ts_ns\":4,"
		"\"idle_ns\":120000000000,\"sk_error\":null}",
		&ev, err, sizeof(err)),
	    0);
	assert_int_equal(ev.kind, EV_CONN_END);
	assert_int_equal(ev.conn, 7);
	assert_string_equal(ip_addr_text(&ev.conn_ev.local.addr).text, "2001:db8::1");
	assert_int_equal(ev.conn_ev.remote.port, 40312);
	assert_int_equal(ev.conn_ev.direction, DIR_IN);
	assert_false(ev.conn_ev.tls_client);
	assert_int_equal(ev.conn_ev.closed_by, SIDE_LOCAL);
	assert_int_equal(ev.conn_ev.how, CLOSE_FIN);
	assert_int_equal(ev.conn_ev.idle_ns, 120000000000ull);
	assert_string_equal(ev.conn_ev.sk_error, "");
	event_release(&ev);
}

/* A line from a real lab run: the sbc closed the carrier's idle connection. */
static void test_conn_close(void **state)
{
	struct event ev;
	char err[256];
	(void)state;
	assert_int_equal(
	    journal_parse_line(
		"{\"event\":\"conn_close\",\"ts_ns\":1795789184833537290,\"conn\":276662,"
		"\"laddr\":\"10.99.0.1\",\"lport\":5061,\"raddr\":\"10.99.0.2\",\"rport\":60440,"
		"\"direction\":\"in\",\"tls_role\":\"server\",\"pid\":21561,\"comm\":\"kamailio\","
		"\"netns\":4026532889,\"before_trace\":false,\"bytes_sent\":4199,"
		"\"bytes_received\":2938,\"closed_by\":\"local\",\"how\":\"fin\","
		"\"first_close_ts_ns\":1795789184833537290,\"idle_ns\":11015428445}",
		&ev, err, sizeof(err)),
	    0);
	assert_int_equal(ev.kind, EV_CONN_CLOSE);
	assert_int_equal(ev.conn, 276662);
	assert_int_equal(ev.conn_ev.direction, DIR_IN);
	assert_int_equal(ev.conn_ev.closed_by, SIDE_LOCAL);
	assert_int_equal(ev.conn_ev.how, CLOSE_FIN);
	assert_int_equal(ev.conn_ev.idle_ns, 11015428445ull);
	assert_int_equal(ev.conn_ev.first_close_ts_ns, 1795789184833537290ull);
	assert_int_equal(ev.conn_ev.bytes_received, 2938);
	assert_int_equal(ev.conn_ev.duration_ns, 0);
	event_release(&ev);
	/* a connection older than the trace has no direction */
	assert_int_equal(journal_parse_line("{\"event\":\"conn_close\",\"ts_ns\":5,\"conn\":7,"
					    "\"laddr\":\"::1\",\"lport\":5061,\"raddr\":\"::1\","
					    "\"rport\":4,\"direction\":null,\"tls_role\":null,"
					    "\"closed_by\":\"peer\",\"how\":\"rst_in\"}",
					    &ev, err, sizeof(err)),
			 0);
	assert_int_equal(ev.conn_ev.direction, DIR_UNKNOWN);
	assert_int_equal(ev.conn_ev.how, CLOSE_RST_IN);
	event_release(&ev);
	expect_error("{\"event\":\"conn_close\",\"ts_ns\":5,\"conn\":7,\"laddr\":\"::1\","
		     "\"lport\":1,\"raddr\":\"::1\",\"rport\":4,\"direction\":\"in\"}",
		     "field 'how': missing");
}

static void test_tls_events(void **state)
{
	struct event ev;
	char err[256];
	(void)state;
	assert_int_equal(journal_parse_line("{\"event\":\"tls_handshake\",\"ts_ns\":1,\"conn\":2,"
					    "\"role\":\"client\",\"ok\":false,\"error\":"
					    "\"certificate verify failed\",\"verify_error\":"
					    "\"unable to get local issuer certificate\"}",
					    &ev, err, sizeof(err)),
			 0);
	assert_true(ev.handshake.client);
	assert_false(ev.handshake.ok);
	assert_false(ev.handshake.after_handshake);
	assert_string_equal(ev.handshake.verify_error, "unable to get local issuer certificate");
	event_release(&ev);
	assert_int_equal(journal_parse_line("{\"event\":\"tls_handshake\",\"ts_ns\":1,\"conn\":2,"
					    "\"role\":\"client\",\"ok\":false,\"error\":"
					    "\"tlsv1 alert unknown ca\",\"after_handshake\":true}",
					    &ev, err, sizeof(err)),
			 0);
	assert_true(ev.handshake.after_handshake);
	assert_string_equal(ev.handshake.error, "tlsv1 alert unknown ca");
	event_release(&ev);
	assert_int_equal(journal_parse_line("{\"event\":\"tls_alert\",\"ts_ns\":1,\"conn\":2,"
					    "\"from\":\"peer\",\"level\":\"fatal\","
					    "\"description\":\"unknown_ca\",\"code\":48}",
					    &ev, err, sizeof(err)),
			 0);
	assert_int_equal(ev.alert.from, SIDE_PEER);
	assert_true(alert_is_fatal(&ev.alert));
	assert_int_equal(ev.alert.code, 48);
	event_release(&ev);
	assert_int_equal(
	    journal_parse_line("{\"event\":\"tls_chain\",\"ts_ns\":1,\"conn\":2,\"from\":"
			       "\"peer\",\"sni\":\"sip.example\",\"verdict\":\"incomplete\","
			       "\"missing_issuer\":\"CN=Int\",\"certs\":[{\"subject\":\"CN=a\","
			       "\"issuer\":\"CN=Int\",\"sans\":[\"a\",\"b\"],\"sha256\":\"ff\"}]}",
			       &ev, err, sizeof(err)),
	    0);
	assert_int_equal(ev.chain.n_certs, 1);
	assert_string_equal(ev.chain.certs[0].sans, "a,b");
	assert_int_equal(ev.chain.verdict, CHAIN_INCOMPLETE);
	assert_string_equal(ev.chain.missing_issuer, "CN=Int");
	event_release(&ev);
}

static void test_sip_and_lost(void **state)
{
	struct event ev;
	char err[256];
	(void)state;
	assert_int_equal(journal_parse_line("{\"event\":\"sip\",\"ts_ns\":1,\"dir\":\"out\","
					    "\"transport\":\"udp\",\"raw\":\"OPTIONS x\\r\\n\"}",
					    &ev, err, sizeof(err)),
			 0);
	assert_int_equal(ev.conn, 0);
	assert_int_equal(ev.sip.transport, TRANSPORT_UDP);
	assert_int_equal(ev.sip.raw_len, 11);
	event_release(&ev);
	assert_int_equal(journal_parse_line("{\"event\":\"lost\",\"ts_ns\":1,\"ringbuf\":3}", &ev,
					    err, sizeof(err)),
			 0);
	assert_int_equal(ev.lost.ringbuf, 3);
}

static void test_bad_lines(void **state)
{
	(void)state;
	expect_error("{\"event\":\"sip\"", "not JSON");
	expect_error("[1]", "not a JSON object");
	expect_error("{\"event\":\"lost\"}", "field 'ts_ns': missing");
	expect_error("{\"event\":\"lost\",\"ts_ns\":\"x\"}", "field 'ts_ns': not a non-negative");
	expect_error("{\"event\":\"nope\",\"ts_ns\":1}", "unknown event 'nope'");
	expect_error("{\"event\":\"conn_open\",\"ts_ns\":1}", "field 'conn': missing");
	expect_error("{\"event\":\"tls_alert\",\"ts_ns\":1,\"conn\":1,\"from\":\"them\"}",
		     "field 'from': unknown value 'them'");
	expect_error("{\"event\":\"sip\",\"ts_ns\":1,\"dir\":\"in\",\"raw\":5}",
		     "field 'raw': not a string");
	expect_error("{\"event\":\"tls_handshake\",\"ts_ns\":1,\"conn\":1,\"role\":\"client\","
		     "\"ok\":false,\"after_handshake\":1}",
		     "field 'after_handshake': not a boolean");
	expect_error("{\"event\":\"conn_open\",\"ts_ns\":1,\"conn\":1,\"laddr\":\"a\",\"raddr\":"
		     "\"b\",\"lport\":70000,\"rport\":1,\"direction\":\"in\"}",
		     "field 'lport': out of range");
	expect_error("{\"event\":\"conn_open\",\"ts_ns\":1,\"conn\":1,\"laddr\":\"10.0.0.1\","
		     "\"raddr\":\"sbc.example\",\"lport\":5061,\"rport\":1,\"direction\":\"in\"}",
		     "field 'raddr': not an IP address");
	/* found by fuzz_journal: the writer leaves a conn of 0 out, so it cannot be read back */
	expect_error("{\"event\":\"tls_alert\",\"ts_ns\":1,\"conn\":0,\"from\":\"peer\","
		     "\"description\":\"unknown_ca\"}",
		     "field 'conn': 0 is no connection");
	expect_error("{\"event\":\"sip\",\"ts_ns\":1,\"dir\":\"in\",\"raw\":\"\",\"tunnel\":"
		     "{\"kind\":\"vxlan\",\"src\":\"198.51.100.1\",\"dst\":\"198.51.100.2\","
		     "\"id\":4294967296}}",
		     "field 'tunnel.id': out of range");
	expect_error("{\"event\":\"sip\",\"ts_ns\":1,\"dir\":\"in\",\"raw\":\"\",\"tunnel\":"
		     "{\"kind\":\"mpls\",\"src\":\"198.51.100.1\",\"dst\":\"198.51.100.2\"}}",
		     "field 'kind': unknown value 'mpls'");
}

static void test_reader_skips_and_counts(void **state)
{
	char path[] = "/tmp/siptrail-journal-XXXXXX", *report = NULL;
	size_t report_len = 0;
	FILE *errors = open_memstream(&report, &report_len);
	struct journal_reader reader;
	struct event ev;
	int fd = mkstemp(path), n = 0;
	FILE *f = fdopen(fd, "w");
	(void)state;

	fputs(
	    "{\"event\":\"lost\",\"ts_ns\":1}\n\n{broken\n"
	    "{\"event\":\"lost\",\"ts_ns\":2,\"map_full\":-1}\n{\"event\":\"lost\",\"ts_ns\":3}\n",
	    f);
	fclose(f);
	assert_int_equal(journal_reader_open(&reader, path, errors), 0);
	while (journal_read_next(&reader, &ev) == 1) {
		n++;
		event_release(&ev);
	}
	journal_reader_close(&reader);
	fclose(errors);
	unlink(path);
	assert_int_equal(n, 2);
	assert_int_equal(reader.bad_lines, 2);
	assert_non_null(strstr(report, ":3: not JSON"));
	assert_non_null(strstr(report, ":4: field 'map_full'"));
	free(report);
	assert_int_equal(journal_reader_open(&reader, "/nonexistent/j", NULL), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conn_end),   cmocka_unit_test(test_conn_close),
	    cmocka_unit_test(test_tls_events), cmocka_unit_test(test_sip_and_lost),
	    cmocka_unit_test(test_bad_lines),  cmocka_unit_test(test_reader_skips_and_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
