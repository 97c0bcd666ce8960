/* SIP over SCTP (RFC 4168) and over WebSocket (RFC 7118) in captures give the events of the
 * same messages over UDP and over plain TCP: captures built here with siptrail's pcapng
 * writer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/dlt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_events.h"
#include "capture_reader.h"
#include "frame_build.h"
#include "pcapng_write.h"
#include "sctp_assoc_events.h"
#include "siptrail_cmd.h"

#define UDP_CAPTURE "../shared/corpus/sip-captures/wireshark.pcap"
#define MS	    1000000ull

static uint8_t frame[FRAME_MAX], l4[FRAME_MAX], ip[FRAME_MAX];

static struct pcapng_writer *open_capture(char *path)
{
	return capture_temp_open(path, "transport", DLT_EN10MB);
}

static void put(struct pcapng_writer *w, uint64_t ts_ns, size_t len)
{
	assert_int_equal(pcapng_write_packet(w, ts_ns, frame, len, len, NULL), 0);
}

/* L with its SIP events only, each on an SCTP association (its conn, then cleared so it
 * compares with UDP's); returns how many associations were opened. */
static size_t keep_sctp_sip(struct event_list *l)
{
	size_t kept = 0, opened = 0;

	for (size_t i = 0; i < l->count; i++) {
		struct event *ev = &l->events[i];
		if (ev->kind != EV_SIP) {
			opened += ev->kind == EV_CONN_OPEN;
			event_release(ev);
			continue;
		}
		assert_true(ev->conn > SCTP_CONN_ID_BASE);
		ev->conn = 0;
		if (&l->events[kept] != ev)
			event_move(&l->events[kept], ev);
		kept++;
	}
	l->count = kept;
	return opened;
}

/* Every UDP datagram of the corpus capture as a DATA chunk on the same ports, every other one
 * bundled after a SACK, after an INIT that carries nothing; every fifth one in three
 * fragments (RFC 9260 §6.9), the middle one sent twice. */
static void test_sctp(void **state)
{
	(void)state;
	struct pcapng_writer *w;
	struct capture_reader *reader;
	struct capture_packet pkt;
	struct capture_error err;
	struct event_list udp, sctp;
	char path[64], src[46], dst[46];
	uint32_t tsn = 1000;
	uint64_t packets = 0;

	w = open_capture(path);
	assert_int_equal(capture_open(&reader, UDP_CAPTURE, &err), 0);
	while (capture_next(reader, &pkt, &err) == 1) {
		struct packet_l4 d;
		size_t n;

		assert_int_equal(packet_decode(pkt.linktype, pkt.data, pkt.caplen, NULL, &d),
				 PACKET_OK);
		packet_addr_str(d.family, d.src_addr, src, sizeof(src));
		packet_addr_str(d.family, d.dst_addr, dst, sizeof(dst));
		if (pkt.number == 1) {
			n = frame_sctp(l4, d.src_port, d.dst_port, tsn, false, 0, NULL, 0);
			n = frame_ipv4(ip, src, dst, 132, l4, n);
			put(w, pkt.ts_ns - 3 * MS, frame_eth(frame, 0x0800, ip, n));
			packets++;
		}
		if (pkt.number % 5 == 0) {
			size_t third = d.payload_len / 3;
			static const uint8_t flags[4] = {0x02, 0, 0, 0x01};
			static const size_t part[4] = {0, 1, 1, 2};
			for (int k = 0; k < 4; k++) {
				size_t at = part[k] * third;
				size_t len = part[k] == 2 ? d.payload_len - at : third;
				n = frame_sctp(l4, d.src_port, d.dst_port, tsn + (uint32_t)part[k],
					       false, flags[k], d.payload + at, len);
				n = frame_ipv4(ip, src, dst, 132, l4, n);
				put(w, pkt.ts_ns - (uint64_t)(3 - k) * MS,
				    frame_eth(frame, 0x0800, ip, n));
			}
			tsn += 3;
			packets += 4;
			continue;
		}
		n = frame_sctp(l4, d.src_port, d.dst_port, tsn++, pkt.number % 2, 0x03, d.payload,
			       d.payload_len);
		n = frame_ipv4(ip, src, dst, 132, l4, n);
		put(w, pkt.ts_ns, frame_eth(frame, 0x0800, ip, n));
		packets++;
	}
	capture_close(reader);
	assert_int_equal(pcapng_writer_close(w), 0);

	udp = capture_events(UDP_CAPTURE, NULL, 0);
	sctp = capture_events(path, NULL, 0);
	/* the capture's two address pairs are two associations, none ended */
	assert_int_equal(keep_sctp_sip(&sctp), 2);
	assert_same_events(&udp, &sctp, TRANSPORT_SCTP);
	assert_int_equal(sctp.input.capture.replay.sctp_packets, packets);
	assert_int_equal(sctp.input.capture.use.used, packets); /* the INIT too */
	assert_int_equal(sctp.input.capture.use.not_sip, 0);
	event_list_free(&udp);
	event_list_free(&sctp);
	unlink(path);
}

