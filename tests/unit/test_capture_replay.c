/* siptrail replay: captures -> the events live tracing writes, on the shared corpus (SIP over
 * UDP and TCP, TLS chains) and on broken files; the journal writer against the reader. */
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

#include <jansson.h>

#include "capture_source.h"
#include "event_load.h"
#include "journal_read.h"
#include "journal_write.h"
#include "siptrail_cmd.h"

#define SIP_CAPS "../shared/corpus/sip-captures/"
#define TCP_CAPS "../shared/corpus/sip-tcp-captures/"
#define TLS_CAPS "../shared/corpus/tls-captures/"

static struct event_list load(const char *path, const char *host)
{
	struct capture_source_options options = {0};
	struct event_list list;

	if (host)
		options.hosts[options.n_hosts++] = host;
	assert_int_equal(event_load("test", path, &options, &list), 0);
	assert_true(list.input.from_capture);
	return list;
}

static size_t count(const struct event_list *list, enum event_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < list->count; i++)
		n += list->events[i].kind == kind;
	return n;
}

static const struct event *nth(const struct event_list *list, enum event_kind kind, size_t k)
{
	for (size_t i = 0; i < list->count; i++)
		if (list->events[i].kind == kind && !k--)
			return &list->events[i];
	fail_msg("no %s #%zu", event_kind_name(kind), k);
	return NULL;
}

/* RFC 3261 §18.3 over TCP: REGISTER in, 200 out, on a connection the peer opened. */
static void test_sip_over_tcp(void **state)
{
	(void)state;
	struct event_list l = load(TCP_CAPS "sip-tcp-pattern-matching__sip.pcap", NULL);
	const struct event *open = nth(&l, EV_CONN_OPEN, 0);
	const struct event *req = nth(&l, EV_SIP, 0), *resp = nth(&l, EV_SIP, 1);

	assert_int_equal(count(&l, EV_SIP), 2);
	assert_int_equal(req->sip.transport, TRANSPORT_TCP);
	assert_int_equal(req->conn, open->conn);
	assert_int_equal(req->sip.dir, DIR_IN);
	assert_int_equal(resp->sip.dir, DIR_OUT);
	assert_int_equal(open->conn_ev.direction, DIR_IN); /* the REGISTER's sender opened it */
	assert_false(open->conn_ev.tls_client);
	assert_memory_equal(req->sip.raw, "REGISTER ", 9);
	assert_memory_equal(resp->sip.raw, "SIP/2.0 401", 11);
	event_list_free(&l);
}

/* The 65 KB INVITE over 5 segments is one message; FIN from both sides ends the connection. */
static void test_large_invite_and_close(void **state)
{
	(void)state;
	struct event_list l = load(TCP_CAPS "sip-body-large__sip-body-large.pcap", NULL);
	const struct event *inv = nth(&l, EV_SIP, 0), *end = nth(&l, EV_CONN_END, 0);

	assert_int_equal(count(&l, EV_SIP), 2);
	assert_true(inv->sip.raw_len > 65536);
	assert_memory_equal(inv->sip.raw, "INVITE ", 7);
	assert_int_equal(end->conn_ev.how, CLOSE_FIN);
	assert_int_not_equal(end->conn_ev.closed_by, SIDE_UNKNOWN);
	assert_true(end->conn_ev.bytes_received + end->conn_ev.bytes_sent > 65536);
	event_list_free(&l);
}

/* Every UDP datagram of the classic trace is one SIP message (tshark -Y sip counts 81). */
static void test_sip_over_udp(void **state)
{
	(void)state;
	struct event_list l = load(SIP_CAPS "wireshark.pcap", NULL);

	assert_int_equal(count(&l, EV_SIP), 81);
	assert_int_equal(count(&l, EV_CONN_OPEN), 0);
	for (size_t i = 0; i < l.count; i++) {
		assert_int_equal(l.events[i].conn, 0);
		assert_int_equal(l.events[i].sip.transport, TRANSPORT_UDP);
	}
	assert_true(l.input.capture.local_inferred);
	event_list_free(&l);
}

