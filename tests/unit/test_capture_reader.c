/* pcap/pcapng reading (pcapng conformance files, both byte orders), TCP reassembly on a real
 * 65 KB SIP INVITE and on built segments, and clear errors for cut or corrupt files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/test_pki.h"
#include "capture_reader.h"
#include "tcp_reassembly.h"

#define NG	   "../shared/corpus/pcapng-conformance/"
#define BIG_INVITE "../shared/corpus/sip-tcp-captures/sip-body-large__sip-body-large.pcap"

struct sink {
	uint8_t stream[2][70000];
	size_t stream_len[2];
	size_t data_calls[2];
	uint64_t gaps[2];
	size_t opens, ends;
	struct tcp_conn last_end;
	enum tcp_end_reason last_reason;
	size_t udp, udp_bytes;
	uint64_t udp_ts[8];
};

static void on_open(void *user, const struct tcp_conn *conn, uint64_t ts_ns)
{
	(void)conn;
	(void)ts_ns;
	((struct sink *)user)->opens++;
}

static void on_data(void *user, const struct tcp_conn *conn, enum tcp_side from,
		    const uint8_t *data, size_t len, uint64_t ts_ns)
{
	struct sink *s = user;
	(void)conn;
	(void)ts_ns;
	assert_true(s->stream_len[from] + len <= sizeof(s->stream[from]));
	memcpy(s->stream[from] + s->stream_len[from], data, len);
	s->stream_len[from] += len;
	s->data_calls[from]++;
}

static void on_gap(void *user, const struct tcp_conn *conn, enum tcp_side from,
		   uint64_t missing_bytes, uint64_t ts_ns)
{
	(void)conn;
	(void)ts_ns;
	((struct sink *)user)->gaps[from] += missing_bytes;
}

static void on_end(void *user, const struct tcp_conn *conn, enum tcp_end_reason reason,
		   uint64_t ts_ns)
{
	struct sink *s = user;
	(void)ts_ns;
	s->ends++;
	s->last_end = *conn;
	s->last_reason = reason;
}

static void on_udp(void *user, const struct packet_l4 *pkt, uint64_t ts_ns)
{
	struct sink *s = user;
	if (s->udp < 8)
		s->udp_ts[s->udp] = ts_ns;
	s->udp++;
	s->udp_bytes += pkt->payload_len;
}

static const struct capture_replay_ops ops = {{on_open, on_data, on_gap, on_end}, on_udp};

static int replay(const char *path, struct sink *sink, struct capture_replay_stats *stats,
		  struct capture_error *err)
{
	memset(sink, 0, sizeof(*sink));
	return capture_replay(path, &ops, sink, NULL, stats, err);
}

static void test_pcapng_both_byte_orders(void **state)
{
	(void)state;
	static struct sink sink;
	struct capture_replay_stats stats;
	struct capture_error err;
	const char *orders[] = {NG "output_le/", NG "output_be/"};
	for (int i = 0; i < 2; i++) {
		char path[256];
		/* test001: SHB, IDB, 4 EPBs of DHCP over UDP (272 and 300 payload bytes). */
		snprintf(path, sizeof(path), "%sbasic/test001.pcapng", orders[i]);
		assert_int_equal(replay(path, &sink, &stats, &err), 0);
		assert_int_equal(stats.packets, 4);
		assert_int_equal(sink.udp, 4);
		assert_int_equal(sink.udp_bytes, 272 + 300 + 272 + 300);
		/* test009: EPBs with all options; timestamps are known. */
		snprintf(path, sizeof(path), "%sbasic/test009.pcapng", orders[i]);
		assert_int_equal(replay(path, &sink, &stats, &err), 0);
		assert_int_equal(stats.packets, 2);
		assert_int_equal(sink.udp_ts[0], 1340954905298858000ULL);
		assert_int_equal(sink.udp_ts[1], 1340954905299858000ULL);
		/* test010: simple packet blocks only. */
		snprintf(path, sizeof(path), "%sbasic/test010.pcapng", orders[i]);
		assert_int_equal(replay(path, &sink, &stats, &err), 0);
		assert_int_equal(sink.udp, 4);
		/* test016: NRBs between SPBs and EPBs are skipped. */
		snprintf(path, sizeof(path), "%sbasic/test016.pcapng", orders[i]);
		assert_int_equal(replay(path, &sink, &stats, &err), 0);
		assert_int_equal(stats.packets, 4);
		assert_int_equal(sink.udp_ts[1], 1340954905298858000ULL);
		/* test003: SHB and IDB, no packets. */
		snprintf(path, sizeof(path), "%sbasic/test003.pcapng", orders[i]);
		assert_int_equal(replay(path, &sink, &stats, &err), 0);
		assert_int_equal(stats.packets, 0);
		/* test005: a second IDB with another snaplen after the first packet. libpcap
		 * 1.10 refuses that: the first packet is delivered, then a clear error. */
		snprintf(path, sizeof(path), "%sbasic/test005.pcapng", orders[i]);
		assert_int_equal(replay(path, &sink, &stats, &err), -EIO);
		assert_int_equal(stats.packets, 1);
		assert_int_equal(err.packet_number, 2);
		assert_true(err.byte_offset > 0);
		assert_non_null(strstr(err.message, "packet 2 (record at byte offset"));
		assert_non_null(strstr(err.message, "snapshot length"));
	}
}

