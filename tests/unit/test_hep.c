/* HEPv3: one packet against bytes checked by hand from the HEP3 rev. 12 chunk table, then the
 * export over UDP and TCP to a loopback receiver: a SIP event with its addresses, ports and
 * time, and a diagnosis as a log line carrying the Call-ID as correlation id. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hep_encode.h"
#include "hep_export.h"

#define SIP_TEXT "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: c1\r\n\r\n"

static void test_encode_vector(void **state)
{
	/* clang-format off */
	static const uint8_t expected[] = {
		'H', 'E', 'P', '3', 0x00, 0x7f,
		0, 0, 0, 1, 0, 7, 2,			/* IP family: IPv4 */
		0, 0, 0, 2, 0, 7, 6,			/* IP protocol: TCP */
		0, 0, 0, 3, 0, 10, 10, 0, 0, 1,		/* IPv4 source */
		0, 0, 0, 4, 0, 10, 10, 0, 0, 2,		/* IPv4 destination */
		0, 0, 0, 7, 0, 8, 0x13, 0xc5,		/* source port 5061 */
		0, 0, 0, 8, 0, 8, 0x13, 0xc6,		/* destination port 5062 */
		0, 0, 0, 9, 0, 10, 0x65, 0x53, 0xf1, 0x00, /* 1700000000 s */
		0, 0, 0, 10, 0, 10, 0x00, 0x01, 0xe2, 0x40, /* 123456 us */
		0, 0, 0, 11, 0, 7, 1,			/* protocol type: SIP */
		0, 0, 0, 12, 0, 10, 0, 0, 0x07, 0xd1,	/* capture agent id 2001 */
		0, 0, 0, 19, 0, 10, 's', 'b', 'c', '1', /* capture agent name */
		0, 0, 0, 17, 0, 11, 'a', 'b', 'c', '@', 'h', /* correlation id */
		0, 0, 0, 15, 0, 13, 'O', 'P', 'T', 'I', 'O', 'N', 'S', /* payload */
	};
	/* clang-format on */
	struct hep_packet pkt = {.ip_proto = IPPROTO_TCP,
				 .src_addr = {10, 0, 0, 1},
				 .dst_addr = {10, 0, 0, 2},
				 .src_port = 5061,
				 .dst_port = 5062,
				 .ts_ns = 1700000000123456789ULL,
				 .proto_type = HEP_PROTO_SIP,
				 .capture_id = 2001,
				 .capture_name = "sbc1",
				 .correlation_id = "abc@h",
				 .payload = (const uint8_t *)"OPTIONS",
				 .payload_len = 7};
	uint8_t buf[256];
	(void)state;

	assert_int_equal(sizeof(expected), 127);
	assert_int_equal(hep_encode(&pkt, buf, sizeof(buf)), sizeof(expected));
	assert_memory_equal(buf, expected, sizeof(expected));
	/* too small a buffer: nothing */
	assert_int_equal(hep_encode(&pkt, buf, 126), 0);
}

struct chunk_view {
	const uint8_t *value;
	size_t len;
};

/* The value of chunk TYPE in PACKET (generic vendor), walking every chunk's length. */
static struct chunk_view chunk_find(const uint8_t *packet, size_t len, uint16_t type)
{
	struct chunk_view view = {0};

	assert_true(len >= 6);
	assert_memory_equal(packet, "HEP3", 4);
	assert_int_equal((packet[4] << 8) | packet[5], len);
	for (size_t at = 6; at < len;) {
		size_t chunk_len;

		assert_true(len - at >= 6);
		chunk_len = (size_t)((packet[at + 4] << 8) | packet[at + 5]);
		assert_true(chunk_len >= 6 && chunk_len <= len - at);
		if (((packet[at + 2] << 8) | packet[at + 3]) == type) {
			view.value = packet + at + 6;
			view.len = chunk_len - 6;
		}
		at += chunk_len;
	}
	return view;
}

