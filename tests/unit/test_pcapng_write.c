/* The --pcap-out writer: a real TLS capture copied packet by packet with plaintext SIP added as
 * synthetic packets; tshark reads it (packets, comments, SIP), and siptrail replay reads the
 * synthetic SIP back as SIP over TLS on the real connection, the TLS stream untouched. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_reader.h"
#include "event_load.h"
#include "pcapng_write.h"

#define TLS12 "../shared/corpus/tls-captures/tls1.2.pcap"

static const char invite[] = "INVITE sip:bob@example.com SIP/2.0\r\n"
			     "Via: SIP/2.0/TLS 10.0.0.80:56637;branch=z9hG4bK-pw1\r\n"
			     "From: <sip:alice@example.com>;tag=1\r\n"
			     "To: <sip:bob@example.com>\r\n"
			     "Call-ID: pcapng-write-1\r\n"
			     "CSeq: 1 INVITE\r\n"
			     "Max-Forwards: 70\r\n"
			     "Content-Length: 0\r\n\r\n";
static const char trying[] = "SIP/2.0 100 Trying\r\n"
			     "Via: SIP/2.0/TLS 10.0.0.80:56637;branch=z9hG4bK-pw1\r\n"
			     "From: <sip:alice@example.com>;tag=1\r\n"
			     "To: <sip:bob@example.com>\r\n"
			     "Call-ID: pcapng-write-1\r\n"
			     "CSeq: 1 INVITE\r\n"
			     "Content-Length: 0\r\n\r\n";

static void synthetic(struct pcapng_synthetic *s, bool from_client, const char *text, int proto)
{
	memset(s, 0, sizeof(*s));
	s->family = AF_INET;
	s->protocol = (uint8_t)proto;
	inet_pton(AF_INET, from_client ? "10.0.0.80" : "68.233.76.12", s->src_addr);
	inet_pton(AF_INET, from_client ? "68.233.76.12" : "10.0.0.80", s->dst_addr);
	s->src_port = from_client ? 56637 : 443;
	s->dst_port = from_client ? 443 : 56637;
	s->payload = (const uint8_t *)text;
	s->payload_len = strlen(text);
}

/* Copies TLS12 to PATH with LINKTYPE, adding INVITE and 100 after packet 12 (the handshake is
 * done by then). Returns the number of packets written. */
static int write_copy(const char *path, int linktype)
{
	struct capture_reader *reader;
	struct pcapng_writer *writer;
	struct capture_error err;
	struct capture_packet pkt;
	struct pcapng_synthetic s;
	int n = 0;

	assert_int_equal(capture_open(&reader, TLS12, &err), 0);
	assert_int_equal(pcapng_writer_open(&writer, path, linktype, 262144), 0);
	while (capture_next(reader, &pkt, &err) == 1) {
		if (linktype == DLT_EN10MB) {
			assert_int_equal(pcapng_write_packet(writer, pkt.ts_ns, pkt.data,
							     pkt.caplen, pkt.wirelen, NULL),
					 0);
			n++;
		}
		if (pkt.number != 12)
			continue;
		synthetic(&s, true, invite, IPPROTO_TCP);
		assert_int_equal(pcapng_write_synthetic(writer, pkt.ts_ns + 1000, &s), 0);
		synthetic(&s, false, trying, IPPROTO_TCP);
		assert_int_equal(pcapng_write_synthetic(writer, pkt.ts_ns + 2000, &s), 0);
		n += 2;
	}
	capture_close(reader);
	/* too big for one synthetic packet: refused, nothing written */
	s.payload_len = PCAPNG_SYNTHETIC_MAX_PAYLOAD + 1;
	assert_int_equal(pcapng_write_synthetic(writer, 0, &s), -EINVAL);
	assert_int_equal(pcapng_writer_close(writer), 0);
	return n;
}

/* What tshark makes of each frame, one tab-separated line per frame. */
struct tshark_view {
	int frames, comments, sip_call_id, trying_from_443, certificates, good_checksums;
};

