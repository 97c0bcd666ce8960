/* Captures delivered through tunnels and other link layers give the events of the plain
 * capture: SIP over UDP (IPv4 and IPv6) and over TCP from the corpus, each packet rewritten
 * with every encapsulation and written by siptrail's pcapng writer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_events.h"
#include "capture_reader.h"
#include "frame_build.h"
#include "pcapng_write.h"
#include "siptrail_cmd.h"

#define UDP_CAPTURE "../shared/corpus/sip-captures/wireshark.pcap"
#define TCP_CAPTURE "../shared/corpus/sip-tcp-captures/sip-tcp-method__sip-tcp.pcap"

/* The outermost tunnel each encapsulation leaves in the stats, NONE for link layers. */
static const enum packet_encap outermost[FRAME_ENCAP_COUNT] = {
    [FRAME_IPIP] = PACKET_ENCAP_IPIP,	     [FRAME_IPIP_OVER_V6] = PACKET_ENCAP_IPIP,
    [FRAME_IP6IP] = PACKET_ENCAP_IP6IP,	     [FRAME_GRE] = PACKET_ENCAP_GRE,
    [FRAME_GRE_ETHERNET] = PACKET_ENCAP_GRE, [FRAME_ERSPAN1] = PACKET_ENCAP_ERSPAN1,
    [FRAME_ERSPAN2] = PACKET_ENCAP_ERSPAN2,  [FRAME_ERSPAN3] = PACKET_ENCAP_ERSPAN3,
    [FRAME_VXLAN] = PACKET_ENCAP_VXLAN,	     [FRAME_VXLAN_8472] = PACKET_ENCAP_VXLAN,
    [FRAME_VXLAN_IN_GRE] = PACKET_ENCAP_GRE, [FRAME_GTPU] = PACKET_ENCAP_GTPU,
};

/* The id each encapsulation's outermost tunnel carries (frame_build.c); 0: none. */
static const uint32_t outer_id[FRAME_ENCAP_COUNT] = {
    [FRAME_GRE_ETHERNET] = 7,				 /* GRE key */
    [FRAME_ERSPAN2] = 5,				 /* session ID */
    [FRAME_ERSPAN3] = 5,      [FRAME_VXLAN] = 42,	 /* VNI */
    [FRAME_VXLAN_8472] = 42,  [FRAME_GTPU] = 0x1234abcd, /* TEID */
};

/* Every SIP and connection event says which tunnel it came through: kind, frame_build.c's
 * outer addresses and id. */
static void assert_tunnel(const struct event_list *l, enum frame_encap kind)
{
	bool over_v6 = kind == FRAME_IPIP_OVER_V6;

	for (size_t i = 0; i < l->count; i++) {
		const struct event *ev = &l->events[i];
		const struct ev_tunnel *t =
		    ev->kind == EV_SIP ? &ev->sip.tunnel : &ev->conn_ev.tunnel;
		if (ev->kind != EV_SIP && ev->kind != EV_CONN_OPEN && ev->kind != EV_CONN_END)
			continue;
		assert_int_equal(t->encap, outermost[kind]);
		if (!outermost[kind])
			continue;
		assert_string_equal(ip_addr_text(&t->src).text,
				    over_v6 ? "2001:db8:ff::1" : "198.51.100.1");
		assert_string_equal(ip_addr_text(&t->dst).text,
				    over_v6 ? "2001:db8:ff::2" : "198.51.100.2");
		assert_int_equal(t->id_given, outer_id[kind] != 0);
		assert_int_equal(t->id, outer_id[kind]);
	}
}