static uint32_t chunk_uint(const uint8_t *packet, size_t len, uint16_t type)
{
	struct chunk_view view = chunk_find(packet, len, type);
	uint32_t value = 0;

	assert_non_null(view.value);
	for (size_t i = 0; i < view.len; i++)
		value = value << 8 | view.value[i];
	return value;
}

static void assert_chunk_text(const uint8_t *packet, size_t len, uint16_t type, const char *text)
{
	struct chunk_view view = chunk_find(packet, len, type);

	assert_non_null(view.value);
	assert_int_equal(view.len, strlen(text));
	assert_memory_equal(view.value, text, view.len);
}

static struct event sip_event(void)
{
	struct event ev = {.kind = EV_SIP, .ts_ns = 1700000001000002000ULL, .conn = 7};

	ev.sip.dir = DIR_IN;
	ev.sip.transport = TRANSPORT_TLS;
	assert_true(ip_addr_parse(&ev.sip.local.addr, "192.0.2.1"));
	ev.sip.local.port = 5061;
	assert_true(ip_addr_parse(&ev.sip.remote.addr, "198.51.100.7"));
	ev.sip.remote.port = 40000;
	ev.sip.raw = SIP_TEXT;
	ev.sip.raw_len = strlen(SIP_TEXT);
	return ev;
}

/* A received SIP message: from the peer to this host, TCP (TLS), its time, the name given. */
static void assert_sip_packet(const uint8_t *packet, size_t len)
{
	struct chunk_view src = chunk_find(packet, len, 3), dst = chunk_find(packet, len, 4);

	assert_int_equal(chunk_uint(packet, len, 1), 2);
	assert_int_equal(chunk_uint(packet, len, 2), IPPROTO_TCP);
	assert_int_equal(src.len, 4);
	assert_memory_equal(src.value, "\xc6\x33\x64\x07", 4);
	assert_memory_equal(dst.value, "\xc0\x00\x02\x01", 4);
	assert_int_equal(chunk_uint(packet, len, 7), 40000);
	assert_int_equal(chunk_uint(packet, len, 8), 5061);
	assert_int_equal(chunk_uint(packet, len, 9), 1700000001);
	assert_int_equal(chunk_uint(packet, len, 10), 2);
	assert_int_equal(chunk_uint(packet, len, 11), HEP_PROTO_SIP);
	assert_int_equal(chunk_uint(packet, len, 12), 42);
	assert_chunk_text(packet, len, 19, "test-node");
	assert_chunk_text(packet, len, 15, SIP_TEXT);
}

static void send_diagnosis(struct hep_export *hep)
{
	struct call_verdict verdict = {.call_id = "call-1@host", .n_diags = 2};

	verdict.diags[0] = (struct diagnosis){.id = DIAG_BYE_FAILED,
					      .summary = "BYE not delivered",
					      .causes = {DIAG_TLS_UNTRUSTED},
					      .n_causes = 1};
	verdict.diags[1] = (struct diagnosis){.id = DIAG_TLS_UNTRUSTED, .summary = "untrusted"};
	assert_true(ip_addr_parse(&verdict.diags[0].peer, "198.51.100.7"));
	hep_export_diagnosis(hep, &verdict, &verdict.diags[0], 1700000002000000000ULL);
}

/* The diagnosis as a log: Call-ID as correlation id, the chain in the text. */
static void assert_log_packet(const uint8_t *packet, size_t len)
{
	struct chunk_view text = chunk_find(packet, len, 15);

	assert_int_equal(chunk_uint(packet, len, 11), HEP_PROTO_LOG);
	assert_int_equal(chunk_uint(packet, len, 9), 1700000002);
	assert_chunk_text(packet, len, 17, "call-1@host");
	assert_non_null(text.value);
	assert_non_null(memmem(text.value, text.len, "BYE_FAILED: BYE not delivered", 29));
	assert_non_null(memmem(text.value, text.len, "BYE_FAILED <- TLS_UNTRUSTED", 27));
	assert_memory_equal(chunk_find(packet, len, 4).value, "\xc6\x33\x64\x07", 4);
}

