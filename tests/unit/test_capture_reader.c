/* pcap/pcapng reading (pcapng conformance files, both byte orders), TCP reassembly on a real
 * 65 KB SIP INVITE and on built segments, and clear errors for cut or corrupt files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/test_pki.h"
#include "capture_reader.h"
#include "pcapng_reader.h"
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

/* What each pcapng conformance file holds, packet by packet, from its block listing (the .txt
 * next to it names the blocks; the Interface Description Blocks give link type, snapshot
 * length and time resolution) and as tshark reads it. A Simple Packet Block has no time: it
 * takes the time of the packet before it. */
struct expected_packet {
	uint32_t section, interface;
	int linktype; /* 1 Ethernet, 0 BSD loopback (DLT_NULL) */
	uint32_t caplen, wirelen;
	uint64_t ts_ns;
	const char *comment;
};

static const struct conformance_file {
	const char *name;
	size_t packets;
	struct expected_packet packet[8];
} conformance[] = {
    {"basic/test001.pcapng",
     4,
     {
	 {0, 0, 1, 314, 314, 0ULL, NULL},
	 {0, 0, 1, 342, 342, 0ULL, NULL},
	 {0, 0, 1, 314, 314, 0ULL, NULL},
	 {0, 0, 1, 342, 342, 0ULL, NULL},
     }},
    {"basic/test002.pcapng", 0, {}},
    {"basic/test003.pcapng", 0, {}},
    {"basic/test004.pcapng",
     4,
     {
	 {0, 0, 1, 96, 314, 1340954905298858000ULL, NULL},
	 {0, 1, 1, 128, 342, 1340954905299858000ULL, NULL},
	 {0, 0, 1, 96, 314, 1340954905300858000ULL, NULL},
	 {0, 1, 1, 128, 342, 1340954905301858000ULL, NULL},
     }},
    {"basic/test005.pcapng",
     4,
     {
	 {0, 0, 1, 96, 314, 1340954905298858000ULL, NULL},
	 {0, 1, 1, 128, 342, 1340954905299858000ULL, NULL},
	 {0, 0, 1, 96, 314, 1340954905300858000ULL, NULL},
	 {0, 1, 1, 128, 342, 1340954905301858000ULL, NULL},
     }},
    {"basic/test006.pcapng",
     5,
     {
	 {0, 0, 1, 96, 314, 1340954905298858000ULL, NULL},
	 {0, 1, 0, 168, 168, 1340954905299858000ULL, NULL},
	 {0, 0, 1, 96, 342, 1340954905300858000ULL, NULL},
	 {0, 0, 1, 96, 314, 1340954905301858000ULL, NULL},
	 {0, 0, 1, 96, 342, 1340954905302858000ULL, NULL},
     }},
    {"basic/test007.pcapng",
     1,
     {
	 {0, 0, 1, 96, 314, 1340954905298858000ULL, NULL},
     }},
    {"basic/test008.pcapng",
     4,
     {
	 {0, 0, 1, 96, 314, 1340954905298858ULL, NULL},
	 {0, 1, 1, 128, 342, 1340954905299858ULL, NULL},
	 {0, 0, 1, 96, 314, 1340954905300858ULL, NULL},
	 {0, 1, 1, 128, 342, 1340954905301858ULL, NULL},
     }},
    {"basic/test009.pcapng",
     2,
     {
	 {0, 0, 1, 314, 314, 1340954905298858000ULL, "test009-1"},
	 {0, 0, 1, 342, 342, 1340954905299858000ULL, "test009-2"},
     }},
    {"basic/test010.pcapng",
     4,
     {
	 {0, 0, 1, 314, 314, 0ULL, NULL},
	 {0, 0, 1, 342, 342, 0ULL, NULL},
	 {0, 0, 1, 314, 314, 0ULL, NULL},
	 {0, 0, 1, 342, 342, 0ULL, NULL},
     }},
    {"basic/test011.pcapng",
     4,
     {
	 {0, 0, 1, 314, 314, 0ULL, NULL},
	 {0, 0, 1, 342, 342, 1340954905298858000ULL, NULL},
	 {0, 0, 1, 314, 314, 1340954905298858000ULL, NULL},
	 {0, 0, 1, 342, 342, 1340954905300858000ULL, NULL},
     }},
    {"basic/test012.pcapng",
     4,
     {
	 {0, 0, 1, 314, 314, 0ULL, NULL},
	 {0, 0, 1, 315, 342, 0ULL, NULL},
	 {0, 0, 1, 314, 314, 0ULL, NULL},
	 {0, 0, 1, 315, 342, 0ULL, NULL},
     }},
    {"basic/test013.pcapng", 0, {}},
    {"basic/test014.pcapng", 0, {}},
    {"basic/test015.pcapng", 0, {}},
    {"basic/test016.pcapng",
     4,
     {
	 {0, 0, 1, 314, 314, 0ULL, NULL},
	 {0, 0, 1, 342, 342, 1340954905298858000ULL, NULL},
	 {0, 0, 1, 314, 314, 1340954905298858000ULL, NULL},
	 {0, 0, 1, 342, 342, 1340954905300858000ULL, NULL},
     }},
    {"basic/test017.pcapng", 0, {}},
    {"basic/test018.pcapng",
     4,
     {
	 {0, 0, 1, 314, 314, 0ULL, NULL},
	 {0, 0, 1, 342, 342, 1340954905298858000ULL, NULL},
	 {0, 0, 1, 314, 314, 1340954905298858000ULL, NULL},
	 {0, 0, 1, 342, 342, 1340954905300858000ULL, NULL},
     }},
    {"advanced/test100.pcapng",
     5,
     {
	 {0, 0, 1, 314, 314, 0ULL, NULL},
	 {0, 0, 1, 342, 342, 1340954905298858000ULL, NULL},
	 {0, 0, 1, 314, 314, 1340954905298858000ULL, NULL},
	 {0, 0, 1, 342, 342, 1340954905300858000ULL, NULL},
	 {0, 1, 0, 168, 168, 1340954905301858000ULL, NULL},
     }},
    {"advanced/test101.pcapng",
     4,
     {
	 {0, 0, 1, 96, 314, 1340954905298858000ULL, NULL},
	 {0, 2, 1, 128, 342, 1340954905298858000ULL, NULL},
	 {0, 0, 1, 96, 314, 1340954905298858000ULL, NULL},
	 {0, 1, 0, 168, 168, 1340954905301858000ULL, NULL},
     }},
    {"advanced/test102.pcapng",
     5,
     {
	 {0, 0, 1, 96, 314, 1340954905298858000ULL, NULL},
	 {0, 2, 1, 342, 342, 1340954905298858000ULL, NULL},
	 {0, 0, 1, 96, 314, 1340954905298858000ULL, NULL},
	 {0, 0, 1, 96, 342, 1340954905300858000ULL, NULL},
	 {0, 1, 0, 168, 168, 1340954905301858000ULL, NULL},
     }},
    {"difficult/test200.pcapng", 0, {}},
    {"difficult/test201.pcapng",
     4,
     {
	 {0, 0, 1, 96, 314, 1340954905298858000ULL, NULL},
	 {1, 0, 1, 128, 342, 1340954905298858000ULL, NULL},
	 {1, 0, 1, 128, 314, 1340954905298858000ULL, NULL},
	 {2, 1, 0, 168, 168, 1340954905301858000ULL, NULL},
     }},
    {"difficult/test202.pcapng",
     8,
     {
	 {0, 0, 1, 96, 314, 1340954905298858000ULL, NULL},
	 {0, 0, 1, 96, 342, 1340954905298858000ULL, NULL},
	 {0, 1, 0, 168, 168, 1340954905301858000ULL, NULL},
	 {1, 0, 1, 128, 314, 1340954905301858000ULL, NULL},
	 {1, 0, 1, 128, 342, 1340954905298858000ULL, NULL},
	 {1, 0, 1, 128, 314, 1340954905298858000ULL, NULL},
	 {1, 0, 1, 128, 342, 1340954905298858000ULL, NULL},
	 {2, 1, 0, 168, 168, 1340954905301858000ULL, NULL},
     }},
};

