/* A replay that stops early frees what its connections hold: a capture ends with three TCP
 * connections open in the middle of a message (plain SIP, WebSocket, TLS), and is read to its
 * end, stopped by the event callback at its first event, and cut inside a packet. Under
 * AddressSanitizer (build/asan/tests/) LeakSanitizer fails the program on any block left. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_events.h"
#include "capture_source.h"
#include "frame_build.h"
#include "pcapng_write.h"

#define MS 1000000ull

static uint8_t frame[FRAME_MAX];

static const char sip_head[] =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Call-ID: early-stop@example.com\r\nContent-Length: 500\r\n\r\nv=0\r\n";
static const char ws_upgrade[] = "GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
				 "Sec-WebSocket-Protocol: sip\r\n\r\n";
static const char ws_switching[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
/* a text frame announcing 300 bytes, 12 of them sent */
static const char ws_part[] = "\x81\x7e\x01\x2cINVITE sip:b";
/* a handshake record announcing 512 bytes, the ClientHello's first 4 sent */
static const char tls_part[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc";

/* Handshake, then the first side's bytes (and the answer's, when given): the connection stays
 * open with a message half read. */
static void write_conn(struct pcapng_writer *w, uint16_t port, const char *first, size_t first_len,
		       const char *answer, const char *last, size_t last_len, uint64_t t0)
{
	struct tcp_flow flow = {{"10.0.0.1", "10.0.0.2"}, {40000, port}, {100, 9000}};
	size_t n;

	n = frame_tcp(frame, &flow, 0, 0x02, NULL, 0);
	assert_int_equal(pcapng_write_packet(w, t0, frame, n, n, NULL), 0);
	n = frame_tcp(frame, &flow, 1, 0x12, NULL, 0);
	assert_int_equal(pcapng_write_packet(w, t0 + MS, frame, n, n, NULL), 0);
	n = frame_tcp(frame, &flow, 0, 0x18, first, first_len);
	assert_int_equal(pcapng_write_packet(w, t0 + 2 * MS, frame, n, n, NULL), 0);
	if (answer) {
		n = frame_tcp(frame, &flow, 1, 0x18, answer, strlen(answer));
		assert_int_equal(pcapng_write_packet(w, t0 + 3 * MS, frame, n, n, NULL), 0);
	}
	if (last) {
		n = frame_tcp(frame, &flow, 0, 0x18, last, last_len);
		assert_int_equal(pcapng_write_packet(w, t0 + 4 * MS, frame, n, n, NULL), 0);
	}
}

static void write_capture(char *path)
{
	const uint64_t t0 = 1750000000000000000ull;
	struct pcapng_writer *w = capture_temp_open(path, "early-stop", DLT_EN10MB);

	write_conn(w, 5060, sip_head, strlen(sip_head), NULL, NULL, 0, t0);
	write_conn(w, 5062, ws_upgrade, strlen(ws_upgrade), ws_switching, ws_part,
		   sizeof(ws_part) - 1, t0 + 100 * MS);
	write_conn(w, 5061, tls_part, sizeof(tls_part) - 1, NULL, NULL, 0, t0 + 200 * MS);
	assert_int_equal(pcapng_writer_close(w), 0);
}

struct sink {
	size_t events;
	int stop_with; /* returned from the first event on; 0: never */
};

static int on_event(void *ctx, struct event *ev)
{
	struct sink *sink = ctx;

	sink->events++;
	event_release(ev);
	return sink->stop_with;
}

static int read_capture(const char *path, struct sink *sink, struct capture_source_stats *stats)
{
	struct capture_source_options options = {.n_hosts = 1, .hosts = {"10.0.0.2"}};
	struct capture_source_run run = {&options, on_event, NULL, sink};
	struct capture_error err;

	return capture_source_read(path, &run, stats, &err);
}

static void test_open_connections_freed(void **state)
{
	(void)state;
	struct capture_source_stats stats;
	struct sink whole = {0}, stopped = {0, -ECANCELED}, cut = {0};
	struct stat st;
	char path[64];

	write_capture(path);
	assert_int_equal(read_capture(path, &whole, &stats), 0);
	assert_int_equal(stats.replay.tcp.conns, 3);
	assert_int_equal(whole.events, 3); /* the opens: no connection ended */

	assert_int_equal(read_capture(path, &stopped, &stats), -ECANCELED);
	assert_int_equal(stopped.events, 1);
	assert_int_equal(stats.replay.tcp.conns, 3); /* the file was still read to its end */

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 20), 0); /* inside the last packet */
	assert_int_equal(read_capture(path, &cut, &stats), -EIO);
	assert_int_equal(cut.events, 3);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_connections_freed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