static void test_big_invite_one_ordered_stream(void **state)
{
	(void)state;
	static struct sink sink;
	struct capture_replay_stats stats;
	struct capture_error err;
	assert_int_equal(replay(BIG_INVITE, &sink, &stats, &err), 0);
	assert_int_equal(stats.tcp_packets, 16);
	assert_int_equal(sink.opens, 1);
	assert_int_equal(sink.ends, 1);
	assert_int_equal(sink.stream_len[TCP_SIDE_CLIENT], 4 * 16332 + 465);
	assert_int_equal(sink.data_calls[TCP_SIDE_CLIENT], 5);
	assert_memory_equal(sink.stream[TCP_SIDE_CLIENT], "INVITE ", 7);
	const char *cl = strstr((const char *)sink.stream[TCP_SIDE_CLIENT], "Content-Length: ");
	assert_non_null(cl);
	assert_int_equal(atoi(cl + 16), 65536);
	const char *body = strstr((const char *)sink.stream[TCP_SIDE_CLIENT], "\r\n\r\n");
	assert_non_null(body);
	assert_int_equal(sink.stream_len[TCP_SIDE_CLIENT] -
			     (size_t)(body + 4 - (const char *)sink.stream[TCP_SIDE_CLIENT]),
			 65536);
	assert_int_equal(sink.stream_len[TCP_SIDE_SERVER], 207);
	assert_memory_equal(sink.stream[TCP_SIDE_SERVER], "SIP/2.0 100", 11);
	const struct tcp_conn *c = &sink.last_end;
	assert_int_equal(sink.last_reason, TCP_END_CLOSED);
	assert_true(c->opener_known);
	assert_int_equal(c->end[TCP_SIDE_CLIENT].port, 59809);
	assert_int_equal(c->end[TCP_SIDE_SERVER].port, 5060);
	assert_int_equal(c->first_closer, TCP_SIDE_SERVER);
	assert_int_equal(c->first_close_ts_ns, 1782243452935990000ULL);
	assert_int_equal(c->syn_ts_ns, 1782243452934517000ULL);
	assert_int_equal(c->gap_bytes[0] + c->gap_bytes[1], 0);
}