/* Chain verdicts at the capture's time against the system store (RFC 5280 path building). */
static void test_tls_chains(void **state)
{
	(void)state;
	struct event_list l = load(TLS_CAPS "missing-intermediate.pcap", "192.168.4.149");
	const struct event *chain = nth(&l, EV_TLS_CHAIN, 0), *open = nth(&l, EV_CONN_OPEN, 0);
	const struct event *hs = nth(&l, EV_TLS_HANDSHAKE, 0);

	assert_int_equal(open->conn_ev.direction, DIR_OUT); /* this host sent the SYN */
	assert_true(open->conn_ev.tls_client);
	assert_int_equal(chain->chain.from, SIDE_PEER);
	assert_int_equal(chain->chain.n_certs, 1);
	assert_int_equal(chain->chain.verdict, CHAIN_INCOMPLETE);
	assert_non_null(
	    strstr(chain->chain.missing_issuer, "Starfield Secure Certificate Authority"));
	assert_non_null(chain->chain.certs[0].sha256);
	assert_int_equal(strlen(chain->chain.certs[0].sha256), 64);
	/* the client in the capture went on: a browser with the intermediate cached */
	assert_true(hs->handshake.ok);
	assert_true(hs->handshake.client);
	event_list_free(&l);

	l = load(TLS_CAPS "tls-expired-cert.pcap", "192.168.4.149");
	assert_int_equal(nth(&l, EV_TLS_CHAIN, 0)->chain.verdict, CHAIN_EXPIRED);
	event_list_free(&l);

	/* TLS 1.3: the certificates are encrypted, the handshake is still seen to complete */
	l = load(TLS_CAPS "tls13_wolfssl.pcap", NULL);
	assert_int_equal(count(&l, EV_TLS_CHAIN), 0);
	assert_true(nth(&l, EV_TLS_HANDSHAKE, 0)->handshake.ok);
	event_list_free(&l);
}

/* Every SIP and TLS capture of the corpus: one sip event per SIP message (the counts
 * `tshark -Y sip` gives), one handshake per TLS connection, no error. */
static void test_whole_corpus(void **state)
{
	(void)state;
	static const struct {
		const char *path;
		size_t sip, handshakes, chains;
	} files[] = {
	    {SIP_CAPS "invalid-content-length.pcap", 2, 0, 0},
	    {SIP_CAPS "sip-junk-before-request.pcap", 1, 0, 0},
	    {SIP_CAPS "sip-long-request-response-paths.pcap", 2, 0, 0},
	    {SIP_CAPS "wireshark.pcap", 81, 0, 0},
	    {TCP_CAPS "sip-body-frames__public-cloudshark-sip-s0.pcap", 10, 0, 0},
	    {TCP_CAPS "sip-body-large__sip-body-large.pcap", 2, 0, 0},
	    {TCP_CAPS "sip-compact-form__sip_compact_form.pcap", 1, 0, 0},
	    {TCP_CAPS "sip-header-multi-value__sip_header_multi_val.pcap", 1, 0, 0},
	    {TCP_CAPS "sip-sdp__sdp.pcap", 2, 0, 0},
	    {TCP_CAPS "sip-tcp-method__sip-tcp.pcap", 2, 0, 0},
	    {TCP_CAPS "sip-tcp-pattern-matching__sip.pcap", 2, 0, 0},
	    /* mutual TLS 1.2: the server's chain and the client's */
	    {TLS_CAPS "client-certificate.pcap", 0, 1, 2},
	    {TLS_CAPS "hrr.pcap", 0, 1, 0}, /* TLS 1.3: chains encrypted */
	    {TLS_CAPS "missing-intermediate.pcap", 0, 3, 3},
	    {TLS_CAPS "tls-expired-cert.pcap", 0, 2, 2},
	    {TLS_CAPS "tls1.2.pcap", 0, 1, 1},
	    {TLS_CAPS "tls13_wolfssl.pcap", 0, 1, 0},
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct event_list l = load(files[i].path, NULL);
		if (count(&l, EV_SIP) != files[i].sip ||
		    count(&l, EV_TLS_HANDSHAKE) != files[i].handshakes ||
		    count(&l, EV_TLS_CHAIN) != files[i].chains)
			fail_msg("%s: %zu sip, %zu handshakes, %zu chains", files[i].path,
				 count(&l, EV_SIP), count(&l, EV_TLS_HANDSHAKE),
				 count(&l, EV_TLS_CHAIN));
		for (size_t k = 0; k < l.count; k++)
			if (l.events[k].kind == EV_TLS_HANDSHAKE)
				assert_true(l.events[k].handshake.ok); /* all complete */
		event_list_free(&l);
	}
}

