/* IP fragment reassembly: a 3000-byte SIP message over UDP, fragmented as a 1500-byte MTU path
 * would (RFC 791 §3.2, RFC 8200 §4.5), out of order, in IPv4 and IPv6; overlapping fragments
 * refused (RFC 5722); the whole path from a pcap file to a sip event. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event_load.h"
#include "frame_build.h"
#include "ip_defrag.h"

#define MSG_LEN	     3000
#define FRAG_PAYLOAD 1480 /* 1500-byte MTU minus the IPv4 header; a multiple of 8 */

static char sip_text[MSG_LEN + 1];
/* the UDP datagram fragment() cuts: the SIP message, or a VXLAN datagram around it */
static uint8_t udp[FRAME_MAX];
static size_t udp_len;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void make_message(void)
{
	static const char head[] = "MESSAGE sip:bob@192.0.2.10 SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP 198.51.100.20;branch=z9hG4bK-frag\r\n"
				   "From: <sip:alice@198.51.100.20>;tag=1\r\n"
				   "To: <sip:bob@192.0.2.10>\r\n"
				   "Call-ID: fragmented-1\r\n"
				   "CSeq: 1 MESSAGE\r\n"
				   "Content-Type: text/plain\r\n";
	char cl[64];
	size_t n = strlen(head), body;

	memcpy(sip_text, head, n);
	body = MSG_LEN - n - (size_t)snprintf(cl, sizeof(cl), "Content-Length: %4d\r\n\r\n", 0);
	n += (size_t)snprintf(sip_text + n, sizeof(sip_text) - n, "Content-Length: %4zu\r\n\r\n",
			      body);
	memset(sip_text + n, 'x', body);
	sip_text[MSG_LEN] = '\0';
	put16(udp, 5060);
	put16(udp + 2, 5060);
	put16(udp + 4, 8 + MSG_LEN);
	memcpy(udp + 8, sip_text, MSG_LEN); /* checksum 0: none (RFC 768) */
	udp_len = 8 + MSG_LEN;
}

/* Fragment i of the UDP datagram as a raw IPv4 or IPv6 packet into frame; returns its length. */
static size_t fragment(bool v6, unsigned i, uint8_t *frame)
{
	size_t total = udp_len, off = i * FRAG_PAYLOAD;
	size_t len = total - off < FRAG_PAYLOAD ? total - off : FRAG_PAYLOAD;
	bool more = off + len < total;

	if (!v6) {
		memset(frame, 0, 20);
		frame[0] = 0x45;
		put16(frame + 2, (uint16_t)(20 + len));
		put16(frame + 4, 0x1234);
		put16(frame + 6, (uint16_t)((more ? 0x2000 : 0) | off / 8));
		frame[8] = 64;
		frame[9] = IPPROTO_UDP;
		memcpy(frame + 12, (uint8_t[]){198, 51, 100, 20}, 4);
		memcpy(frame + 16, (uint8_t[]){192, 0, 2, 10}, 4);
		memcpy(frame + 20, udp + off, len);
		return 20 + len;
	}
	memset(frame, 0, 48);
	frame[0] = 0x60;
	put16(frame + 4, (uint16_t)(8 + len));
	frame[6] = 44; /* Fragment header */
	frame[7] = 64;
	frame[8] = 0x20, frame[9] = 0x01, frame[10] = 0x0d, frame[11] = 0xb8, frame[23] = 1;
	frame[24] = 0x20, frame[25] = 0x01, frame[26] = 0x0d, frame[27] = 0xb8, frame[39] = 2;
	frame[40] = IPPROTO_UDP;
	put16(frame + 42, (uint16_t)(off | (more ? 1 : 0)));
	memcpy(frame + 44, (uint8_t[]){0, 0, 0x56, 0x78}, 4);
	memcpy(frame + 48, udp + off, len);
	return 48 + len;
}

static void write_pcap(const char *path, const unsigned *order, size_t n, bool v6)
{
	pcap_t *dead = pcap_open_dead(DLT_RAW, 65535);
	pcap_dumper_t *dump = pcap_dump_open(dead, path);
	uint8_t frame[2048];

	assert_non_null(dump);
	for (size_t k = 0; k < n; k++) {
		struct pcap_pkthdr hdr = {.ts = {1764240000, (long)k}};
		hdr.caplen = hdr.len = (bpf_u_int32)fragment(v6, order[k], frame);
		pcap_dump((u_char *)dump, &hdr, frame);
	}
	pcap_dump_close(dump);
	pcap_close(dead);
}

/* L is the whole message, received, rebuilt from its three fragments. */
static void assert_message_received(const struct event_list *l)
{
	assert_int_equal(l->input.capture.replay.fragments, 3);
	assert_int_equal(l->input.capture.replay.reassembled, 1);
	assert_int_equal(l->count, 1);
	assert_int_equal(l->events[0].kind, EV_SIP);
	assert_int_equal(l->events[0].sip.dir, DIR_IN);
	assert_int_equal(l->events[0].sip.raw_len, MSG_LEN);
	assert_string_equal(l->events[0].sip.raw, sip_text);
}

