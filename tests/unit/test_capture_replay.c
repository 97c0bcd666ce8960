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

#include "capture_events.h"
#include "capture_source.h"
#include "event_load.h"
#include "frame_build.h"
#include "journal_read.h"
#include "pcapng_write.h"
#include "journal_write.h"
#include "siptrail_cmd.h"

#define SIP_CAPS "../shared/corpus/sip-captures/"
#define TCP_CAPS "../shared/corpus/sip-tcp-captures/"
#define TLS_CAPS "../shared/corpus/tls-captures/"

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
	struct event_list l =
	    capture_events(TCP_CAPS "sip-tcp-pattern-matching__sip.pcap", NULL, 0);
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
	struct event_list l =
	    capture_events(TCP_CAPS "sip-body-large__sip-body-large.pcap", NULL, 0);
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
	struct event_list l = capture_events(SIP_CAPS "wireshark.pcap", NULL, 0);

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
	struct event_list l =
	    capture_events(TLS_CAPS "missing-intermediate.pcap", "192.168.4.149", 0);
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

	l = capture_events(TLS_CAPS "tls-expired-cert.pcap", "192.168.4.149", 0);
	assert_int_equal(nth(&l, EV_TLS_CHAIN, 0)->chain.verdict, CHAIN_EXPIRED);
	event_list_free(&l);

	/* TLS 1.3: the certificates are encrypted, the handshake is still seen to complete */
	l = capture_events(TLS_CAPS "tls13_wolfssl.pcap", NULL, 0);
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
		struct event_list l = capture_events(files[i].path, NULL, 0);
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

	l = capture_events(TLS_CAPS "tls1.2.pcap", "10.0.0.80", 0);
	assert_int_equal(nth(&l, EV_CONN_OPEN, 0)->conn_ev.direction, DIR_OUT);
	assert_string_equal(ip_addr_text(&nth(&l, EV_CONN_OPEN, 0)->conn_ev.local.addr).text,
			    "10.0.0.80");
	event_list_free(&l);
	l = capture_events(TLS_CAPS "tls1.2.pcap", "192.0.2.1", 0);
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
			/* every packet decoded: DHCP and the like, none SIP */
			assert_non_null(strstr(out, "nothing in this capture was used"));
			assert_non_null(strstr(out, " UDP not SIP\n"));
			assert_null(strstr(out, "malformed"));
		}
}

/* The journal writer writes what the reader reads, for every kind of event the capture gives. */
static void test_journal_round_trip(void **state)
{
	(void)state;
	struct event_list l =
	    capture_events(TLS_CAPS "missing-intermediate.pcap", "192.168.4.149", 0);
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

/* Every packet read is used or counted under one reason, in the text line and in --json. */
static void test_accounting_mixed(void **state)
{
	(void)state;
	static const char sip[] = "OPTIONS sip:a@192.168.1.2 SIP/2.0\r\nCall-ID: x\r\n"
				  "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	static const uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};
	static const uint8_t icmp[8] = {8};
	static const uint8_t dns[12] = {0x12, 0x34, 1};
	static const uint8_t pptp_gre[8] = {0x30, 0x01, 0x88, 0x0b}; /* RFC 2637 §4.1 */
	static uint8_t frame[FRAME_MAX], inner[FRAME_MAX];
	char path[] = "/tmp/siptrail-accounting-XXXXXX", args[256], out[8192];
	struct pcapng_writer *w;
	size_t n;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pcapng_writer_open(&w, path, 1 /* DLT_EN10MB */, 65535), 0);
#define PUT(len)                                                                                   \
	assert_int_equal(pcapng_write_packet(w, 1700000000000000000ull, frame, len, len, NULL), 0)
	n = frame_eth_udp4(frame, "192.168.1.2", 5060, "192.0.2.9", 5060, sip, strlen(sip));
	PUT(n); /* used */
	n = frame_eth_udp4(frame, "192.0.2.9", 5060, "192.168.1.2", 5060, sip, strlen(sip));
	PUT(n);	    /* used */
	PUT(n - 1); /* used: a datagram cut by the snap length still has its headers */
	PUT(frame_eth(frame, 0x0806, arp, sizeof(arp))); /* not IP */
	n = frame_ipv4(inner, "192.0.2.9", "192.168.1.2", 1, icmp, sizeof(icmp));
	PUT(frame_eth(frame, 0x0800, inner, n)); /* neither TCP nor UDP */
	n = frame_eth_udp4(frame, "192.168.1.2", 5060, "192.0.2.53", 5060, dns, sizeof(dns));
	PUT(n);	 /* UDP not SIP */
	PUT(24); /* truncated: 10 bytes of IP header */
	frame[14] = 0x44;
	PUT(n); /* malformed: IPv4 header length 16 */
	n = frame_eth_udp4(frame, "192.0.2.9", 5070, "192.168.1.2", 5080, sip, strlen(sip));
	PUT(n); /* outside --ports */
	n = frame_eth_udp4(frame, "192.0.2.9", 5060, "192.0.2.10", 5060, sip, strlen(sip));
	PUT(n); /* not local */
	n = frame_ipv4(inner, "192.0.2.9", "192.168.1.2", 47, pptp_gre, sizeof(pptp_gre));
	PUT(frame_eth(frame, 0x0800, inner, n)); /* GRE version 1: a tunnel not decoded */
#undef PUT
	assert_int_equal(pcapng_writer_close(w), 0);

	snprintf(args, sizeof(args), "replay --json --host 192.168.1.2 --ports 5060 %s", path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	assert_non_null(strstr(
	    out,
	    ": 11 packets read, 3 used, 8 not used: 1 not IP, 1 in a tunnel not decoded, 1 neither "
	    "TCP, UDP nor SCTP, 1 truncated, 1 malformed, 1 UDP not SIP, 1 "
	    "outside --ports, 1 not to or from the local host\n"));
	assert_non_null(strstr(
	    out,
	    "\"packets_read\":11,\"packets_used\":3,\"not_used\":{"
	    "\"link_type\":0,\"not_ip\":1,\"unknown_encap\":1,\"not_tcp_udp\":1,\"ip_fragment\":0,"
	    "\"truncated\":1,\"malformed\":1,\"not_sip\":1,\"not_in_ports\":1,"
	    "\"not_local\":1}}\n"));

	/* nothing used: said plainly, also by the commands that read captures */
	snprintf(args, sizeof(args), "replay --host 198.51.100.1 %s", path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	assert_non_null(strstr(out, ": nothing in this capture was used: 11 packets read: "));
	snprintf(args, sizeof(args), "explain --host 198.51.100.1 %s", path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "siptrail explain: "));
	assert_non_null(strstr(out, ": nothing in this capture was used: "));
	/* a call asked for that is not there */
	snprintf(args, sizeof(args), "explain --call-id nowhere %s", path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "siptrail explain: call 'nowhere' is not in "));
	unlink(path);
}