/* --host names this host; a host in no packet makes every connection foreign. */
static void test_host_and_ports(void **state)
{
	(void)state;
	struct capture_source_options options = {0};
	struct event_list l;

	l = load(TLS_CAPS "tls1.2.pcap", "10.0.0.80");
	assert_int_equal(nth(&l, EV_CONN_OPEN, 0)->conn_ev.direction, DIR_OUT);
	assert_string_equal(ip_addr_text(&nth(&l, EV_CONN_OPEN, 0)->conn_ev.local.addr).text,
			    "10.0.0.80");
	event_list_free(&l);
	l = load(TLS_CAPS "tls1.2.pcap", "192.0.2.1");
	assert_int_equal(l.count, 0);
	assert_int_equal(l.input.capture.conns_ignored, 1);
	event_list_free(&l);

	assert_int_equal(capture_source_parse_ports(&options, "5060,5061"), 0);
	assert_int_equal(options.n_ports, 2);
	assert_int_equal(capture_source_parse_ports(&options, "5060,x"), -EINVAL);
	options.n_ports = 0;
	assert_int_equal(capture_source_parse_ports(&options, "443"), 0);
	assert_int_equal(event_load("test", SIP_CAPS "wireshark.pcap", &options, &l), 0);
	assert_int_equal(l.count, 0); /* SIP on 5060 only */
	event_list_free(&l);
}

static void write_cut(const char *src, size_t keep, long poke_at, uint8_t poke, char *path)
{
	size_t len;
	FILE *in = fopen(src, "rb"), *out;
	uint8_t *buf = malloc(1 << 20);
	int fd;

	assert_non_null(in);
	len = fread(buf, 1, 1 << 20, in);
	fclose(in);
	if (keep < len)
		len = keep;
	if (poke_at >= 0)
		buf[poke_at] = poke;
	snprintf(path, 64, "/tmp/stpost-cut-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	out = fdopen(fd, "wb");
	fwrite(buf, 1, len, out);
	fclose(out);
	free(buf);
}

/* A truncated file: the events before the cut come out, then an error naming packet and byte,
 * from the library and from the command. */
static void test_truncated_capture(void **state)
{
	(void)state;
	struct capture_source_options options = {0};
	struct event_list l;
	char path[64], args[256], out[8192];

	write_cut(TCP_CAPS "sip-body-large__sip-body-large.pcap", 40000, -1, 0, path);
	assert_int_equal(event_load("test", path, &options, &l), -EIO);
	assert_int_equal(count(&l, EV_CONN_OPEN), 1); /* what came before the cut */
	assert_true(l.input.capture.replay.packets > 0);
	event_list_free(&l);

	snprintf(args, sizeof(args), "replay %s", path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "OPEN  conn="));
	assert_non_null(strstr(out, "packet 7 (record at byte offset 33144)"));
	assert_non_null(strstr(out, "truncated"));
	unlink(path);

	/* oversized: a record claiming 8 MB of capture */
	write_cut(TCP_CAPS "sip-body-large__sip-body-large.pcap", 1 << 20, 24 + 16 + 68 + 8 + 2,
		  0x7f, path);
	snprintf(args, sizeof(args), "replay --json %s", path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "packet 2 (record at byte offset 108)"));
	assert_non_null(strstr(out, "bigger than"));
	unlink(path);

	/* not a capture, and a missing file */
	snprintf(args, sizeof(args), "replay tests/data/gen_journals.py");
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "cannot read as pcap or pcapng"));
	assert_int_equal(siptrail_cmd("replay /nonexistent.pcap", out, sizeof(out)), 2);
	assert_non_null(strstr(out, "/nonexistent.pcap"));
	assert_int_equal(
	    siptrail_cmd("replay --host 300.1.1.1 " TLS_CAPS "hrr.pcap", out, sizeof(out)), 2);
	assert_non_null(strstr(out, "--host 300.1.1.1: not an IPv4 or IPv6 address"));
}

