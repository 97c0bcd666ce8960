/*
 * Replay speed (not a test): writes a capture of N trunk calls as SIP over UDP (INVITE with
 * SDP, 100, 180, 200, ACK, re-INVITE refresh, 200, BYE, 200) with siptrail's pcapng writer,
 * times `siptrail replay` (the capture source: file reader, decode, SIP events) on it, and
 * `tshark -r FILE -Y sip` on the same file, and prints packets/s, MB/s and the ratio.
 *
 * The same packets are timed as classic pcap and as pcapng.
 *
 * usage: bench_replay [--calls N] [--no-tshark]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture_source.h"
#include "pcapng_write.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const templates[] = {
    "INVITE sip:+4940111%06u@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.20:5060;branch="
    "z9hG4bK%uinv\r\nMax-Forwards: 70\r\nFrom: <sip:+4930555%06u@carrier.example>;tag=f%u\r\n"
    "To: <sip:+4940111%06u@pbx.example>\r\nCall-ID: bench-%u@198.51.100.20\r\nCSeq: 1 INVITE\r\n"
    "Contact: <sip:198.51.100.20:5060>\r\nSupported: timer\r\nSession-Expires: 1800;refresher=uac"
    "\r\nContent-Type: application/sdp\r\nContent-Length: 129\r\n\r\nv=0\r\no=- 1 1 IN IP4 "
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
    "z9hG4bK%uack\r\nFrom: <sip:+4930555%06u@carrier.example>;tag=f%u\r\nTo: "
    "<sip:+4940111%06u@pbx.example>;tag=t\r\nCall-ID: bench-%u@198.51.100.20\r\nCSeq: 1 ACK\r\n"
    "Content-Length: 0\r\n\r\n",
    "BYE sip:+4940111%06u@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.20:5060;branch="
    "z9hG4bK%ubye\r\nFrom: <sip:+4930555%06u@carrier.example>;tag=f%u\r\nTo: "
    "<sip:+4940111%06u@pbx.example>;tag=t\r\nCall-ID: bench-%u@198.51.100.20\r\nCSeq: 2 BYE\r\n"
    "Content-Length: 0\r\n\r\n",
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK%ubye\r\nFrom: "
    "<sip:+4930555%06u@carrier.example>;tag=f%u\r\nTo: <sip:+4940111%06u@pbx.example>;tag=t\r\n"
    "Call-ID: bench-%u@198.51.100.20\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
};
/* which way each template goes: 1 = carrier -> this host */
static const int inbound[] = {1, 0, 0, 1, 1, 0};

static int write_capture(const char *path, unsigned calls, uint64_t *packets)
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
static int convert_to_pcap(const char *pcapng_path, const char *pcap_path)
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

static int drop(void *ctx, struct event *ev)
{
	(*(uint64_t *)ctx)++;
	event_release(ev);
	return 0;
}

/* Times siptrail replay and (optionally) tshark -Y sip on PATH. */
static void time_file(const char *label, const char *path, uint64_t packets, bool tshark)
{
	struct capture_source_options options = {.hosts = {"192.0.2.10"}, .n_hosts = 1};
	uint64_t events = 0;
	struct capture_source_run run = {&options, drop, NULL, &events};
	struct capture_source_stats stats;
	struct capture_error err;
	struct stat st;
	double t0, ours_s, tshark_s, mb;
	char cmd[512];

	stat(path, &st);
	mb = (double)st.st_size / 1e6;
	t0 = now_s();
	if (capture_source_read(path, &run, &stats, &err)) {
		fprintf(stderr, "bench_replay: %s\n", err.message);
		return;
	}
	ours_s = now_s() - t0;
	printf("%s, %.1f MB:\n  siptrail replay: %.3f s, %.0f packets/s, %.1f MB/s, %llu events\n",
	       label, mb, ours_s, packets / ours_s, mb / ours_s, (unsigned long long)events);
	if (!tshark)
		return;
	snprintf(cmd, sizeof(cmd), "tshark -r %s -Y sip >/dev/null 2>&1", path);
	t0 = now_s();
	if (system(cmd))
		fprintf(stderr, "bench_replay: tshark failed\n");
	tshark_s = now_s() - t0;
	printf("  tshark -Y sip:   %.3f s, %.0f packets/s, %.1f MB/s\n  ratio: %.1f times "
	       "faster than tshark -Y sip\n",
	       tshark_s, packets / tshark_s, mb / tshark_s, tshark_s / ours_s);
}

int main(int argc, char **argv)
{
	unsigned calls = 20000;
	bool tshark = true;
	char ng_path[] = "/tmp/bench-replay-XXXXXX", pcap_path[64];
	uint64_t packets = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--calls") && i + 1 < argc)
			calls = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--no-tshark"))
			tshark = false;
		else {
			fprintf(stderr, "usage: bench_replay [--calls N] [--no-tshark]\n");
			return 2;
		}
	}
	close(mkstemp(ng_path));
	snprintf(pcap_path, sizeof(pcap_path), "%s.pcap", ng_path);
	if (write_capture(ng_path, calls, &packets) || convert_to_pcap(ng_path, pcap_path)) {
		fprintf(stderr, "bench_replay: cannot write the captures\n");
		return 2;
	}
	printf("%u calls, %llu packets of SIP over UDP\n", calls, (unsigned long long)packets);
	time_file("pcap (as tcpdump -w writes)", pcap_path, packets, tshark);
	time_file("pcapng (siptrail's writer: a comment on every packet)", ng_path, packets,
		  tshark);
	unlink(ng_path);
	unlink(pcap_path);
	return 0;
}
