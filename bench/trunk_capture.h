/*
 * The benchmarks' trunk capture: N short calls as SIP over UDP (INVITE with SDP, 100, 200,
 * ACK, BYE, 200) between a carrier (198.51.100.20) and this host (192.0.2.10), one message a
 * millisecond, written with siptrail's pcapng writer and converted to classic pcap (what
 * tcpdump -w writes) with libpcap. Shared by bench_replay and bench_postmortem. Every message
 * is valid SIP (RFC 3261), so none of them costs a leniency warning on stderr.
 */
#ifndef SIPTRAIL_BENCH_TRUNK_CAPTURE_H
#define SIPTRAIL_BENCH_TRUNK_CAPTURE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "pcapng_write.h"

static const char *const templates[] = {
    "INVITE sip:+4940111%06u@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.20:5060;branch="
    "z9hG4bK%uinv\r\nMax-Forwards: 70\r\nFrom: <sip:+4930555%06u@carrier.example>;tag=f%u\r\n"
    "To: <sip:+4940111%06u@pbx.example>\r\nCall-ID: bench-%u@198.51.100.20\r\nCSeq: 1 INVITE\r\n"
    "Contact: <sip:198.51.100.20:5060>\r\nSupported: timer\r\nSession-Expires: 1800;refresher=uac"
    "\r\nContent-Type: application/sdp\r\nContent-Length: 137\r\n\r\nv=0\r\no=- 1 1 IN IP4 "
    "198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8 0 101\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n",
    "SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK%uinv\r\nFrom: "
    "<sip:+4930555%06u@carrier.example>;tag=f%u\r\nTo: <sip:+4940111%06u@pbx.example>\r\n"
    "Call-ID: bench-%u@198.51.100.20\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK%uinv\r\nFrom: "
    "<sip:+4930555%06u@carrier.example>;tag=f%u\r\nTo: <sip:+4940111%06u@pbx.example>;tag=t\r\n"
    "Call-ID: bench-%u@198.51.100.20\r\nCSeq: 1 INVITE\r\nRequire: timer\r\nSession-Expires: "
    "1800;refresher=uac\r\nContent-Length: 0\r\n\r\n",
    "ACK sip:+4940111%06u@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.20:5060;branch="
    "z9hG4bK%uack\r\nMax-Forwards: 70\r\nFrom: <sip:+4930555%06u@carrier.example>;tag=f%u\r\nTo: "
    "<sip:+4940111%06u@pbx.example>;tag=t\r\nCall-ID: bench-%u@198.51.100.20\r\nCSeq: 1 ACK\r\n"
    "Content-Length: 0\r\n\r\n",
    "BYE sip:+4940111%06u@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.20:5060;branch="
    "z9hG4bK%ubye\r\nMax-Forwards: 70\r\nFrom: <sip:+4930555%06u@carrier.example>;tag=f%u\r\nTo: "
    "<sip:+4940111%06u@pbx.example>;tag=t\r\nCall-ID: bench-%u@198.51.100.20\r\nCSeq: 2 BYE\r\n"
    "Content-Length: 0\r\n\r\n",
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK%ubye\r\nFrom: "
    "<sip:+4930555%06u@carrier.example>;tag=f%u\r\nTo: <sip:+4940111%06u@pbx.example>;tag=t\r\n"
    "Call-ID: bench-%u@198.51.100.20\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
};
/* which way each template goes: 1 = carrier -> this host */
static const int inbound[] = {1, 0, 0, 1, 1, 0};

static inline int write_capture(const char *path, unsigned calls, uint64_t *packets)
{
	struct pcapng_writer *w;
	struct pcapng_synthetic s = {.family = AF_INET, .protocol = IPPROTO_UDP};
	uint64_t ts_ns = 1764240000ull * 1000000000ull;
	uint8_t local[16] = {0}, peer[16] = {0};
	char msg[2048];

	inet_pton(AF_INET, "192.0.2.10", local);
	inet_pton(AF_INET, "198.51.100.20", peer);
	if (pcapng_writer_open(&w, path, DLT_RAW, 65535))
		return -1;
	for (unsigned c = 0; c < calls; c++) {
		for (size_t t = 0; t < sizeof(templates) / sizeof(templates[0]); t++) {
			int n = snprintf(msg, sizeof(msg), templates[t], c, c, c, c, c, c);
			memcpy(s.src_addr, inbound[t] ? peer : local, 16);
			memcpy(s.dst_addr, inbound[t] ? local : peer, 16);
			s.src_port = s.dst_port = 5060;
			s.payload = (const uint8_t *)msg;
			s.payload_len = (size_t)n;
			ts_ns += 1000000;
			if (pcapng_write_synthetic(w, ts_ns, &s))
				return -1;
			(*packets)++;
		}
	}
	return pcapng_writer_close(w);
}

/* The same packets as classic pcap (what tcpdump -w writes), through libpcap. */
static inline int convert_to_pcap(const char *pcapng_path, const char *pcap_path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *in = pcap_open_offline_with_tstamp_precision(pcapng_path,
							     PCAP_TSTAMP_PRECISION_NANO, errbuf);
	pcap_dumper_t *out = in ? pcap_dump_open(in, pcap_path) : NULL;
	struct pcap_pkthdr *hdr;
	const u_char *data;

	if (!out) {
		if (in)
			pcap_close(in);
		return -1;
	}
	while (pcap_next_ex(in, &hdr, &data) == 1)
		pcap_dump((u_char *)out, hdr, data);
	pcap_dump_close(out);
	pcap_close(in);
	return 0;
}

#endif