static void tshark_read(const char *path, struct tshark_view *v)
{
	char cmd[512], line[1024];
	FILE *p;

	/* sequence analysis off: it calls the synthetic segments retransmissions and then does not
	 * dissect them (docs/postmortem.md) */
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -o tcp.analyze_sequence_numbers:FALSE -o tcp.check_checksum:TRUE "
		 "-o ip.check_checksum:TRUE -T fields -E separator=/t -e frame.comment "
		 "-e sip.Call-ID -e sip.Status-Code -e tcp.srcport -e tls.handshake.type "
		 "-e tcp.checksum.status -e ip.checksum.status 2>/dev/null",
		 path);
	memset(v, 0, sizeof(*v));
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char *f[7] = {0}, *cur = line;
		for (int i = 0; i < 7; i++) {
			f[i] = cur;
			cur = strchr(cur, '\t');
			if (!cur)
				break;
			*cur++ = '\0';
		}
		v->frames++;
		bool synthetic = f[0] && strstr(f[0], "siptrail: plaintext SIP");
		v->comments += synthetic;
		v->sip_call_id += f[1] && !strcmp(f[1], "pcapng-write-1");
		v->trying_from_443 += f[2] && f[3] && !strcmp(f[2], "100") && !strcmp(f[3], "443");
		v->certificates += f[4] && strstr(f[4], "11") != NULL;
		/* checksum status 1 = good (tshark's field value) */
		v->good_checksums +=
		    synthetic && f[5] && f[6] && !strncmp(f[5], "1", 1) && !strncmp(f[6], "1", 1);
	}
	assert_int_equal(pclose(p), 0);
}

static void test_tshark_reads_it(void **state)
{
	(void)state;
	char path[] = "/tmp/stpost-pcapng-XXXXXX";
	struct tshark_view v;
	int fd = mkstemp(path), written;

	assert_true(fd >= 0);
	close(fd);
	written = write_copy(path, DLT_EN10MB);
	assert_int_equal(written, 22 + 2);
	tshark_read(path, &v);
	assert_int_equal(v.frames, written);
	assert_int_equal(v.comments, 2);
	assert_int_equal(v.sip_call_id, 2);
	assert_int_equal(v.trying_from_443, 1);
	assert_int_equal(v.certificates, 1);   /* the TLS stream is intact */
	assert_int_equal(v.good_checksums, 2); /* RFC 1071, IP and TCP */
	unlink(path);
}

static void test_replay_reads_it_back(void **state)
{
	(void)state;
	struct capture_source_options options = {.hosts = {"68.233.76.12"}, .n_hosts = 1};
	char path[] = "/tmp/stpost-pcapng-XXXXXX";
	struct event_list l;
	size_t sips = 0, handshakes = 0;
	uint64_t conn = 0;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	write_copy(path, DLT_EN10MB);
	assert_int_equal(event_load("test", path, &options, &l), 0);
	for (size_t i = 0; i < l.count; i++) {
		const struct event *ev = &l.events[i];
		if (ev->kind == EV_CONN_OPEN)
			conn = ev->conn;
		if (ev->kind == EV_TLS_HANDSHAKE) {
			handshakes++;
			assert_true(ev->handshake.ok); /* the synthetic bytes did not reach TLS */
		}
		if (ev->kind != EV_SIP)
			continue;
		assert_int_equal(ev->sip.transport, TRANSPORT_TLS);
		assert_int_equal(ev->conn, conn);
		assert_int_equal(ev->sip.dir, sips ? DIR_OUT : DIR_IN);
		assert_string_equal(ev->sip.raw, sips ? trying : invite);
		assert_int_equal(ev->sip.local.port, 443);
		sips++;
	}
	assert_int_equal(sips, 2);
	assert_int_equal(handshakes, 1);
	assert_int_equal(l.input.capture.synthetic_sip, 2);
	event_list_free(&l);

	/* the reader hands each packet's comment over: only the synthetic ones have it */
	struct capture_reader *reader;
	struct capture_packet pkt;
	struct capture_error err;
	size_t commented = 0;
	assert_int_equal(capture_open(&reader, path, &err), 0);
	while (capture_next(reader, &pkt, &err) == 1) {
		if (!pkt.comment)
			continue;
		assert_int_equal(pkt.comment_len, strlen(PCAPNG_SYNTHETIC_COMMENT));
		assert_memory_equal(pkt.comment, PCAPNG_SYNTHETIC_COMMENT, pkt.comment_len);
		commented++;
	}
	capture_close(reader);
	assert_int_equal(commented, 2);

	/* raw IP link type: only the synthetic packets, read as SIP over TLS without a conn */
	write_copy(path, DLT_RAW);
	assert_int_equal(event_load("test", path, &options, &l), 0);
	assert_int_equal(l.count, 2);
	assert_int_equal(l.events[0].conn, 0);
	event_list_free(&l);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tshark_reads_it),
	    cmocka_unit_test(test_replay_reads_it_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