/* The block names of a conformance file's "Block sequence:" line, in order. */
static size_t block_sequence(const char *txt_path, char names[32][4])
{
	size_t len, n = 0;
	uint8_t *data = test_read_file(txt_path, &len);
	char text[4096];
	assert_non_null(data);
	assert_true(len < sizeof(text));
	memcpy(text, data, len);
	text[len] = '\0';
	free(data);
	char *line = strstr(text, "Block sequence: ");
	assert_non_null(line);
	for (char *tok = strtok(line + 16, ", \n"); tok && n < 32; tok = strtok(NULL, ", \n"))
		snprintf(names[n++], 4, "%s", tok);
	return n;
}

static void check_conformance_file(const char *dir, const struct conformance_file *c)
{
	char path[256], txt[256], blocks[32][4];
	struct pcapng_reader *reader;
	struct pcapng_packet pkt;
	struct pcapng_error err;
	size_t n_blocks, n = 0, packet_blocks = 0;
	int rc;

	snprintf(path, sizeof(path), "%s%s", dir, c->name);
	snprintf(txt, sizeof(txt), "%.*s.txt", (int)(strlen(path) - 7), path);
	n_blocks = block_sequence(txt, blocks);
	for (size_t i = 0; i < n_blocks; i++)
		packet_blocks += !strcmp(blocks[i], "EPB") || !strcmp(blocks[i], "SPB");
	assert_int_equal(packet_blocks, c->packets);

	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(pcapng_open(&reader, f, &err), 0);
	while ((rc = pcapng_next(reader, &pkt, &err)) == 1) {
		const struct expected_packet *e = &c->packet[n];
		uint32_t sections = 0;
		assert_true(n < c->packets);
		/* the block the packet came from is the one the .txt names there */
		assert_in_range(pkt.block_number, 1, n_blocks);
		const char *kind = blocks[pkt.block_number - 1];
		assert_true(!strcmp(kind, "EPB") || !strcmp(kind, "SPB"));
		for (size_t i = 0; i < pkt.block_number; i++)
			sections += !strcmp(blocks[i], "SHB");
		assert_int_equal(pkt.section, sections - 1);
		assert_int_equal(pkt.section, e->section);
		assert_int_equal(pkt.interface, e->interface);
		assert_int_equal(pkt.linktype, e->linktype);
		assert_int_equal(pkt.caplen, e->caplen);
		assert_int_equal(pkt.wirelen, e->wirelen);
		assert_int_equal(pkt.ts_ns, e->ts_ns);
		if (e->comment) {
			assert_int_equal(pkt.comment_len, strlen(e->comment));
			assert_memory_equal(pkt.comment, e->comment, pkt.comment_len);
		} else {
			assert_null(pkt.comment);
		}
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, c->packets);
	pcapng_close(reader);
	fclose(f);
}