/* SRC rewritten packet by packet: to IPv6 first when asked, then wrapped as KIND. */
static void write_encapsulated(const char *src, enum frame_encap kind, bool to_ipv6, char *path)
{
	static uint8_t v6[FRAME_MAX], out[FRAME_MAX];
	struct pcapng_writer *writer = NULL;
	struct capture_reader *reader;
	struct capture_packet pkt;
	struct capture_error err;
	int fd, linktype;

	snprintf(path, 64, "/tmp/siptrail-tunnel-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(capture_open(&reader, src, &err), 0);
	while (capture_next(reader, &pkt, &err) == 1) {
		const uint8_t *frame = pkt.data;
		size_t len = pkt.caplen, n;

		assert_int_equal(pkt.linktype, 1 /* DLT_EN10MB */);
		if (to_ipv6) {
			len = frame_to_ipv6(pkt.data, pkt.caplen, v6);
			assert_true(len > 0);
			frame = v6;
		}
		n = frame_encap(kind, frame, len, out, &linktype);
		if (!writer)
			assert_int_equal(pcapng_writer_open(&writer, path, linktype, 262144), 0);
		assert_int_equal(pcapng_write_packet(writer, pkt.ts_ns, out, n, n, NULL), 0);
	}
	capture_close(reader);
	assert_int_equal(pcapng_writer_close(writer), 0);
}

static size_t count_sip(const struct event_list *l)
{
	size_t n = 0;
	for (size_t i = 0; i < l->count; i++)
		n += l->events[i].kind == EV_SIP;
	return n;
}

/* Every encapsulation of SRC (to IPv6 first when asked) against the plain capture. */
static void check_all(const char *src, bool to_ipv6, size_t sip_messages)
{
	char plain_path[64], path[64];
	struct event_list plain, got;

	write_encapsulated(src, FRAME_PLAIN, to_ipv6, plain_path);
	plain = capture_events(plain_path, NULL, 0);
	assert_int_equal(count_sip(&plain), sip_messages);
	for (int kind = FRAME_PLAIN + 1; kind < FRAME_ENCAP_COUNT; kind++) {
		/* IPv6 goes in IPv4 as protocol 41, IPv4 as protocol 4 */
		if (kind == FRAME_IP6IP && !to_ipv6)
			continue;
		if ((kind == FRAME_IPIP || kind == FRAME_IPIP_OVER_V6) && to_ipv6)
			continue;
		print_message("encapsulation %d%s\n", kind, to_ipv6 ? " (IPv6)" : "");
		write_encapsulated(src, (enum frame_encap)kind, to_ipv6, path);
		got = capture_events(path, NULL, 8472);
		assert_same_events(&plain, &got, TRANSPORT_UNKNOWN);
		assert_tunnel(&got, (enum frame_encap)kind);
		assert_int_equal(got.input.capture.use.used, plain.input.capture.use.used);
		if (outermost[kind])
			assert_int_equal(got.input.capture.replay.tunneled[outermost[kind]],
					 plain.input.capture.replay.packets);
		event_list_free(&got);
		unlink(path);
	}
	event_list_free(&plain);
	unlink(plain_path);
}

static void test_udp_ipv4(void **state)
{
	(void)state;
	check_all(UDP_CAPTURE, false, 81);
}

static void test_udp_ipv6(void **state)
{
	(void)state;
	check_all(UDP_CAPTURE, true, 81);
}

static void test_tcp(void **state)
{
	(void)state;
	check_all(TCP_CAPTURE, false, 2);
}

/* VXLAN on a port of the user's: not opened without --vxlan-port, and the summary says which
 * tunnels the packets came out of. */
static void test_vxlan_port_option(void **state)
{
	(void)state;
	static char out[65536];
	char path[64], args[256];
	struct event_list l;

	write_encapsulated(UDP_CAPTURE, FRAME_VXLAN_8472, false, path);
	l = capture_events(path, NULL, 0);
	assert_int_equal(count_sip(&l), 0);
	assert_int_equal(l.input.capture.use.not_sip, 81);
	event_list_free(&l);
	snprintf(args, sizeof(args), "replay --vxlan-port 8472 %s", path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	assert_non_null(strstr(out, ": 81 packets decoded from inside tunnels: 81 VXLAN\n"));
	assert_non_null(strstr(out, ": 81 packets read, 81 used, 0 not used\n"));
	/* the text lines and the JSON say which tunnel each message came through */
	assert_non_null(strstr(out, " (via VXLAN 198.51.100.1 -> 198.51.100.2 id 42)\n"));
	snprintf(args, sizeof(args), "replay --json --vxlan-port 8472 %s", path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"tunnel\":{\"kind\":\"vxlan\",\"src\":\"198.51.100.1\","
				    "\"dst\":\"198.51.100.2\",\"id\":42}"));
	snprintf(args, sizeof(args), "replay --vxlan-port 0 %s", path);
	assert_int_equal(siptrail_cmd(args, out, sizeof(out)), 2);
	unlink(path);
}

/* GTP-U that is no whole G-PDU is a plain datagram to 2152: an echo request, and a G-PDU
 * whose extension header runs past the datagram. */
static void test_gtpu_not_gpdu(void **state)
{
	(void)state;
	static const uint8_t echo[] = {0x32, 1, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0};
	static const uint8_t cut[] = {0x34, 255, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0x85, 2, 0, 0, 0};
	const struct {
		const uint8_t *gtp;
		size_t len;
	} cases[] = {{echo, sizeof(echo)}, {cut, sizeof(cut)}};
	static uint8_t frame[FRAME_MAX];
	struct packet_l4 l4;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = frame_eth_udp4(frame, "198.51.100.1", 2152, "198.51.100.2", 2152,
					  cases[i].gtp, cases[i].len);
		assert_int_equal(packet_decode(1 /* DLT_EN10MB */, frame, n, NULL, &l4), PACKET_OK);
		assert_int_equal(l4.outer.depth, 0);
		assert_int_equal(l4.dst_port, 2152);
		assert_int_equal(l4.payload_len, cases[i].len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_udp_ipv4),	  cmocka_unit_test(test_udp_ipv6),
	    cmocka_unit_test(test_tcp),		  cmocka_unit_test(test_vxlan_port_option),
	    cmocka_unit_test(test_gtpu_not_gpdu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