#define SCTP_MSG(start, cseq)                                                                      \
	start "\r\nVia: SIP/2.0/SCTP 10.0.0.1;branch=z9hG4bK-sctp\r\n"                             \
	      "From: <sip:alice@10.0.0.1>;tag=a1\r\nTo: <sip:bob@10.0.0.2>\r\n"                    \
	      "Call-ID: sctp-assoc@10.0.0.1\r\nCSeq: " cseq "\r\nContent-Length: 0\r\n\r\n"

/* One SCTP packet from SRC:SPORT to DST:DPORT: a control chunk of TYPE, or a whole DATA chunk
 * with MSG. */
static void put_sctp(struct pcapng_writer *w, uint64_t ts_ns, const char *src, uint16_t sport,
		     const char *dst, uint16_t dport, uint8_t type, const char *msg)
{
	size_t n = msg ? frame_sctp(l4, sport, dport, 1000, false, 0x03, msg, strlen(msg))
		       : frame_sctp_control(l4, sport, dport, type, 0);

	n = frame_ipv4(ip, src, dst, 132, l4, n);
	put(w, ts_ns, frame_eth(frame, 0x0800, ip, n));
}

/* The life of SCTP associations as connection events (RFC 9260 §5.1 start-up, §9.1 ABORT,
 * §9.2 SHUTDOWN), seen from 10.0.0.2: one the peer starts and shuts down after 30 s idle, one
 * this host starts and aborts, one refused (the INIT answered by an ABORT), one whose INIT is
 * never answered, and one already running when the capture starts, left open. */