/* Every cut length of a small capture: no crash, never more events than the whole file. */
static void test_every_cut(void **state)
{
	(void)state;
	struct capture_source_options options = {0};
	struct event_list whole, l;
	char path[64];

	assert_int_equal(event_load("test", TLS_CAPS "hrr.pcap", &options, &whole), 0);
	for (size_t keep = 0; keep < 6000; keep += 97) {
		write_cut(TLS_CAPS "hrr.pcap", keep, -1, 0, path);
		int rc = event_load("test", path, &options, &l);
		assert_true(rc == 0 || rc == -EIO);
		assert_true(l.count <= whole.count);
		event_list_free(&l);
		unlink(path);
	}
	event_list_free(&whole);
}

/* A pcapng with two interfaces of different link types, as Wireshark's mergecap writes it (and
 * a capture on `any` plus an Ethernet interface would be): the Ethernet REGISTER trace and the
 * BSD loopback 65 KB INVITE in one file give the events of both. libpcap 1.10 refuses such a
 * file; siptrail's pcapng reader does not. Then `siptrail replay` on conformance files whose
 * interfaces differ, in both byte orders. */
static void test_pcapng_several_interfaces(void **state)
{
	(void)state;
	struct capture_source_options options = {.hosts = {"2.2.2.2", "127.0.0.1"}, .n_hosts = 2};
	char path[] = "/tmp/stpost-merged-XXXXXX", cmd[512], out[8192];
	struct event_list l;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "mergecap -F pcapng -w %s " TCP_CAPS "sip-tcp-pattern-matching__sip.pcap " TCP_CAPS
		 "sip-body-large__sip-body-large.pcap",
		 path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(event_load("test", path, &options, &l), 0);
	unlink(path);
	assert_int_equal(l.input.capture.replay.packets, 7 + 16);
	assert_int_equal(l.input.capture.replay.tcp_packets, 7 + 16);
	assert_int_equal(count(&l, EV_CONN_OPEN), 2);
	assert_int_equal(count(&l, EV_SIP), 4);
	assert_memory_equal(nth(&l, EV_SIP, 0)->sip.raw, "REGISTER ", 9);
	assert_memory_equal(nth(&l, EV_SIP, 1)->sip.raw, "SIP/2.0 401", 11);
	assert_memory_equal(nth(&l, EV_SIP, 2)->sip.raw, "INVITE ", 7);
	assert_true(nth(&l, EV_SIP, 2)->sip.raw_len > 65536);
	assert_memory_equal(nth(&l, EV_SIP, 3)->sip.raw, "SIP/2.0 100", 11);
	event_list_free(&l);

	static const struct {
		const char *file, *summary;
	} conformance[] = {
	    {"basic/test006.pcapng", ": 5 packets"},	 /* Ethernet and loopback interfaces */
	    {"advanced/test102.pcapng", ": 5 packets"},	 /* every block type */
	    {"difficult/test202.pcapng", ": 8 packets"}, /* three sections, both orders */
	};
	for (int order = 0; order < 2; order++)
		for (size_t i = 0; i < sizeof(conformance) / sizeof(conformance[0]); i++) {
			snprintf(cmd, sizeof(cmd),
				 "replay ../shared/corpus/pcapng-conformance/output_%s/%s",
				 order ? "be" : "le", conformance[i].file);
			assert_int_equal(siptrail_cmd(cmd, out, sizeof(out)), 0);
			assert_non_null(strstr(out, conformance[i].summary));
			assert_non_null(strstr(out, "0 malformed packets skipped"));
		}
}