/* A UA that writes IPv6 Request-URIs without brackets (RFC 5118 §4.10) and no Max-Forwards,
 * over UDP/IPv6, in 2040: the call is read whole, each broken rule named with its byte. */
static void test_lenient_ipv6_call(void **state)
{
	(void)state;
	static const char *const msgs[][2] = {
	    {"a", "INVITE sip:2001:db8::2 SIP/2.0\r\nCSeq: 1 INVITE\r\n"},
	    {"b", "SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n"},
	    {"a", "ACK sip:2001:db8::2 SIP/2.0\r\nCSeq: 1 ACK\r\n"},
	    {"a", "BYE sip:2001:db8::2 SIP/2.0\r\nCSeq: 2 BYE\r\n"},
	    {"b", "SIP/2.0 200 OK\r\nCSeq: 2 BYE\r\n"},
	};
	static uint8_t frame[FRAME_MAX], ip[FRAME_MAX], udp[FRAME_MAX];
	static char out[16384];
	char path[] = "/tmp/siptrail-lenient-XXXXXX", args[256], text[1024];
	struct pcapng_writer *w;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pcapng_writer_open(&w, path, 1 /* DLT_EN10MB */, 65535), 0);
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		bool from_a = msgs[i][0][0] == 'a';
		int len = snprintf(text, sizeof(text),
				   "%sVia: SIP/2.0/UDP [2001:db8::%c]:5060;branch=z9hG4bK%zu\r\n"
				   "From: <sip:a@[2001:db8::1]>;tag=fa\r\n"
				   "To: <sip:b@[2001:db8::2]>%s\r\nCall-ID: v6-call@2001:db8::1\r\n"
				   "Content-Length: 0\r\n\r\n",
				   msgs[i][1], from_a ? '1' : '2', i, i ? ";tag=tb" : "");
		size_t n = frame_udp(udp, 5060, 5060, text, (size_t)len);
		n = frame_ipv6(ip, from_a ? "2001:db8::1" : "2001:db8::2",
			       from_a ? "2001:db8::2" : "2001:db8::1", 17, udp, n);
		n = frame_eth(frame, 0x86dd, ip, n);
		/* 2040-01-01 plus 100 ms per message */
		assert_int_equal(pcapng_write_packet(w, 2208988800000000000ull + i * 100000000ull,
						     frame, n, n, NULL),
				 0);
	}
	assert_int_equal(pcapng_writer_close(w), 0);

	snprintf(args, sizeof(args), "explain --host 2001:db8::1 %s", path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "1 call(s), 0 failed, 0 with warnings only; 5 events, 0 bad "
				    "line(s), 0 undecodable SIP message(s), 3 decoded despite a "
				    "broken rule\n"));
	assert_non_null(strstr(out,
			       "sip event at ts_ns 2208988800000000000: byte 7: Request-URI "
			       "malformed, taken as written (RFC 3261 §25.1; an IPv6 address "
			       "needs brackets, RFC 5118 §4.10) (and more); decoded as written\n"));
	snprintf(args, sizeof(args), "calls --host 2001:db8::1 %s", path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "v6-call@2001:db8::1"));
	assert_non_null(strstr(out, "2040-01-01"));
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
	    cmocka_unit_test(test_accounting_mixed),
	    cmocka_unit_test(test_lenient_ipv6_call),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