static void test_sctp_associations(void **state)
{
	(void)state;
	static const char invite[] = SCTP_MSG("INVITE sip:bob@10.0.0.2 SIP/2.0", "1 INVITE");
	static const char ok[] = SCTP_MSG("SIP/2.0 200 OK", "1 INVITE");
	static const char options[] = SCTP_MSG("OPTIONS sip:carrier@10.0.0.3 SIP/2.0", "1 OPTIONS");
	const char *l = "10.0.0.2", *peer = "10.0.0.1", *carrier = "10.0.0.3";
	const uint64_t t0 = 1750000000000000000ull, s = 1000 * MS;
	struct pcapng_writer *w;
	struct event_list got;
	char path[64];

	w = open_capture(path);
	/* the peer starts, sends INVITE; 30 s after the 200 OK it shuts down */
	put_sctp(w, t0, peer, 5060, l, 5060, 1, NULL);
	put_sctp(w, t0 + 1 * MS, l, 5060, peer, 5060, 2, NULL);
	put_sctp(w, t0 + 2 * MS, peer, 5060, l, 5060, 10, NULL);
	put_sctp(w, t0 + 3 * MS, l, 5060, peer, 5060, 11, NULL);
	put_sctp(w, t0 + 10 * MS, peer, 5060, l, 5060, 0, invite);
	put_sctp(w, t0 + 20 * MS, l, 5060, peer, 5060, 0, ok);
	/* this host starts one to the carrier, sends OPTIONS, then aborts it */
	put_sctp(w, t0 + 1 * s, l, 5070, carrier, 5060, 1, NULL);
	put_sctp(w, t0 + 1 * s + MS, carrier, 5060, l, 5070, 2, NULL);
	put_sctp(w, t0 + 1 * s + 2 * MS, l, 5070, carrier, 5060, 10, NULL);
	put_sctp(w, t0 + 1 * s + 3 * MS, carrier, 5060, l, 5070, 11, NULL);
	put_sctp(w, t0 + 1 * s + 10 * MS, l, 5070, carrier, 5060, 0, options);
	put_sctp(w, t0 + 2 * s, l, 5070, carrier, 5060, 6, NULL);
	/* refused: nothing listens on 10.0.0.4 */
	put_sctp(w, t0 + 3 * s, l, 5071, "10.0.0.4", 5060, 1, NULL);
	put_sctp(w, t0 + 3 * s + MS, "10.0.0.4", 5060, l, 5071, 6, NULL);
	/* never answered */
	put_sctp(w, t0 + 4 * s, l, 5072, "10.0.0.5", 5060, 1, NULL);
	/* the capture began after this one started */
	put_sctp(w, t0 + 5 * s, "10.0.0.6", 5060, l, 5060, 0, options);
	put_sctp(w, t0 + 20 * MS + 30 * s, peer, 5060, l, 5060, 7, NULL);
	put_sctp(w, t0 + 21 * MS + 30 * s, l, 5060, peer, 5060, 8, NULL);
	put_sctp(w, t0 + 22 * MS + 30 * s, peer, 5060, l, 5060, 14, NULL);
	assert_int_equal(pcapng_writer_close(w), 0);
	got = capture_events(path, l, 0);

	static const struct {
		enum event_kind kind;
		uint64_t ts_ns, conn; /* conn: the association's number */
		enum direction dir;   /* conn_open: who started it; sip: which way */
		enum close_how how;
		enum side closed_by;
		const char *remote;
	} want[] = {
	    {EV_CONN_OPEN, t0, 1, DIR_IN, 0, 0, "10.0.0.1"},
	    {EV_SIP, t0 + 10 * MS, 1, DIR_IN, 0, 0, "10.0.0.1"},
	    {EV_SIP, t0 + 20 * MS, 1, DIR_OUT, 0, 0, "10.0.0.1"},
	    {EV_CONN_OPEN, t0 + 1 * s, 2, DIR_OUT, 0, 0, "10.0.0.3"},
	    {EV_SIP, t0 + 1 * s + 10 * MS, 2, DIR_OUT, 0, 0, "10.0.0.3"},
	    {EV_CONN_END, t0 + 2 * s, 2, DIR_OUT, CLOSE_RST_OUT, SIDE_LOCAL, "10.0.0.3"},
	    {EV_CONN_OPEN, t0 + 3 * s, 3, DIR_OUT, 0, 0, "10.0.0.4"},
	    {EV_CONN_END, t0 + 3 * s + MS, 3, DIR_OUT, CLOSE_REFUSED, SIDE_PEER, "10.0.0.4"},
	    {EV_CONN_OPEN, t0 + 4 * s, 4, DIR_OUT, 0, 0, "10.0.0.5"},
	    {EV_CONN_OPEN, t0 + 5 * s, 5, DIR_IN, 0, 0, "10.0.0.6"},
	    {EV_SIP, t0 + 5 * s, 5, DIR_IN, 0, 0, "10.0.0.6"},
	    {EV_CONN_END, t0 + 22 * MS + 30 * s, 1, DIR_IN, CLOSE_FIN, SIDE_PEER, "10.0.0.1"},
	    /* the end of the capture, 26 s after the unanswered INIT */
	    {EV_CONN_END, t0 + 22 * MS + 30 * s, 4, DIR_OUT, CLOSE_TIMEOUT, 0, "10.0.0.5"},
	};
	assert_int_equal(got.count, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < got.count; i++) {
		const struct event *ev = &got.events[i];
		const struct endpoint *remote =
		    ev->kind == EV_SIP ? &ev->sip.remote : &ev->conn_ev.remote;
		assert_int_equal(ev->kind, want[i].kind);
		assert_int_equal(ev->ts_ns, want[i].ts_ns);
		assert_int_equal(ev->conn, SCTP_CONN_ID_BASE + want[i].conn);
		assert_string_equal(ip_addr_text(&remote->addr).text, want[i].remote);
		if (ev->kind == EV_SIP) {
			assert_int_equal(ev->sip.transport, TRANSPORT_SCTP);
			assert_int_equal(ev->sip.dir, want[i].dir);
			continue;
		}
		assert_int_equal(ev->conn_ev.direction, want[i].dir);
		assert_int_equal(ev->conn_ev.how, want[i].how);
		assert_int_equal(ev->conn_ev.closed_by, want[i].closed_by);
	}
	/* the shutdown: 30 s idle after the 200 OK, the INVITE received, the 200 OK sent */
	const struct ev_conn *end = &got.events[11].conn_ev;
	assert_int_equal(end->idle_ns, 30 * s);
	assert_int_equal(end->first_close_ts_ns, t0 + 20 * MS + 30 * s);
	assert_int_equal(end->duration_ns, 22 * MS + 30 * s);
	assert_int_equal(end->bytes_received, strlen(invite));
	assert_int_equal(end->bytes_sent, strlen(ok));
	assert_string_equal(got.events[7].conn_ev.sk_error, "ECONNREFUSED");
	assert_string_equal(got.events[12].conn_ev.sk_error, "ETIMEDOUT");
	assert_int_equal(got.input.capture.sctp_assocs, 5);
	assert_int_equal(got.input.capture.use.used, got.input.capture.replay.packets);
	event_list_free(&got);
	unlink(path);
}