static void test_reassembled_from_pcap(void **state)
{
	(void)state;
	static const unsigned out_of_order[] = {2, 0, 1};
	struct capture_source_options options = {0};
	char path[] = "/tmp/stpost-frag-XXXXXX";
	struct event_list l;

	make_message();
	close(mkstemp(path));
	for (int v6 = 0; v6 < 2; v6++) {
		options.n_hosts = 1;
		options.hosts[0] = v6 ? "2001:db8::2" : "192.0.2.10";
		write_pcap(path, out_of_order, 3, v6);
		assert_int_equal(event_load("test", path, &options, &l), 0);
		assert_message_received(&l);
		event_list_free(&l);
	}
	/* a fragment missing: nothing is guessed */
	write_pcap(path, (const unsigned[]){0, 2}, 2, false);
	options.hosts[0] = "192.0.2.10";
	assert_int_equal(event_load("test", path, &options, &l), 0);
	assert_int_equal(l.count, 0);
	event_list_free(&l);
	unlink(path);
}

/* A VXLAN datagram to the port given with --vxlan-port, fragmented on the way: the tunnel is
 * opened once the datagram is whole, and only on that port. */
static void test_vxlan_port_after_reassembly(void **state)
{
	(void)state;
	static const unsigned order[] = {1, 2, 0};
	static uint8_t inner[FRAME_MAX], outer[FRAME_MAX];
	struct capture_source_options options = {.n_hosts = 1, .hosts = {"192.0.2.10"}};
	char path[] = "/tmp/stpost-frag-vxlan-XXXXXX";
	struct event_list l;
	size_t n;
	int linktype;

	make_message();
	n = frame_eth_udp4(inner, "203.0.113.5", 5060, "192.0.2.10", 5060, sip_text, MSG_LEN);
	n = frame_encap(FRAME_VXLAN_8472, inner, n, outer, &linktype);
	udp_len = n - 14 - 20; /* the outer Ethernet and IPv4 headers off */
	memcpy(udp, outer + 14 + 20, udp_len);
	assert_true(udp_len > 2 * FRAG_PAYLOAD);
	close(mkstemp(path));
	write_pcap(path, order, 3, false);

	options.vxlan_port = 8472;
	assert_int_equal(event_load("test", path, &options, &l), 0);
	assert_message_received(&l);
	assert_string_equal(ip_addr_text(&l.events[0].sip.remote.addr).text, "203.0.113.5");
	event_list_free(&l);

	options.vxlan_port = 0; /* 8472 is not VXLAN's own port: a datagram without SIP */
	assert_int_equal(event_load("test", path, &options, &l), 0);
	assert_int_equal(l.input.capture.replay.reassembled, 1);
	assert_int_equal(l.count, 0);
	event_list_free(&l);
	unlink(path);
}

static void test_overlap_and_bounds(void **state)
{
	(void)state;
	struct ip_defrag *defrag = ip_defrag_new(NULL);
	struct ip_defrag_stats stats;
	struct packet_l4 f, out;
	uint8_t frame[2048];
	size_t len;

	make_message();
	assert_non_null(defrag);
	len = fragment(false, 0, frame);
	assert_int_equal(packet_decode(DLT_RAW, frame, len, NULL, &f), PACKET_FRAGMENT);
	assert_int_equal(ip_defrag_add(defrag, &f, 1, &out), PACKET_FRAGMENT);
	/* the same bytes again overlap: the datagram is dropped (RFC 5722) */
	assert_int_equal(ip_defrag_add(defrag, &f, 2, &out), PACKET_FRAGMENT);
	len = fragment(false, 1, frame);
	assert_int_equal(packet_decode(DLT_RAW, frame, len, NULL, &f), PACKET_FRAGMENT);
	assert_int_equal(ip_defrag_add(defrag, &f, 3, &out), PACKET_FRAGMENT);
	len = fragment(false, 2, frame);
	assert_int_equal(packet_decode(DLT_RAW, frame, len, NULL, &f), PACKET_FRAGMENT);
	assert_int_equal(ip_defrag_add(defrag, &f, 4, &out), PACKET_FRAGMENT); /* 0 is gone */
	/* a fragment cut by the snap length is refused by the decoder itself */
	len = fragment(false, 0, frame);
	assert_int_equal(packet_decode(DLT_RAW, frame, len - 100, NULL, &f), PACKET_TRUNCATED);
	/* an old datagram times out */
	len = fragment(false, 0, frame);
	packet_decode(DLT_RAW, frame, len, NULL, &f);
	assert_int_equal(ip_defrag_add(defrag, &f, 5 + IP_DEFRAG_TIMEOUT_NS * 2, &out),
			 PACKET_FRAGMENT);
	ip_defrag_get_stats(defrag, &stats);
	assert_int_equal(stats.dropped_overlap, 1);
	assert_int_equal(stats.dropped_timeout, 1);
	assert_int_equal(stats.reassembled, 0);
	ip_defrag_free(defrag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reassembled_from_pcap),
	    cmocka_unit_test(test_vxlan_port_after_reassembly),
	    cmocka_unit_test(test_overlap_and_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