/* All 24 conformance files in both byte orders (test202 mixes them in one file): every packet
 * where the .txt puts it, with its interface, link type, lengths, time and comment. Then the
 * whole replay: each packet decodes to UDP through its own interface's link type. */
static void test_pcapng_conformance(void **state)
{
	(void)state;
	static struct sink sink;
	struct capture_replay_stats stats;
	struct capture_error err;
	const char *orders[] = {NG "output_le/", NG "output_be/"};
	const size_t n_files = sizeof(conformance) / sizeof(conformance[0]);
	char path[256];

	assert_int_equal(n_files, 24);
	for (int i = 0; i < 2; i++) {
		for (size_t k = 0; k < n_files; k++) {
			check_conformance_file(orders[i], &conformance[k]);
			snprintf(path, sizeof(path), "%s%s", orders[i], conformance[k].name);
			assert_int_equal(replay(path, &sink, &stats, &err), 0);
			assert_int_equal(stats.packets, conformance[k].packets);
			assert_int_equal(stats.udp_packets, conformance[k].packets);
			assert_int_equal(stats.malformed + stats.other_linktype, 0);
		}
		/* test001: DHCP over UDP, 272 and 300 payload bytes. */
		snprintf(path, sizeof(path), "%sbasic/test001.pcapng", orders[i]);
		assert_int_equal(replay(path, &sink, &stats, &err), 0);
		assert_int_equal(sink.udp_bytes, 272 + 300 + 272 + 300);
		/* test006: the BSD loopback interface's datagram (136 bytes) among Ethernet ones
		 * cut to a 96-byte snapshot (54 bytes of UDP payload each). */
		snprintf(path, sizeof(path), "%sbasic/test006.pcapng", orders[i]);
		assert_int_equal(replay(path, &sink, &stats, &err), 0);
		assert_int_equal(sink.udp_bytes, 4 * (96 - 42) + 136);
		assert_int_equal(sink.udp_ts[1], 1340954905299858000ULL);
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

	assert_int_equal(replay("/nonexistent.pcap", &sink, &stats, &err), -EIO);
	assert_non_null(strstr(err.message, "/nonexistent.pcap"));
}

/* Block start offsets of a pcapng file, each section read in its own byte order; is_packet
 * marks the blocks that carry a packet. */
static size_t block_starts(const uint8_t *d, size_t len, size_t *starts, bool *is_packet,
			   size_t max)
{
	bool swap = false;
	size_t n = 0;
	for (size_t off = 0; off < len && n < max; n++) {
		uint32_t type, length;
		memcpy(&type, d + off, 4);
		if (type == PCAPNG_MAGIC)
			swap = d[off + 8] == 0x1a; /* 1a 2b 3c 4d: big-endian */
		memcpy(&length, d + off + 4, 4);
		type = swap ? __builtin_bswap32(type) : type;
		length = swap ? __builtin_bswap32(length) : length;
		starts[n] = off;
		is_packet[n] = type == 2 || type == 3 || type == 6;
		off += length;
	}
	return n;
}

/* Reads every packet of a file with capture_next (no decoding: the reader alone). Returns 0 or
 * what capture_open/capture_next returned, with *packets the packets read before. */
static int read_packets(const char *path, uint64_t *packets, struct capture_error *err)
{
	struct capture_reader *reader;
	struct capture_packet pkt;
	int rc = capture_open(&reader, path, err);

	if (rc)
		return rc;
	while ((rc = capture_next(reader, &pkt, err)) == 1)
		(*packets)++;
	capture_close(reader);
	return rc;
}

/* A pcapng file cut at every byte: at a block boundary it reads to the end; anywhere else the
 * packets of every whole block come out, then an error that names the packet, the cut block
 * and where it starts. */
static void check_every_cut(const char *src)
{
	struct capture_error err;
	size_t len, starts[64], n_blocks;
	bool is_packet[64];
	uint8_t *data = test_read_file(src, &len);
	char path[64], where[96];

	assert_non_null(data);
	n_blocks = block_starts(data, len, starts, is_packet, 64);
	assert_true(n_blocks > 2 && n_blocks < 64);
	for (size_t keep = 0, b = 0; keep <= len; keep++) {
		size_t packets = 0;
		while (b + 1 < n_blocks && starts[b + 1] <= keep)
			b++;
		for (size_t i = 0; i < b; i++)
			packets += is_packet[i];
		uint64_t read = 0;
		cut_file(src, keep, -1, 0, path);
		int rc = read_packets(path, &read, &err);
		unlink(path);
		if (keep < 4) { /* not even a magic number: libpcap says what it makes of it */
			assert_int_equal(rc, -EIO);
			assert_int_equal(err.packet_number, 0);
			continue;
		}
		if (keep == len || (keep == starts[b] && b > 0)) {
			assert_int_equal(rc, 0);
			assert_int_equal(read, packets + (keep == len && is_packet[b]));
			continue;
		}
		assert_int_equal(rc, -EIO);
		assert_int_equal(err.block_number, b + 1);
		assert_int_equal(err.byte_offset, starts[b]);
		assert_true(strstr(err.message, "past the end of the file") ||
			    strstr(err.message, "the file ends"));
		if (b == 0) {
			assert_int_equal(err.packet_number, 0);
			assert_non_null(strstr(err.message, "cannot read as pcapng: block 1 ("));
			continue;
		}
		assert_int_equal(read, packets);
		assert_int_equal(err.packet_number, packets + 1);
		snprintf(where, sizeof(where), "packet %zu (record at byte offset %zu): block %zu",
			 packets + 1, starts[b], b + 1);
		assert_non_null(strstr(err.message, where));
	}
	free(data);
}

static void test_pcapng_every_cut(void **state)
{
	(void)state;
	check_every_cut(NG "output_be/advanced/test102.pcapng");
	check_every_cut(NG "output_le/difficult/test202.pcapng"); /* sections of both orders */
}

/* --- pcapng files built here (little-endian) for what the conformance files lack --- */

struct ng_file {
	uint8_t bytes[2048];
	size_t len;
};

static void ng_put(struct ng_file *f, const void *p, size_t len)
{
	assert_true(f->len + len <= sizeof(f->bytes));
	memcpy(f->bytes + f->len, p, len);
	f->len += len;
}

static void ng_u32(struct ng_file *f, uint32_t v)
{
	ng_put(f, &v, 4);
}

static size_t pad4(size_t len)
{
	return (len + 3) & ~(size_t)3;
}

/* A block (§3.1): type, length, body padded to 32 bits, length. Returns its offset. */
static size_t ng_block(struct ng_file *f, uint32_t type, const void *body, size_t body_len)
{
	static const uint8_t zeros[4];
	size_t at = f->len;
	uint32_t total = (uint32_t)(12 + pad4(body_len));
	ng_u32(f, type);
	ng_u32(f, total);
	ng_put(f, body, body_len);
	ng_put(f, zeros, pad4(body_len) - body_len);
	ng_u32(f, total);
	return at;
}

/* An option (§3.5) appended to buf at *len. */
static void ng_option(uint8_t *buf, size_t *len, uint16_t code, const void *value,
		      uint16_t value_len)
{
	memcpy(buf + *len, &code, 2);
	memcpy(buf + *len + 2, &value_len, 2);
	memcpy(buf + *len + 4, value, value_len);
	memset(buf + *len + 4 + value_len, 0, pad4(value_len) - value_len);
	*len += 4 + pad4(value_len);
}

static void ng_shb(struct ng_file *f, uint16_t major)
{
	uint8_t body[16] = {0x4d, 0x3c, 0x2b, 0x1a};
	memcpy(body + 4, &major, 2);
	memset(body + 8, 0xff, 8); /* section length unknown */
	ng_block(f, PCAPNG_MAGIC, body, sizeof(body));
}

/* tsresol < 0: no if_tsresol option; tsoffset_s 0: no if_tsoffset. */
static void ng_idb(struct ng_file *f, uint16_t linktype, uint32_t snaplen, int tsresol,
		   int64_t tsoffset_s)
{
	uint8_t body[64] = {0}, resol = (uint8_t)tsresol;
	size_t len = 8;
	memcpy(body, &linktype, 2);
	memcpy(body + 4, &snaplen, 4);
	if (tsresol >= 0)
		ng_option(body, &len, 9, &resol, 1);
	if (tsoffset_s)
		ng_option(body, &len, 14, &tsoffset_s, 8);
	ng_block(f, 1, body, len);
}

/* IPv4 + UDP 10.0.0.1:5060 -> 10.0.0.2:5060 carrying "SIP!", as on a raw IP interface. */
static const uint8_t raw_udp[32] = {0x45, 0,	0, 32, 0, 0,  0,   0,	64,  17,   0,
				    0,	  10,	0, 0,  1, 10, 0,   0,	2,   0x13, 0xc4,
				    0x13, 0xc4, 0, 12, 0, 0,  'S', 'I', 'P', '!'};

/* An Enhanced Packet Block, or with type 2 the obsolete Packet Block (16-bit interface, then
 * a 16-bit drop count of 0). Returns its offset. */
static size_t ng_packet(struct ng_file *f, uint32_t type, uint32_t interface, uint64_t ts_units,
			const char *comment)
{
	uint32_t head[5] = {interface, (uint32_t)(ts_units >> 32), (uint32_t)ts_units,
			    sizeof(raw_udp), sizeof(raw_udp)};
	uint8_t body[256];
	size_t len = 20 + sizeof(raw_udp);
	memcpy(body, head, 20);
	memcpy(body + 20, raw_udp, sizeof(raw_udp));
	if (comment)
		ng_option(body, &len, 1, comment, (uint16_t)strlen(comment));
	return ng_block(f, type, body, len);
}

static void ng_write(const struct ng_file *f, char *path)
{
	snprintf(path, 64, "/tmp/siptrail-test-ng-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, f->bytes, f->len), (ssize_t)f->len);
	close(fd);
}

/* Interfaces with other time resolutions (2^-10 s with an offset, ns, ps), an interface of a
 * link type siptrail does not decode, the obsolete Packet Block with a comment, a Simple
 * Packet Block after a packet of another interface, blocks to skip in between. */
static void test_pcapng_built_interfaces(void **state)
{
	(void)state;
	static struct sink sink;
	struct ng_file f = {0};
	struct capture_replay_stats stats;
	struct capture_reader *reader;
	struct capture_packet pkt;
	struct capture_error err;
	uint8_t nrb_end[4] = {0}, isb[12] = {0}, custom[8] = {0x12, 0x34}, unknown[8] = {0};
	size_t offsets[5];
	char path[64];

	ng_shb(&f, 1);
	ng_idb(&f, 101, 0, 0x80 | 10, 1000); /* LINKTYPE_RAW, 2^-10 s, +1000 s */
	ng_block(&f, 4, nrb_end, sizeof(nrb_end));
	ng_idb(&f, 101, 0, 9, 0);
	ng_idb(&f, 147, 0, -1, 0); /* LINKTYPE_USER0: not decoded */
	ng_idb(&f, 101, 0, 12, 0);
	offsets[0] = ng_packet(&f, 6, 0, 1536, "first");
	ng_block(&f, 5, isb, sizeof(isb));
	offsets[1] = ng_packet(&f, 2, 1, 1700000000123456789ULL, "obsolete");
	ng_block(&f, 0xbad, custom, sizeof(custom));
	offsets[2] = ng_packet(&f, 6, 2, 42, NULL);
	uint8_t spb[36];
	uint32_t wirelen = sizeof(raw_udp);
	memcpy(spb, &wirelen, 4);
	memcpy(spb + 4, raw_udp, sizeof(raw_udp));
	offsets[3] = ng_block(&f, 3, spb, sizeof(spb));
	ng_block(&f, 0x99, unknown, sizeof(unknown));
	offsets[4] = ng_packet(&f, 6, 3, 1234567891ULL, NULL);
	ng_write(&f, path);

	const struct {
		uint32_t interface;
		int linktype;
		uint64_t ts_ns;
		const char *comment;
	} want[] = {
	    {0, DLT_RAW, 1001500000000ULL, "first"},	      /* 1536 / 1024 s + 1000 s */
	    {1, DLT_RAW, 1700000000123456789ULL, "obsolete"}, /* exact nanoseconds */
	    {2, 147, 42000, NULL},			      /* microseconds by default */
	    {0, DLT_RAW, 42000, NULL},			      /* no time: the one before */
	    {3, DLT_RAW, 1234567, NULL},		      /* picoseconds, cut to ns */
	};
	assert_int_equal(capture_open(&reader, path, &err), 0);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(capture_next(reader, &pkt, &err), 1);
		assert_int_equal(pkt.number, i + 1);
		assert_int_equal(pkt.file_offset, offsets[i]);
		assert_int_equal(pkt.section, 0);
		assert_int_equal(pkt.interface, want[i].interface);
		assert_int_equal(pkt.linktype, want[i].linktype);
		assert_int_equal(pkt.ts_ns, want[i].ts_ns);
		assert_int_equal(pkt.caplen, sizeof(raw_udp));
		assert_int_equal(pkt.wirelen, sizeof(raw_udp));
		if (want[i].comment) {
			assert_int_equal(pkt.comment_len, strlen(want[i].comment));
			assert_memory_equal(pkt.comment, want[i].comment, pkt.comment_len);
		} else {
			assert_null(pkt.comment);
		}
	}
	assert_int_equal(capture_next(reader, &pkt, &err), 0);
	capture_close(reader);

	assert_int_equal(replay(path, &sink, &stats, &err), 0);
	unlink(path);
	assert_int_equal(stats.packets, 5);
	assert_int_equal(stats.udp_packets, 4);
	assert_int_equal(stats.other_linktype, 1);
	assert_int_equal(stats.malformed, 0);
	assert_int_equal(sink.udp_bytes, 4 * 4);
}

/* Times past January 2038 (pcap seconds above 2^31) up to February 2106 (2^32 - 1), which
 * classic pcap holds as unsigned 32 bits, and past 2106 in pcapng's 64-bit times. */
static void test_times_past_2038_and_2106(void **state)
{
	(void)state;
	static const uint32_t seconds[] = {0x7fffffff, 0x80000000, 0xd0000000, 0xffffffff};
	struct capture_reader *reader;
	struct capture_packet pkt;
	struct capture_error err;
	struct ng_file f = {0};
	char path[64];
	uint32_t header[6] = {0xa1b23c4d, 0x00040002, 0, 0, 65535, 101}; /* ns, LINKTYPE_RAW */

	snprintf(path, sizeof(path), "/tmp/siptrail-test-pcap-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, header, sizeof(header)), (ssize_t)sizeof(header));
	for (size_t i = 0; i < 4; i++) {
		uint32_t record[4] = {seconds[i], 999999999, sizeof(raw_udp), sizeof(raw_udp)};
		assert_int_equal(write(fd, record, sizeof(record)), (ssize_t)sizeof(record));
		assert_int_equal(write(fd, raw_udp, sizeof(raw_udp)), (ssize_t)sizeof(raw_udp));
	}
	close(fd);
	assert_int_equal(capture_open(&reader, path, &err), 0);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(capture_next(reader, &pkt, &err), 1);
		assert_int_equal(pkt.ts_ns, (uint64_t)seconds[i] * 1000000000ULL + 999999999);
	}
	capture_close(reader);
	unlink(path);

	/* pcapng: year 2200 in nanoseconds, and 2554 clamped to April 2262 (journal times are
	 * signed 64-bit JSON integers) */
	ng_shb(&f, 1);
	ng_idb(&f, 101, 0, 9, 0);
	ng_packet(&f, 6, 0, 7258118400000000000ULL, NULL);
	ng_packet(&f, 6, 0, 18446744073000000000ULL, NULL);
	ng_write(&f, path);
	assert_int_equal(capture_open(&reader, path, &err), 0);
	assert_int_equal(capture_next(reader, &pkt, &err), 1);
	assert_int_equal(pkt.ts_ns, 7258118400000000000ULL);
	assert_int_equal(capture_next(reader, &pkt, &err), 1);
	assert_int_equal(pkt.ts_ns, (uint64_t)INT64_MAX);
	capture_close(reader);
	unlink(path);
}

/* Broken blocks after one good packet: that packet is delivered, then an error naming packet
 * 2, the bad block and its offset, and what is wrong with it. */
static void test_pcapng_bad_blocks(void **state)
{
	(void)state;
	static struct sink sink;
	static const struct {
		const char *reason;
		uint64_t block, offset; /* 0: block 4 at 112, right after the good packet */
	} cases[] = {
	    {"block 4 (Enhanced Packet Block): length 30 is not a multiple of 4"},
	    {"block 4 (Enhanced Packet Block): length 8 is shorter than a block's header"},
	    {"block 4 (Enhanced Packet Block): length 1000 runs past the end of the file (48 "
	     "bytes left)"},
	    {"block 4 (Name Resolution Block): trailing length 20 differs from the leading "
	     "length 16"},
	    {"block 4 (Enhanced Packet Block): interface 5 is not described in its section (1 "
	     "are)"},
	    {"block 4 (Enhanced Packet Block): captured length 500 runs past the block (room for "
	     "32)"},
	    {"block 4 (Enhanced Packet Block): option 1 at byte offset 172: length 200 runs past "
	     "the block"},
	    {"block 4 (Interface Description Block): if_tsresol of 2 bytes (1 expected)"},
	    {"block 4 (Section Header Block): version 2.0: only version 1 is read"},
	    {"block 5 (Simple Packet Block): no interface is described before it", 5, 140},
	    {"block 4 (Enhanced Packet Block): length 28 is shorter than its fixed fields (32)"},
	    {"block 4: the file ends 3 bytes into its 8-byte header"},
	    {"block 4 (Section Header Block): byte-order magic 0x44332211 is not 0x1a2b3c4d"},
	};
	struct capture_replay_stats stats;
	struct capture_error err;
	uint8_t zeros[64] = {0};
	char path[64], where[160];

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct ng_file f = {0};
		uint8_t body[64] = {0};
		size_t len = 8, at;
		ng_shb(&f, 1);
		ng_idb(&f, 101, 0, -1, 0);
		assert_int_equal(ng_packet(&f, 6, 0, 1, NULL), 48);
		assert_int_equal(f.len, 112);
		switch (c) {
		case 0: /* lengths checked before the body is read */
		case 1:
		case 2:
			ng_u32(&f, 6);
			ng_u32(&f, c == 0 ? 30 : c == 1 ? 8 : 1000);
			ng_put(&f, zeros, 40);
			break;
		case 3:
			at = ng_block(&f, 4, zeros, 4);
			f.bytes[at + 12] = 20;
			break;
		case 4:
			ng_packet(&f, 6, 5, 2, NULL);
			break;
		case 5:
			at = ng_packet(&f, 6, 0, 2, NULL);
			f.bytes[at + 20] = 500 & 0xff;
			f.bytes[at + 21] = 500 >> 8;
			break;
		case 6: /* the comment's length, after 20 fixed bytes and 32 of packet */
			at = ng_packet(&f, 6, 0, 2, "x");
			f.bytes[at + 8 + 20 + 32 + 2] = 200;
			break;
		case 7:
			ng_option(body, &len, 9, zeros, 2);
			ng_block(&f, 1, body, len);
			break;
		case 8:
			ng_shb(&f, 2);
			break;
		case 9:
			ng_shb(&f, 1);
			ng_block(&f, 3, zeros, 36);
			break;
		case 10:
			ng_block(&f, 6, zeros, 16);
			break;
		case 11:
			ng_put(&f, zeros, 3);
			break;
		case 12:
			ng_shb(&f, 1);
			memcpy(f.bytes + 112 + 8, "\x11\x22\x33\x44", 4);
			break;
		}
		ng_write(&f, path);
		assert_int_equal(replay(path, &sink, &stats, &err), -EIO);
		unlink(path);
		uint64_t block = cases[c].block ? cases[c].block : 4;
		uint64_t offset = cases[c].offset ? cases[c].offset : 112;
		assert_int_equal(stats.packets, 1);
		assert_int_equal(sink.udp, 1);
		assert_int_equal(err.packet_number, 2);
		assert_int_equal(err.block_number, block);
		assert_int_equal(err.byte_offset, offset);
		snprintf(where, sizeof(where), "%s: packet 2 (record at byte offset %llu): ", path,
			 (unsigned long long)offset);
		assert_non_null(strstr(err.message, where));
		if (!strstr(err.message, cases[c].reason))
			fail_msg("case %zu: %s", c, err.message);
	}

	/* A Section Header Block too short for its own fields: the file is refused at once. */
	struct ng_file f = {0};
	ng_block(&f, PCAPNG_MAGIC, "\x4d\x3c\x2b\x1a", 4);
	ng_write(&f, path);
	assert_int_equal(replay(path, &sink, &stats, &err), -EIO);
	unlink(path);
	assert_int_equal(err.packet_number, 0);
	assert_int_equal(err.block_number, 1);
	assert_non_null(strstr(err.message,
			       ": cannot read as pcapng: block 1 (Section Header "
			       "Block): length 16 is shorter than its fixed fields (28)"));
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

/* The connections still open at the end of a capture end in the order replay has always
 * reported them in (the buckets of the table's former hash, newest first in one), whatever hash
 * the table uses now: neither the order they opened in nor the table's. */
static uint64_t end_ids[16];
static size_t end_count;

static void record_end(void *user, const struct tcp_conn *conn, enum tcp_end_reason reason,
		       uint64_t ts_ns)
{
	(void)user;
	(void)ts_ns;
	assert_int_equal(reason, TCP_END_CAPTURE_END);
	end_ids[end_count++] = conn->id;
}

static void test_open_flows_end_order(void **state)
{
	static const uint64_t expected[12] = {3, 1, 11, 10, 9, 2, 5, 7, 6, 4, 8, 12};
	const struct tcp_reasm_ops end_ops = {.on_end = record_end};
	struct tcp_reasm *r = tcp_reasm_new(NULL, &end_ops, NULL);

	(void)state;
	assert_non_null(r);
	end_count = 0;
	for (int i = 0; i < 12; i++) {
		struct packet_l4 syn = seg(1, 100, 0, PACKET_TCP_SYN, NULL);

		syn.src_addr[3] = (uint8_t)(1 + i % 3);
		syn.src_port = (uint16_t)(40000 + 7 * i);
		assert_int_equal(tcp_reasm_packet(r, &syn, 1000 + i), 0);
	}
	tcp_reasm_finish(r, 2000);
	assert_int_equal(end_count, 12);
	assert_memory_equal(end_ids, expected, sizeof(expected));
	tcp_reasm_free(r);
}

/* The consumer's pointer for a connection, set when it opens, comes back with every callback of
 * that connection and no other. */
static struct tcp_reasm *user_reasm;
static int user_tags[2], user_seen;

static void tag_open(void *user, const struct tcp_conn *conn, uint64_t ts_ns)
{
	(void)user;
	(void)ts_ns;
	assert_null(conn->user);
	tcp_reasm_set_user(user_reasm, conn, &user_tags[conn->id - 1]);
}

static void tag_data(void *user, const struct tcp_conn *conn, enum tcp_side from,
		     const uint8_t *data, size_t len, uint64_t ts_ns)
{
	(void)user;
	(void)from;
	(void)len;
	(void)ts_ns;
	/* connection 1 sends "a", connection 2 "b" */
	assert_ptr_equal(conn->user, &user_tags[data[0] - 'a']);
	user_seen++;
}

static void tag_end(void *user, const struct tcp_conn *conn, enum tcp_end_reason reason,
		    uint64_t ts_ns)
{
	(void)user;
	(void)reason;
	(void)ts_ns;
	assert_ptr_equal(conn->user, &user_tags[conn->id - 1]);
	user_seen++;
}

static void test_conn_user(void **state)
{
	const struct tcp_reasm_ops tag_ops = {tag_open, tag_data, NULL, tag_end};
	struct packet_l4 a = seg(1, 100, 0, PACKET_TCP_SYN, NULL), b = a;

	(void)state;
	user_reasm = tcp_reasm_new(NULL, &tag_ops, NULL);
	assert_non_null(user_reasm);
	user_seen = 0;
	b.src_port++;
	assert_int_equal(tcp_reasm_packet(user_reasm, &a, 1), 0);
	assert_int_equal(tcp_reasm_packet(user_reasm, &b, 2), 0);
	a = seg(1, 101, 0, PACKET_TCP_ACK, "a");
	b = seg(1, 101, 0, PACKET_TCP_ACK, "b");
	b.src_port++;
	assert_int_equal(tcp_reasm_packet(user_reasm, &b, 3), 0);
	assert_int_equal(tcp_reasm_packet(user_reasm, &a, 4), 0);
	tcp_reasm_finish(user_reasm, 5);
	assert_int_equal(user_seen, 4);
	tcp_reasm_free(user_reasm);
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
	    cmocka_unit_test(test_pcapng_conformance),
	    cmocka_unit_test(test_big_invite_one_ordered_stream),
	    cmocka_unit_test(test_truncated_and_corrupt_files),
	    cmocka_unit_test(test_pcapng_every_cut),
	    cmocka_unit_test(test_pcapng_built_interfaces),
	    cmocka_unit_test(test_pcapng_bad_blocks),
	    cmocka_unit_test(test_times_past_2038_and_2106),
	    cmocka_unit_test(test_reassembly_rules),
	    cmocka_unit_test(test_open_flows_end_order),
	    cmocka_unit_test(test_conn_user),
	    cmocka_unit_test(test_idle_skips_close_notify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