#define CALL_MSG(start, cseq, to_tag)                                                              \
	start "\r\nVia: SIP/2.0/SCTP 10.0.0.1;branch=z9hG4bK-call\r\n"                             \
	      "From: <sip:alice@10.0.0.1>;tag=a1\r\nTo: <sip:bob@10.0.0.2>" to_tag "\r\n"          \
	      "Call-ID: sctp-call@10.0.0.1\r\nCSeq: " cseq "\r\n"                                  \
	      "Contact: <sip:alice@10.0.0.1;transport=sctp>\r\nMax-Forwards: 70\r\n"               \
	      "Content-Length: 0\r\n\r\n"

/* The rules see the association a call rode on: the peer set the call up on its association
 * and shut it down after 120 s idle; this host's new association to it, the one a BYE would
 * need, is refused. explain names the idle close, by whom, and the failed reverse one. */
static void test_sctp_call_explained(void **state)
{
	(void)state;
	const char *l = "10.0.0.2", *p = "10.0.0.1";
	const uint64_t t0 = 1750000000000000000ull, s = 1000 * MS;
	static char out[65536];
	struct pcapng_writer *w;
	char path[64], args[128];

	w = open_capture(path);
	put_sctp(w, t0, p, 5060, l, 5060, 1, NULL);
	put_sctp(w, t0 + 1 * MS, l, 5060, p, 5060, 2, NULL);
	put_sctp(w, t0 + 2 * MS, p, 5060, l, 5060, 10, NULL);
	put_sctp(w, t0 + 3 * MS, l, 5060, p, 5060, 11, NULL);
	put_sctp(w, t0 + 10 * MS, p, 5060, l, 5060, 0,
		 CALL_MSG("INVITE sip:bob@10.0.0.2 SIP/2.0", "1 INVITE", ""));
	put_sctp(w, t0 + 20 * MS, l, 5060, p, 5060, 0,
		 CALL_MSG("SIP/2.0 200 OK", "1 INVITE", ";tag=b2"));
	put_sctp(w, t0 + 30 * MS, p, 5060, l, 5060, 0,
		 CALL_MSG("ACK sip:bob@10.0.0.2 SIP/2.0", "1 ACK", ";tag=b2"));
	put_sctp(w, t0 + 120 * s, p, 5060, l, 5060, 7, NULL);
	put_sctp(w, t0 + 120 * s + MS, l, 5060, p, 5060, 8, NULL);
	put_sctp(w, t0 + 120 * s + 2 * MS, p, 5060, l, 5060, 14, NULL);
	put_sctp(w, t0 + 130 * s, l, 5080, p, 5060, 1, NULL);
	put_sctp(w, t0 + 130 * s + MS, p, 5060, l, 5080, 6, NULL);
	assert_int_equal(pcapng_writer_close(w), 0);

	snprintf(args, sizeof(args), "explain --host %s %s", l, path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "RISK_IDLE_TIMEOUT"));
	assert_non_null(strstr(out, " conn 1099511627777 closed by the peer after 120.0 s idle\n"));
	assert_non_null(strstr(out, "call set up on conn 1099511627777 opened by the peer"));
	assert_non_null(strstr(out, "1 reverse connection(s) failed before carrying SIP, the last "
				    "conn 1099511627778\n"));
	unlink(path);
}