static int receiver(int type, char *target, size_t target_len)
{
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t addr_len = sizeof(addr);
	int fd = socket(AF_INET, type, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &addr_len), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 1), 0);
	snprintf(target, target_len, "%s:127.0.0.1:%u", type == SOCK_STREAM ? "tcp" : "udp",
		 ntohs(addr.sin_port));
	return fd;
}

static void test_export_udp(void **state)
{
	struct hep_export_config config = {.capture_id = 42, .capture_name = "test-node"};
	struct hep_export_counts counts;
	struct hep_export *hep;
	struct event ev = sip_event(), other = {.kind = EV_LOST};
	uint8_t packet[HEP_MAX_PACKET];
	char target[64], why[256];
	int fd = receiver(SOCK_DGRAM, target, sizeof(target));
	ssize_t len;
	(void)state;

	config.target = target;
	assert_int_equal(hep_export_open(&config, &hep, why, sizeof(why)), 0);
	hep_export_event(hep, &other); /* not SIP: nothing sent */
	hep_export_event(hep, &ev);
	send_diagnosis(hep);
	len = recv(fd, packet, sizeof(packet), 0);
	assert_true(len > 0);
	assert_sip_packet(packet, (size_t)len);
	len = recv(fd, packet, sizeof(packet), 0);
	assert_true(len > 0);
	assert_log_packet(packet, (size_t)len);
	hep_export_close(hep, &counts);
	assert_int_equal(counts.sent, 2);
	assert_int_equal(counts.unsent, 0);
	close(fd);
}

/* TCP: packets one after the other in the stream, framed by their own length. */
static void test_export_tcp(void **state)
{
	struct hep_export_config config = {.capture_id = 42, .capture_name = "test-node"};
	struct hep_export_counts counts;
	struct hep_export *hep;
	struct event ev = sip_event();
	uint8_t stream[2 * HEP_MAX_PACKET];
	size_t got = 0, first;
	char target[64], why[256];
	int listener = receiver(SOCK_STREAM, target, sizeof(target)), fd;
	(void)state;

	config.target = target;
	assert_int_equal(hep_export_open(&config, &hep, why, sizeof(why)), 0);
	fd = accept(listener, NULL, NULL);
	assert_true(fd >= 0);
	hep_export_event(hep, &ev);
	send_diagnosis(hep);
	hep_export_close(hep, &counts);
	assert_int_equal(counts.sent, 2);
	assert_int_equal(counts.unsent, 0);
	for (ssize_t n; (n = read(fd, stream + got, sizeof(stream) - got)) > 0;)
		got += (size_t)n;
	assert_true(got > 6);
	first = (size_t)(stream[4] << 8 | stream[5]);
	assert_true(first < got);
	assert_sip_packet(stream, first);
	assert_log_packet(stream + first, got - first);
	close(fd);
	close(listener);
}

/* A collector that refuses: counted as unsent, never an error for tracing. */
static void test_export_tcp_refused_counts_unsent(void **state)
{
	struct hep_export_config config = {.capture_id = 1};
	struct hep_export_counts counts;
	struct hep_export *hep;
	struct event ev = sip_event();
	char target[64], why[256];
	int listener = receiver(SOCK_STREAM, target, sizeof(target));
	(void)state;

	close(listener); /* nothing listens on that port now */
	config.target = target;
	assert_int_equal(hep_export_open(&config, &hep, why, sizeof(why)), 0);
	for (int i = 0; i < 3; i++) {
		hep_export_event(hep, &ev);
		usleep(20 * 1000);
	}
	hep_export_close(hep, &counts);
	assert_int_equal(counts.sent, 0);
	assert_int_equal(counts.unsent, 3);
	assert_int_equal(hep_export_open(&(struct hep_export_config){.target = "nohostport"}, &hep,
					 why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "want [udp:|tcp:]HOST:PORT"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encode_vector),
	    cmocka_unit_test(test_export_udp),
	    cmocka_unit_test(test_export_tcp),
	    cmocka_unit_test(test_export_tcp_refused_counts_unsent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
