/*
 * Rotating captures (issue 15): a trace cut into several compressed files (gzip and zstd),
 * given in any order, is read as the one file it was cut from: the same events in the same order (a
 * TCP connection and its TLS handshake go on across a cut), the same calls and verdicts.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cmocka.h>

#include "call_index.h"
#include "event_load.h"
#include "explain.h"
#include "journal_replay.h"
#include "pcapng_write.h"
#include "siptrail_cmd.h"

#define TLS_CAPS "../shared/corpus/tls-captures/"
#define PARTS	 3

struct parts {
	char dir[64];
	char paths[PARTS][128];
	const char *reversed[PARTS]; /* as a glob would not give them: newest first */
};

/* Copies PLAIN to PLAIN.gz and removes PLAIN. */
static void gzip_file(const char *plain, char *gz_path, size_t len)
{
	FILE *in = fopen(plain, "rb");
	gzFile out;
	char buf[4096];
	size_t n;

	snprintf(gz_path, len, "%s.gz", plain);
	out = gzopen(gz_path, "wb");
	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(gzwrite(out, buf, (unsigned)n), (int)n);
	assert_int_equal(gzclose(out), Z_OK);
	fclose(in);
	unlink(plain);
}

/* Copies PLAIN to PLAIN.zst and removes PLAIN. */
static void zstd_file(const char *plain, char *zst_path, size_t len)
{
	static uint8_t in[1 << 20], out[1 << 21];
	FILE *f = fopen(plain, "rb");
	size_t n, packed;

	assert_non_null(f);
	n = fread(in, 1, sizeof(in), f);
	fclose(f);
	packed = ZSTD_compress(out, sizeof(out), in, n, 3);
	assert_false(ZSTD_isError(packed));
	snprintf(zst_path, len, "%s.zst", plain);
	f = fopen(zst_path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(out, 1, packed, f), packed);
	assert_int_equal(fclose(f), 0);
	unlink(plain);
}

/* Cuts SRC into PARTS classic pcap files of about equal packet counts, the middle one
 * compressed with zstd, the others with gzip. */