/* RFC 6455 §5.2 frame header (+ masking key) and payload, masked with the key when asked. */
static size_t ws_frame(uint8_t *out, bool fin, uint8_t opcode, bool masked, const char *payload,
		       size_t len)
{
	static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
	size_t n = 2;

	out[0] = (uint8_t)((fin ? 0x80 : 0) | opcode);
	if (len < 126) {
		out[1] = (uint8_t)len;
	} else {
		out[1] = 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		n = 4;
	}
	if (masked) {
		out[1] |= 0x80;
		memcpy(out + n, key, 4);
		n += 4;
	}
	for (size_t i = 0; i < len; i++)
		out[n + i] = masked ? (uint8_t)payload[i] ^ key[i & 3] : (uint8_t)payload[i];
	return n + len;
}

#define SIP_HEADERS(cseq)                                                                          \
	"Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks\r\n"                          \
	"From: <sip:alice@example.com>;tag=tu7az\r\nTo: <sip:bob@example.com>%s\r\n"               \
	"Call-ID: ws-call@example.com\r\nCSeq: " cseq "\r\nMax-Forwards: 70\r\n"                   \
	"Content-Length: 0\r\n\r\n"

/* A call on one TCP connection, written twice at the same times: SIP straight on TCP, and as
 * WebSocket messages after an HTTP Upgrade: masked from the client, unmasked from the server,
 * a frame cut across two segments, a message in three fragments with a pong between them, a
 * ping before a message, close frames before the FINs; and the WebSocket one again from the
 * ping on, as a capture started after the handshake and the INVITE. */