/* The journal writer writes what the reader reads, for every kind of event the capture gives. */
static void test_journal_round_trip(void **state)
{
	(void)state;
	struct event_list l = load(TLS_CAPS "missing-intermediate.pcap", "192.168.4.149");
	char err[256];

	assert_true(l.count >= 8);
	for (size_t i = 0; i < l.count; i++) {
		const struct event *ev = &l.events[i];
		json_t *obj = event_to_json(ev);
		char *line = json_dumps(obj, JSON_COMPACT);
		struct event back;

		assert_int_equal(journal_parse_line(line, &back, err, sizeof(err)), 0);
		assert_int_equal(back.kind, ev->kind);
		assert_int_equal(back.ts_ns, ev->ts_ns);
		assert_int_equal(back.conn, ev->conn);
		if (ev->kind == EV_CONN_END) {
			assert_int_equal(back.conn_ev.how, ev->conn_ev.how);
			assert_int_equal(back.conn_ev.closed_by, ev->conn_ev.closed_by);
			assert_int_equal(back.conn_ev.idle_ns, ev->conn_ev.idle_ns);
			assert_true(
			    ip_addr_equal(&back.conn_ev.remote.addr, &ev->conn_ev.remote.addr));
		} else if (ev->kind == EV_TLS_CHAIN) {
			assert_int_equal(back.chain.verdict, ev->chain.verdict);
			assert_int_equal(back.chain.n_certs, ev->chain.n_certs);
			assert_string_equal(back.chain.certs[0].subject,
					    ev->chain.certs[0].subject);
			assert_string_equal(back.chain.certs[0].sans, ev->chain.certs[0].sans);
			assert_string_equal(back.chain.missing_issuer, ev->chain.missing_issuer);
		} else if (ev->kind == EV_TLS_HANDSHAKE) {
			assert_int_equal(back.handshake.ok, ev->handshake.ok);
			assert_int_equal(back.handshake.client, ev->handshake.client);
		}
		event_release(&back);
		free(line);
		json_decref(obj);
	}
	event_list_free(&l);
}

/* replay --write makes a 0600 journal that explain reads like the capture itself. */
static void test_write_then_explain(void **state)
{
	(void)state;
	char path[] = "/tmp/stpost-journal-XXXXXX", args[512], out[16384], direct[16384];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	snprintf(args, sizeof(args), "replay --write %s " TCP_CAPS "sip-sdp__sdp.pcap", path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "2 SIP messages"));
	snprintf(args, sizeof(args), "explain %s", path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	assert_int_equal(
	    siptrail_cmd("explain " TCP_CAPS "sip-sdp__sdp.pcap", direct, sizeof(direct)), 0);
	assert_string_equal(out, direct);
	assert_non_null(strstr(out, "1 call(s), 0 failed"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sip_over_tcp),
	    cmocka_unit_test(test_large_invite_and_close),
	    cmocka_unit_test(test_sip_over_udp),
	    cmocka_unit_test(test_tls_chains),
	    cmocka_unit_test(test_host_and_ports),
	    cmocka_unit_test(test_truncated_capture),
	    cmocka_unit_test(test_every_cut),
	    cmocka_unit_test(test_pcapng_several_interfaces),
	    cmocka_unit_test(test_journal_round_trip),
	    cmocka_unit_test(test_write_then_explain),
	    cmocka_unit_test(test_whole_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