static void cut(const char *src, struct parts *p)
{
	char errbuf[PCAP_ERRBUF_SIZE], plain[96];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	size_t total = 0, at = 0;
	pcap_t *in =
	    pcap_open_offline_with_tstamp_precision(src, PCAP_TSTAMP_PRECISION_NANO, errbuf);

	assert_non_null(in);
	while (pcap_next_ex(in, &hdr, &data) == 1)
		total++;
	pcap_close(in);
	strcpy(p->dir, "/tmp/siptrail-rotate-XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	in = pcap_open_offline_with_tstamp_precision(src, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	assert_non_null(in);
	for (unsigned i = 0; i < PARTS; i++) {
		pcap_dumper_t *out;
		snprintf(plain, sizeof(plain), "%s/trunk-%u.pcap", p->dir, i);
		out = pcap_dump_open(in, plain);
		assert_non_null(out);
		for (; at < total * (i + 1) / PARTS && pcap_next_ex(in, &hdr, &data) == 1; at++)
			pcap_dump((u_char *)out, hdr, data);
		pcap_dump_close(out);
		if (i == 1)
			zstd_file(plain, p->paths[i], sizeof(p->paths[i]));
		else
			gzip_file(plain, p->paths[i], sizeof(p->paths[i]));
		p->reversed[PARTS - 1 - i] = p->paths[i];
	}
	pcap_close(in);
}

static void remove_parts(struct parts *p)
{
	for (unsigned i = 0; i < PARTS; i++)
		unlink(p->paths[i]);
	rmdir(p->dir);
}

static int collect(void *ctx, struct event *ev)
{
	return event_list_push(ctx, ev);
}

/* A TLS connection cut in three: the parts give the whole file's events, in its order. */
static void test_connection_goes_on_across_files(void **state)
{
	const char *whole_path = TLS_CAPS "missing-intermediate.pcap";
	struct capture_source_options options = {0};
	struct event_list whole = {0}, parts = {0};
	struct event_input_stats whole_stats, parts_stats;
	struct parts p;
	(void)state;

	cut(whole_path, &p);
	assert_int_equal(event_read("test", whole_path, &options, collect, &whole, &whole_stats),
			 0);
	assert_int_equal(event_read_files("test", p.reversed, PARTS, &options, collect, &parts,
					  NULL, &parts_stats),
			 0);
	assert_true(whole.count >= 3); /* open, chain, handshake at least */
	assert_int_equal(parts.count, whole.count);
	assert_int_equal(parts_stats.capture.replay.packets, whole_stats.capture.replay.packets);
	assert_int_equal(parts_stats.capture.replay.tcp.conns,
			 whole_stats.capture.replay.tcp.conns);
	for (size_t i = 0; i < whole.count; i++) {
		assert_int_equal(parts.events[i].kind, whole.events[i].kind);
		assert_int_equal(parts.events[i].ts_ns, whole.events[i].ts_ns);
		assert_int_equal(parts.events[i].conn, whole.events[i].conn);
	}
	event_list_free(&whole);
	event_list_free(&parts);
	remove_parts(&p);
}

struct progress_seen {
	uint32_t last_file;
	uint64_t max_offset[PARTS];
	unsigned calls;
};

static int drop(void *ctx, struct event *ev)
{
	(void)ctx;
	event_release(ev);
	return 0;
}

static void note_progress(void *ctx, uint32_t file, uint64_t disk_offset)
{
	struct progress_seen *seen = ctx;

	assert_true(file < PARTS);
	assert_true(file >= seen->last_file); /* files in reading order */
	seen->last_file = file;
	if (disk_offset > seen->max_offset[file])
		seen->max_offset[file] = disk_offset;
	seen->calls++;
}

/* The progress of compressed files counts their bytes on disk, which the bar's total adds up:
 * it ends at the files' size, not past it (plain bytes counted against compressed sizes). */
static void test_progress_counts_compressed_bytes(void **state)
{
	struct capture_source_options options = {0};
	struct progress_seen seen = {0};
	struct capture_source_run run = {&options, drop, note_progress, &seen};
	struct capture_source_stats stats;
	struct capture_error err;
	struct parts p;
	(void)state;

	cut(TLS_CAPS "missing-intermediate.pcap", &p);
	assert_int_equal(capture_source_read_files((const char *const *)p.reversed, PARTS, &run,
						   &stats, NULL, &err),
			 0);
	assert_int_equal(seen.calls, stats.replay.packets);
	for (unsigned i = 0; i < PARTS; i++) {
		struct stat st;
		/* reversed: file 0 of the reading is the last part */
		assert_int_equal(stat(p.reversed[i], &st), 0);
		assert_true(seen.max_offset[i] > 0);
		assert_true(seen.max_offset[i] <= (uint64_t)st.st_size);
	}
	remove_parts(&p);
}

/* Two calls over UDP, 20 s apart, the second with a BYE answered 503 (BYE_FAILED). */
static void write_calls(const char *path)
{
	static const char *const msgs[][2] = {
	    {"in", "INVITE sip:bob@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/UDP "
		   "198.51.100.20;branch=z9hG4bK-%s-inv\r\nFrom: <sip:alice@carrier>;tag=a\r\nTo: "
		   "<sip:bob@pbx>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"},
	    {"out", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.51.100.20;branch=z9hG4bK-%s-inv\r\n"
		    "From: <sip:alice@carrier>;tag=a\r\nTo: <sip:bob@pbx>;tag=b\r\nCall-ID: "
		    "%s\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"},
	    {"in",
	     "ACK sip:bob@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/UDP "
	     "198.51.100.20;branch=z9hG4bK-%s-ack\r\nFrom: <sip:alice@carrier>;tag=a\r\nTo: "
	     "<sip:bob@pbx>;tag=b\r\nCall-ID: %s\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"},
	    {"in",
	     "BYE sip:bob@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/UDP "
	     "198.51.100.20;branch=z9hG4bK-%s-bye\r\nFrom: <sip:alice@carrier>;tag=a\r\nTo: "
	     "<sip:bob@pbx>;tag=b\r\nCall-ID: %s\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"},
	    {"out", "SIP/2.0 %s\r\nVia: SIP/2.0/UDP 198.51.100.20;branch=z9hG4bK-%s-bye\r\n"
		    "From: <sip:alice@carrier>;tag=a\r\nTo: <sip:bob@pbx>;tag=b\r\nCall-ID: "
		    "%s\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"},
	};
	static const char *const call_ids[] = {"ok-1@carrier", "fails-2@carrier"};
	struct pcapng_synthetic pkt = {
	    .family = AF_INET, .protocol = IPPROTO_UDP, .src_port = 5060, .dst_port = 5060};
	uint8_t local[16] = {192, 0, 2, 10}, peer[16] = {198, 51, 100, 20};
	uint64_t ts_ns = 1764240000ull * 1000000000ull;
	struct pcapng_writer *w;
	char text[1024];

	assert_int_equal(pcapng_writer_open(&w, path, DLT_RAW, 65535), 0);
	for (unsigned c = 0; c < 2; c++) {
		for (unsigned m = 0; m < 5; m++, ts_ns += 2000000000ull) {
			bool in = !strcmp(msgs[m][0], "in");
			int n = m == 4 ? snprintf(text, sizeof(text), msgs[m][1],
						  c ? "503 Service Unavailable" : "200 OK",
						  call_ids[c], call_ids[c])
				       : snprintf(text, sizeof(text), msgs[m][1], call_ids[c],
						  call_ids[c]);
			memcpy(pkt.src_addr, in ? peer : local, 16);
			memcpy(pkt.dst_addr, in ? local : peer, 16);
			pkt.payload = (const uint8_t *)text;
			pkt.payload_len = (size_t)n;
			assert_int_equal(pcapng_write_synthetic(w, ts_ns, &pkt), 0);
		}
		ts_ns += 10000000000ull;
	}
	assert_int_equal(pcapng_writer_close(w), 0);
}

struct verdicts {
	char lines[8][256];
	unsigned count;
	bool failed;
};

static void on_call(const struct correlator *corr, const struct call *call, void *ctx)
{
	struct verdicts *v = ctx;
	struct call_verdict *verdict = malloc(sizeof(*verdict));
	size_t len;

	assert_non_null(verdict);
	assert_true(v->count < 8);
	explain_call(corr, call, verdict);
	len = (size_t)snprintf(v->lines[v->count], sizeof(v->lines[0]), "%s %llu:", call->call_id,
			       (unsigned long long)call->first_ts_ns);
	for (unsigned i = 0; i < verdict->n_diags; i++) {
		len += (size_t)snprintf(v->lines[v->count] + len, sizeof(v->lines[0]) - len, " %s",
					diag_id_name(verdict->diags[i].id));
		v->failed |= diag_is_failure(verdict->diags[i].id);
	}
	v->count++;
	free(verdict);
}

/* The two calls into WHOLE_PATH (a mkstemp template), cut into compressed parts. */
static void write_calls_cut(char *whole_path, struct parts *p)
{
	close(mkstemp(whole_path));
	write_calls(whole_path);
	cut(whole_path, p);
}

static void test_rotated_calls_same_verdicts(void **state)
{
	struct capture_source_options options = {.hosts = {"192.0.2.10"}, .n_hosts = 1};
	char whole_path[] = "/tmp/siptrail-rotate-whole-XXXXXX";
	const char *whole_paths[1] = {whole_path};
	struct correlator_config config;
	struct journal_replay_stats stats;
	struct verdicts whole = {0}, parts = {0};
	struct parts p;
	(void)state;

	write_calls_cut(whole_path, &p);
	correlator_config_default(&config);
	assert_int_equal(
	    journal_replay("test", whole_paths, 1, &config, &options, on_call, &whole, &stats), 0);
	assert_int_equal(
	    journal_replay("test", p.reversed, PARTS, &config, &options, on_call, &parts, &stats),
	    0);
	assert_int_equal(stats.events, 10);
	assert_int_equal(stats.late, 0);
	assert_int_equal(whole.count, 2);
	assert_true(whole.failed); /* the 503 to the BYE */
	assert_int_equal(parts.count, whole.count);
	for (unsigned i = 0; i < whole.count; i++)
		assert_string_equal(parts.lines[i], whole.lines[i]);
	unlink(whole_path);
	remove_parts(&p);
}

/* correlate's and timeline's call index over the rotated, compressed files: the same calls,
 * callers and verdicts as over the whole file. */
static void test_rotated_call_index(void **state)
{
	struct capture_source_options options = {.hosts = {"192.0.2.10"}, .n_hosts = 1};
	char whole_path[] = "/tmp/siptrail-rotate-index-XXXXXX";
	const char *whole_paths[1] = {whole_path};
	struct correlator_config config;
	struct call_index whole, parts;
	struct parts p;
	(void)state;

	write_calls_cut(whole_path, &p);
	correlator_config_default(&config);
	assert_int_equal(call_index_read(&whole, "test", whole_paths, 1, &options, &config), 0);
	assert_int_equal(call_index_read(&parts, "test", p.reversed, PARTS, &options, &config), 0);
	assert_int_equal(whole.count, 2);
	assert_int_equal(parts.count, whole.count);
	for (size_t i = 0; i < whole.count; i++) {
		const struct call_entry *w = &whole.calls[i];
		const struct call_entry *c = call_index_find(&parts, w->call_id);
		char w_chain[256], c_chain[256];

		assert_non_null(c);
		assert_string_equal(c->from_user, w->from_user);
		assert_int_equal(c->first_ts_ns, w->first_ts_ns);
		assert_int_equal(c->failed, w->failed);
		call_entry_chain(w, w_chain, sizeof(w_chain));
		call_entry_chain(c, c_chain, sizeof(c_chain));
		assert_string_equal(c_chain, w_chain);
	}
	assert_true(call_index_find(&parts, "fails-2@carrier")->failed);
	call_index_free(&whole);
	call_index_free(&parts);
	unlink(whole_path);
	remove_parts(&p);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(f);
	assert_non_null(text);
	n = fread(text, 1, (1 << 20) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* replay over the rotated, compressed files writes the whole file's events, in its order. */
static void test_rotated_replay(void **state)
{
	const char *whole_path = TLS_CAPS "missing-intermediate.pcap";
	char args[1024], out[4096], whole_out[] = "/tmp/siptrail-rotate-out-XXXXXX";
	char parts_out[] = "/tmp/siptrail-rotate-out-XXXXXX";
	char *whole_text, *parts_text;
	struct parts p;
	(void)state;

	cut(whole_path, &p);
	close(mkstemp(whole_out));
	close(mkstemp(parts_out));
	unlink(whole_out); /* made by replay, mode 0600 */
	unlink(parts_out);
	/* the events to a journal, the summary to OUT (siptrail_cmd merges stderr into stdout) */
	snprintf(args, sizeof(args), "replay --write %s %s", whole_out, whole_path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	snprintf(args, sizeof(args), "replay --write %s %s %s %s", parts_out, p.reversed[0],
		 p.reversed[1], p.reversed[2]);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "and 2 more files:")); /* the summary names them all */
	whole_text = slurp(whole_out);
	parts_text = slurp(parts_out);
	assert_non_null(strstr(whole_text, "\"event\":\"tls_handshake\""));
	assert_string_equal(parts_text, whole_text);
	free(whole_text);
	free(parts_text);
	unlink(whole_out);
	unlink(parts_out);
	remove_parts(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_connection_goes_on_across_files),
	    cmocka_unit_test(test_rotated_calls_same_verdicts),
	    cmocka_unit_test(test_progress_counts_compressed_bytes),
	    cmocka_unit_test(test_rotated_call_index),
	    cmocka_unit_test(test_rotated_replay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