static void test_websocket(void **state)
{
	(void)state;
	static const struct {
		int side; /* 0 client, 1 server */
		const char *start, *cseq;
		int shape; /* 0 one frame, 1 cut across segments, 2 fragmented, 3 after a ping */
	} msgs[] = {
	    {0, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE", 1},
	    {1, "SIP/2.0 100 Trying", "1 INVITE", 3},
	    {1, "SIP/2.0 200 OK", "1 INVITE", 2},
	    {0, "ACK sip:bob@example.com SIP/2.0", "1 ACK", 0},
	    {0, "BYE sip:bob@example.com SIP/2.0", "2 BYE", 2},
	    {1, "SIP/2.0 200 OK", "2 BYE", 0},
	};
	static const char upgrade[] =
	    "GET / HTTP/1.1\r\nHost: sip-ws.example.com\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n";
	static const char switching[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
					"Connection: Upgrade\r\n"
					"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
					"Sec-WebSocket-Protocol: sip\r\n\r\n";
	static uint8_t ws[8192];
	const uint64_t t0 = 1750000000000000000ull;
	char path[3][64], text[1024];
	struct event_list got[3];

	for (int as_ws = 0; as_ws < 3; as_ws++) {
		struct tcp_flow flow = {{"10.0.0.1", "10.0.0.2"}, {40000, 5060}, {100, 9000}};
		struct pcapng_writer *w = open_capture(path[as_ws]);
		size_t n;

		n = frame_tcp(frame, &flow, 0, 0x02, NULL, 0);
		if (as_ws < 2)
			put(w, t0, n);
		n = frame_tcp(frame, &flow, 1, 0x12, NULL, 0);
		if (as_ws < 2)
			put(w, t0 + MS, n);
		n = frame_tcp(frame, &flow, 0, 0x10, NULL, 0);
		if (as_ws < 2)
			put(w, t0 + 2 * MS, n);
		if (as_ws) {
			n = frame_tcp(frame, &flow, 0, 0x18, upgrade, strlen(upgrade));
			if (as_ws < 2)
				put(w, t0 + 10 * MS, n);
			n = frame_tcp(frame, &flow, 1, 0x18, switching, strlen(switching));
			if (as_ws < 2)
				put(w, t0 + 20 * MS, n);
		}
		for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
			uint64_t ts = t0 + (i + 1) * 100 * MS;
			int side = msgs[i].side, len;
			bool masked = side == 0; /* RFC 6455 §5.1 */
			size_t n = 0, third;

			len = snprintf(text, sizeof(text), "%s\r\n" SIP_HEADERS("%s"),
				       msgs[i].start, i ? ";tag=8321234356" : "", msgs[i].cseq);
			if (!as_ws) {
				put(w, ts, frame_tcp(frame, &flow, side, 0x18, text, (size_t)len));
				continue;
			}
			if (as_ws == 2 && i == 0) { /* not captured */
				n = ws_frame(ws, true, 1, masked, text, (size_t)len);
				frame_tcp(frame, &flow, side, 0x18, ws, n);
				continue;
			}
			third = (size_t)len / 3;
			switch (msgs[i].shape) {
			case 0:
				n = ws_frame(ws, true, 1, masked, text, (size_t)len);
				break;
			case 1: /* the first 10 bytes a millisecond before the rest */
				n = ws_frame(ws, true, 1, masked, text, (size_t)len);
				put(w, ts - MS, frame_tcp(frame, &flow, side, 0x18, ws, 10));
				memmove(ws, ws + 10, n - 10);
				n -= 10;
				break;
			case 2:
				n = ws_frame(ws, false, 1, masked, text, third);
				n += ws_frame(ws + n, false, 0, masked, text + third, third);
				n += ws_frame(ws + n, true, 0xa, masked, "p", 1); /* pong */
				n += ws_frame(ws + n, true, 0, masked, text + 2 * third,
					      (size_t)len - 2 * third);
				break;
			case 3:
				n = ws_frame(ws, true, 0x9, masked, "hi", 2); /* ping */
				n += ws_frame(ws + n, true, 1, masked, text, (size_t)len);
				break;
			}
			put(w, ts, frame_tcp(frame, &flow, side, 0x18, ws, n));
		}
		uint64_t end = t0 + 1000 * MS;
		if (as_ws) { /* close frames, status 1000 (§7.4.1) */
			size_t n = ws_frame(ws, true, 0x8, true, "\x03\xe8", 2);
			put(w, end - 2 * MS, frame_tcp(frame, &flow, 0, 0x18, ws, n));
			n = ws_frame(ws, true, 0x8, false, "\x03\xe8", 2);
			put(w, end - MS, frame_tcp(frame, &flow, 1, 0x18, ws, n));
		}
		put(w, end, frame_tcp(frame, &flow, 0, 0x11, NULL, 0));
		put(w, end + MS, frame_tcp(frame, &flow, 1, 0x11, NULL, 0));
		put(w, end + 2 * MS, frame_tcp(frame, &flow, 0, 0x10, NULL, 0));
		assert_int_equal(pcapng_writer_close(w), 0);
		got[as_ws] = capture_events(path[as_ws], "10.0.0.2", 0);
		unlink(path[as_ws]);
	}
	assert_same_events(&got[0], &got[1], TRANSPORT_WS);
	assert_int_equal(got[1].input.capture.sip_messages, 6);
	assert_int_equal(got[1].input.capture.use.used, got[1].input.capture.replay.packets);
	/* started after the handshake and the INVITE: the same SIP events after it */
	size_t k = 0;
	for (size_t i = 0; i < got[1].count; i++) {
		const struct event *a = &got[1].events[i];
		if (a->kind != EV_SIP || !memcmp(a->sip.raw, "INVITE", 6))
			continue;
		while (k < got[2].count && got[2].events[k].kind != EV_SIP)
			k++;
		assert_true(k < got[2].count);
		assert_int_equal(got[2].events[k].sip.transport, TRANSPORT_WS);
		assert_int_equal(got[2].events[k].ts_ns, a->ts_ns);
		assert_int_equal(got[2].events[k].sip.raw_len, a->sip.raw_len);
		assert_memory_equal(got[2].events[k].sip.raw, a->sip.raw, a->sip.raw_len);
		k++;
	}
	assert_int_equal(got[2].input.capture.sip_messages, 5);
	for (int i = 0; i < 3; i++)
		event_list_free(&got[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sctp),
	    cmocka_unit_test(test_sctp_associations),
	    cmocka_unit_test(test_sctp_call_explained),
	    cmocka_unit_test(test_websocket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