/* Writes the first `keep` bytes of a file (optionally with a byte changed) to a temp file. */
static void cut_file(const char *src, size_t keep, long poke_at, uint8_t poke, char *path)
{
	size_t len;
	uint8_t *data = test_read_file(src, &len);
	assert_non_null(data);
	if (keep > len)
		keep = len;
	if (poke_at >= 0)
		data[poke_at] = poke;
	snprintf(path, 64, "/tmp/siptrail-test-cut-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, keep), (ssize_t)keep);
	close(fd);
	free(data);
}

static void test_truncated_and_corrupt_files(void **state)
{
	(void)state;
	static struct sink sink;
	struct capture_replay_stats stats;
	struct capture_error err;
	char path[64];

	/* Cut inside the third 16 KB segment (packet 7): six packets come out first. */
	cut_file(BIG_INVITE, 40000, -1, 0, path);
	assert_int_equal(replay(path, &sink, &stats, &err), -EIO);
	unlink(path);
	assert_int_equal(stats.packets, 6);
	assert_int_equal(err.packet_number, 7);
	assert_non_null(strstr(err.message, "packet 7 (record at byte offset 33144)"));
	assert_non_null(strstr(err.message, "truncated"));
	assert_int_equal(sink.stream_len[TCP_SIDE_CLIENT], 2 * 16332);
	assert_int_equal(sink.ends, 1);
	assert_int_equal(sink.last_reason, TCP_END_CAPTURE_END);

	/* Not a capture at all. */
	cut_file(NG "output_le/basic/test001.txt", 4096, -1, 0, path);
	assert_int_equal(replay(path, &sink, &stats, &err), -EIO);
	unlink(path);
	assert_int_equal(err.packet_number, 0);
	assert_non_null(strstr(err.message, "cannot read as pcap or pcapng"));

	/* A record length (caplen of packet 2) made huge. */
	cut_file(BIG_INVITE, 1 << 20, 24 + 16 + 68 + 8 + 2, 0x7f, path);
	assert_int_equal(replay(path, &sink, &stats, &err), -EIO);
	unlink(path);
	assert_int_equal(stats.packets, 1);
	assert_int_equal(err.packet_number, 2);
	assert_int_equal(err.byte_offset, 24 + 16 + 68);
	assert_non_null(strstr(err.message, "packet 2 (record at byte offset 108)"));

	/* A cut pcapng file, every length. No crash, and a packet count that never goes back. */
	size_t ng_len;
	uint8_t *ng = test_read_file(NG "output_be/advanced/test102.pcapng", &ng_len);
	assert_non_null(ng);
	free(ng);
	for (size_t keep = 0; keep < ng_len; keep += 7) {
		cut_file(NG "output_be/advanced/test102.pcapng", keep, -1, 0, path);
		int rc = replay(path, &sink, &stats, &err);
		unlink(path);
		assert_true(rc == 0 || (rc == -EIO && err.message[0]));
	}

	assert_int_equal(replay("/nonexistent.pcap", &sink, &stats, &err), -EIO);
	assert_non_null(strstr(err.message, "/nonexistent.pcap"));
}

/* Built segments: reordering, retransmission with overlap, a loss the peer ACKs, RST. */
static struct packet_l4 seg(int from_client, uint32_t seq, uint32_t ack, uint8_t flags,
			    const char *payload)
{
	struct packet_l4 p = {.family = AF_INET, .protocol = IPPROTO_TCP};
	uint8_t client[4] = {10, 0, 0, 1}, server[4] = {10, 0, 0, 2};
	memcpy(p.src_addr, from_client ? client : server, 4);
	memcpy(p.dst_addr, from_client ? server : client, 4);
	p.src_port = from_client ? 40000 : 5061;
	p.dst_port = from_client ? 5061 : 40000;
	p.tcp_seq = seq;
	p.tcp_ack = ack;
	p.tcp_flags = flags;
	p.payload = (const uint8_t *)payload;
	p.payload_len = payload ? strlen(payload) : 0;
	p.payload_wire_len = p.payload_len;
	return p;
}

static void test_reassembly_rules(void **state)
{
	(void)state;
	static struct sink sink;
	memset(&sink, 0, sizeof(sink));
	struct tcp_reasm *r = tcp_reasm_new(NULL, &ops.tcp, &sink);
	assert_non_null(r);
	const uint32_t c = 0xfffffff0, s = 5000; /* client ISN wraps around 2^32 */
	struct packet_l4 pkts[] = {
	    seg(1, c, 0, PACKET_TCP_SYN, NULL),
	    seg(0, s, c + 1, PACKET_TCP_SYN | PACKET_TCP_ACK, NULL),
	    seg(1, c + 1 + 6, s + 1, PACKET_TCP_ACK, "world "), /* early */
	    seg(1, c + 1, s + 1, PACKET_TCP_ACK, "hello "),
	    seg(1, c + 1 + 3, s + 1, PACKET_TCP_ACK, "lo wor"), /* overlap, retransmitted */
	    seg(1, c + 1 + 20, s + 1, PACKET_TCP_ACK, "after-gap"),
	    seg(0, s + 1, c + 1 + 29, PACKET_TCP_ACK, "ok"), /* acks past the hole */
	    seg(0, s + 3, c + 1 + 29, PACKET_TCP_RST, NULL),
	    seg(1, c + 1 + 29, s + 3, PACKET_TCP_ACK, "late"), /* after the end: ignored */
	};
	for (size_t i = 0; i < sizeof(pkts) / sizeof(pkts[0]); i++)
		assert_int_equal(tcp_reasm_packet(r, &pkts[i], 1000 + i), 0);
	assert_int_equal(sink.stream_len[0], 12 + 9);
	assert_memory_equal(sink.stream[0], "hello world after-gap", 21);
	assert_int_equal(sink.gaps[0], 8);
	assert_int_equal(sink.stream_len[1], 2);
	assert_int_equal(sink.ends, 1);
	assert_int_equal(sink.last_reason, TCP_END_RESET);
	assert_int_equal(sink.last_end.first_closer, TCP_SIDE_SERVER);
	assert_int_equal(sink.last_end.rst_ts_ns[TCP_SIDE_SERVER], 1007);
	assert_int_equal(sink.last_end.synack_ts_ns, 1001);
	struct tcp_reasm_stats stats;
	tcp_reasm_get_stats(r, &stats);
	assert_int_equal(stats.retransmitted_bytes, 6);

	/* Mid-stream start, then the capture ends with data after a hole. */
	struct packet_l4 mid[] = {
	    seg(0, 100, 0, PACKET_TCP_ACK, "abc"),
	    seg(0, 110, 0, PACKET_TCP_ACK, "xyz"),
	};
	memset(&sink, 0, sizeof(sink));
	for (size_t i = 0; i < 2; i++) {
		mid[i].dst_port = 40001; /* the old 4-tuple has ended: its packets are ignored */
		assert_int_equal(tcp_reasm_packet(r, &mid[i], 2000 + i), 0);
	}
	tcp_reasm_finish(r, 3000);
	assert_int_equal(sink.opens, 1);
	assert_false(sink.last_end.opener_known);
	assert_int_equal(sink.last_end.end[TCP_SIDE_CLIENT].port, 5061); /* first sender */
	assert_int_equal(sink.gaps[0], 7);
	assert_memory_equal(sink.stream[0], "abcxyz", 6);
	assert_int_equal(sink.last_reason, TCP_END_CAPTURE_END);
	tcp_reasm_free(r);

	/* A buffer limit forces the gap early instead of holding data without bound. */
	struct tcp_reasm_limits limits = {.max_conns = 4, .max_buffered_bytes = 8};
	memset(&sink, 0, sizeof(sink));
	r = tcp_reasm_new(&limits, &ops.tcp, &sink);
	struct packet_l4 syn = seg(1, 0, 0, PACKET_TCP_SYN, NULL);
	struct packet_l4 far1 = seg(1, 11, 0, 0, "12345"), far2 = seg(1, 16, 0, 0, "67890");
	tcp_reasm_packet(r, &syn, 1);
	tcp_reasm_packet(r, &far1, 2);
	tcp_reasm_packet(r, &far2, 3);
	assert_int_equal(sink.gaps[0], 10);
	assert_memory_equal(sink.stream[0], "1234567890", 10);
	tcp_reasm_get_stats(r, &stats);
	assert_int_equal(stats.forced_gaps, 1);
	tcp_reasm_free(r);
}

/* Idle before a close: close_notify records right before the FIN do not count, older small
 * payloads (a CRLF keep-alive long before) do. */
static void test_idle_skips_close_notify(void **state)
{
	const uint64_t s_ns = 1000000000ull;
	struct tcp_conn conn = {.first_ts_ns = 1 * s_ns,
				.last_large_payload_ts_ns = 10 * s_ns,
				.small_payload_ts_ns = {21 * s_ns, 21 * s_ns + 2000000}};

	(void)state;
	/* close_notify both ways 0-2 ms before the FIN at 21.003 s: idle since 10 s */
	assert_int_equal(tcp_conn_idle_since_ns(&conn, 21 * s_ns + 3000000), 10 * s_ns);
	/* a keep-alive at 15 s, long before the close, is data */
	conn.small_payload_ts_ns[2] = 15 * s_ns;
	assert_int_equal(tcp_conn_idle_since_ns(&conn, 21 * s_ns + 3000000), 15 * s_ns);
	/* the same small records a second before the close count as data */
	assert_int_equal(tcp_conn_idle_since_ns(&conn, 22 * s_ns), 21 * s_ns + 2000000);
	/* nothing but alerts: idle since the connection began */
	conn = (struct tcp_conn){.first_ts_ns = 1 * s_ns, .small_payload_ts_ns = {5 * s_ns}};
	assert_int_equal(tcp_conn_idle_since_ns(&conn, 5 * s_ns + 1000), 1 * s_ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pcapng_both_byte_orders),
	    cmocka_unit_test(test_big_invite_one_ordered_stream),
	    cmocka_unit_test(test_truncated_and_corrupt_files),
	    cmocka_unit_test(test_reassembly_rules),
	    cmocka_unit_test(test_idle_skips_close_notify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
