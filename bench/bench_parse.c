/*
 * SIP decoder parse speed (not a test). Generates a realistic corpus of trunk calls (INVITE
 * with SDP, 100, 180, 200 with SDP, ACK, re-INVITE and UPDATE session refreshes with
 * Session-Expires, BYE, 200), times sip_message_parse() and the stream framer on one core,
 * writes the same corpus as a pcap (UDP 127.0.0.1:5060 <-> 127.0.0.2:5060) and times
 * `tshark -r FILE -Y sip` on it for a side-by-side ratio.
 *
 * usage: bench_parse [--calls N] [--pcap PATH] [--no-tshark]
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "sip_framer.h"

struct corpus {
	char *bytes;
	size_t len, cap;
	size_t *offsets; /* message i is bytes[offsets[i] .. offsets[i + 1]) */
	size_t count, offsets_cap;
};

static void corpus_add(struct corpus *corpus, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void corpus_add(struct corpus *corpus, const char *fmt, ...)
{
	va_list args;
	if (corpus->cap - corpus->len < 4096) {
		corpus->cap = corpus->cap * 2 + 65536;
		corpus->bytes = realloc(corpus->bytes, corpus->cap);
	}
	if (corpus->count + 2 > corpus->offsets_cap) {
		corpus->offsets_cap = corpus->offsets_cap * 2 + 1024;
		corpus->offsets = realloc(corpus->offsets, corpus->offsets_cap * sizeof(size_t));
	}
	if (!corpus->bytes || !corpus->offsets) {
		fprintf(stderr, "bench_parse: out of memory\n");
		exit(2);
	}
	corpus->offsets[corpus->count++] = corpus->len;
	va_start(args, fmt);
	corpus->len +=
	    (size_t)vsnprintf(corpus->bytes + corpus->len, corpus->cap - corpus->len, fmt, args);
	va_end(args);
	corpus->offsets[corpus->count] = corpus->len;
}

static const char sdp_fmt[] = "v=0\r\no=- %u %u IN IP4 192.0.2.10\r\ns=-\r\n"
			      "c=IN IP4 192.0.2.10\r\nt=0 0\r\n"
			      "m=audio %u RTP/AVP 8 0 18 101\r\na=rtpmap:8 PCMA/8000\r\n"
			      "a=rtpmap:0 PCMU/8000\r\na=rtpmap:18 G729/8000\r\n"
			      "a=fmtp:18 annexb=no\r\na=rtpmap:101 telephone-event/8000\r\n"
			      "a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";

/* A request or response of call n: common headers, then extra lines and an optional SDP. */
static void add_message(struct corpus *corpus, unsigned n, const char *start_line, const char *cseq,
			const char *to_tag, const char *extra, bool sdp, unsigned version)
{
	char body[1024] = "";
	if (sdp)
		snprintf(body, sizeof(body), sdp_fmt, n, version, 20000 + (n % 10000) * 2);
	corpus_add(corpus,
		   "%s\r\n"
		   "Via: SIP/2.0/TLS 192.0.2.10:5061;branch=z9hG4bK-%u-%s;rport;alias\r\n"
		   "Via: SIP/2.0/TLS 10.1.2.3:5061;branch=z9hG4bK-pbx-%u;received=10.1.2.3\r\n"
		   "Record-Route: <sip:sbc1.carrier.example.net;transport=tls;lr>\r\n"
		   "From: \"Caller %u\" <sip:+4930%07u@pbx.example.com>;tag=from-%u\r\n"
		   "To: <sip:+4989%07u@carrier.example.net>%s%s\r\n"
		   "Call-ID: %08x-%04x@pbx.example.com\r\n"
		   "CSeq: %s\r\n"
		   "Contact: <sip:+4930%07u@192.0.2.10:5061;transport=tls>\r\n"
		   "User-Agent: siptrail-bench/1.0\r\n"
		   "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, PRACK\r\n"
		   "%s"
		   "%s"
		   "Content-Length: %zu\r\n\r\n%s",
		   start_line, n, cseq, n, n, n, n, n, to_tag ? ";tag=" : "", to_tag ? to_tag : "",
		   n * 2654435761u, n & 0xffff, cseq, n,
		   sdp ? "Content-Type: application/sdp\r\n" : "", extra, strlen(body), body);
}

static void generate(struct corpus *corpus, unsigned calls)
{
	static const char timers[] = "Supported: timer, 100rel, replaces\r\n"
				     "Session-Expires: 1800;refresher=uac\r\nMin-SE: 90\r\n";
	static const char refresh[] = "Supported: timer\r\nSession-Expires: 1800;refresher=uac\r\n";
	char ruri[128], tag[32];

	for (unsigned n = 0; n < calls; n++) {
		snprintf(ruri, sizeof(ruri),
			 "INVITE sip:+4989%07u@carrier.example.net;transport=tls SIP/2.0", n);
		snprintf(tag, sizeof(tag), "to-%u", n);
		add_message(corpus, n, ruri, "1 INVITE", NULL, timers, true, 1);
		add_message(corpus, n, "SIP/2.0 100 Trying", "1 INVITE", NULL, "", false, 0);
		add_message(corpus, n, "SIP/2.0 180 Ringing", "1 INVITE", tag, "", false, 0);
		add_message(corpus, n, "SIP/2.0 200 OK", "1 INVITE", tag,
			    "Require: timer\r\nSession-Expires: 1800;refresher=uac\r\n", true, 1);
		snprintf(ruri, sizeof(ruri),
			 "ACK sip:+4989%07u@198.51.100.20:5061;transport=tls "
			 "SIP/2.0",
			 n);
		add_message(corpus, n, ruri, "1 ACK", tag, "Max-Forwards: 70\r\n", false, 0);
		snprintf(ruri, sizeof(ruri),
			 "INVITE sip:+4989%07u@198.51.100.20:5061;transport=tls "
			 "SIP/2.0",
			 n);
		add_message(corpus, n, ruri, "2 INVITE", tag, refresh, true, 2);
		add_message(corpus, n, "SIP/2.0 200 OK", "2 INVITE", tag,
			    "Require: timer\r\nSession-Expires: 1800;refresher=uac\r\n", true, 2);
		snprintf(ruri, sizeof(ruri),
			 "ACK sip:+4989%07u@198.51.100.20:5061;transport=tls "
			 "SIP/2.0",
			 n);
		add_message(corpus, n, ruri, "2 ACK", tag, "Max-Forwards: 70\r\n", false, 0);
		snprintf(ruri, sizeof(ruri),
			 "UPDATE sip:+4989%07u@198.51.100.20:5061;transport=tls "
			 "SIP/2.0",
			 n);
		add_message(corpus, n, ruri, "3 UPDATE", tag, refresh, false, 0);
		add_message(corpus, n, "SIP/2.0 200 OK", "3 UPDATE", tag,
			    "Require: timer\r\nx: 1800;refresher=uac\r\n", false, 0);
		snprintf(ruri, sizeof(ruri),
			 "BYE sip:+4989%07u@198.51.100.20:5061;transport=tls "
			 "SIP/2.0",
			 n);
		add_message(
		    corpus, n, ruri, "4 BYE", tag,
		    "Max-Forwards: 70\r\nReason: Q.850;cause=16;text=\"Normal call clearing\"\r\n",
		    false, 0);
		add_message(corpus, n, "SIP/2.0 200 OK", "4 BYE", tag, "", false, 0);
	}
}

/* CPU time, not wall time: the machine is shared, and time spent descheduled is not parsing. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double children_cpu_s(void)
{
	struct rusage usage;
	getrusage(RUSAGE_CHILDREN, &usage);
	return (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
	       (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/* Parses every message of the corpus, repeatedly for at least min_s; returns MB/s. */
static double time_parse(const struct corpus *corpus, double min_s, double *msgs_per_s)
{
	static struct sip_message msg;
	unsigned rounds = 0;
	size_t invalid = 0;
	double start = now_s(), elapsed;

	do {
		for (size_t i = 0; i < corpus->count; i++) {
			size_t off = corpus->offsets[i];
			if (sip_message_parse(corpus->bytes + off, corpus->offsets[i + 1] - off,
					      SIP_PARSE_STREAM, &msg) != SIP_PARSE_OK)
				invalid++;
		}
		rounds++;
		elapsed = now_s() - start;
	} while (elapsed < min_s);
	if (invalid) {
		fprintf(stderr, "bench_parse: %zu invalid messages in the generated corpus\n",
			invalid);
		exit(1);
	}
	*msgs_per_s = (double)corpus->count * rounds / elapsed;
	return (double)corpus->len * rounds / elapsed / 1e6;
}

/* Frames the corpus as one TCP byte stream with the stateless core; returns MB/s. */
static double time_frame(const struct corpus *corpus, double min_s)
{
	static struct sip_message msg;
	struct sip_frame frame;
	unsigned rounds = 0;
	double start = now_s(), elapsed;

	do {
		size_t pos = 0;
		while (pos < corpus->len && sip_frame_next(corpus->bytes + pos, corpus->len - pos,
							   true, &msg, &frame, NULL))
			pos += frame.len;
		rounds++;
		elapsed = now_s() - start;
	} while (elapsed < min_s);
	return (double)corpus->len * rounds / elapsed / 1e6;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* IPv4 header checksum (RFC 791). */
static uint16_t ip_checksum(const uint8_t *header)
{
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(header[i] << 8 | header[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One UDP datagram per message, alternating direction, 1 ms apart. */
static int write_pcap(const struct corpus *corpus, const char *path)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *dumper = dead ? pcap_dump_open(dead, path) : NULL;
	static uint8_t frame[65536];

	if (!dumper) {
		fprintf(stderr, "bench_parse: cannot write %s: %s\n", path,
			dead ? pcap_geterr(dead) : "pcap_open_dead failed");
		if (dead)
			pcap_close(dead);
		return -1;
	}
	for (size_t i = 0; i < corpus->count; i++) {
		size_t len = corpus->offsets[i + 1] - corpus->offsets[i];
		uint8_t *eth = frame, *ip = frame + 14, *udp = ip + 20;
		bool forward = i % 2 == 0;
		memset(frame, 0, 42);
		memcpy(eth, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + 8 + len));
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12,
		       forward ? "\x7f\x00\x00\x01\x7f\x00\x00\x02"
			       : "\x7f\x00\x00\x02\x7f\x00\x00\x01",
		       8);
		put16(ip + 10, ip_checksum(ip));
		put16(udp, 5060);
		put16(udp + 2, 5060);
		put16(udp + 4, (uint16_t)(8 + len));
		memcpy(udp + 8, corpus->bytes + corpus->offsets[i], len);
		struct pcap_pkthdr header = {
		    .ts = {.tv_sec = 1700000000 + (time_t)(i / 1000),
			   .tv_usec = (suseconds_t)(i % 1000) * 1000},
		    .caplen = (bpf_u_int32)(42 + len),
		    .len = (bpf_u_int32)(42 + len),
		};
		pcap_dump((u_char *)dumper, &header, frame);
	}
	pcap_dump_close(dumper);
	pcap_close(dead);
	return 0;
}

/* CPU time (user + system) of `tshark -r path -Y sip`, output discarded; negative when it
 * failed. */
static double time_tshark(const char *path)
{
	char command[512];
	snprintf(command, sizeof(command), "tshark -n -r '%s' -Y sip >/dev/null 2>&1", path);
	double start = children_cpu_s();
	int status = system(command);
	double elapsed = children_cpu_s() - start;
	return status == 0 ? elapsed : -1;
}

int main(int argc, char **argv)
{
	unsigned calls = 2000;
	const char *pcap_path = "build/bench/sip-corpus.pcap";
	bool tshark = true;
	struct corpus corpus = {0};
	double msgs_per_s;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--calls") && i + 1 < argc)
			calls = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--pcap") && i + 1 < argc)
			pcap_path = argv[++i];
		else if (!strcmp(argv[i], "--no-tshark"))
			tshark = false;
		else {
			fprintf(stderr,
				"usage: bench_parse [--calls N] [--pcap PATH] [--no-tshark]\n");
			return 2;
		}
	}
	generate(&corpus, calls);
	printf("SIP decoder benchmark: %u calls, %zu messages, %.1f MB, mean %.0f bytes/message\n",
	       calls, corpus.count, corpus.len / 1e6, (double)corpus.len / corpus.count);

	double parse_mb_s = time_parse(&corpus, 2.0, &msgs_per_s);
	printf("sip_message_parse: %.0f messages/s, %.0f MB/s (one core, CPU time)\n", msgs_per_s,
	       parse_mb_s);
	double frame_mb_s = time_frame(&corpus, 1.0);
	printf("sip_frame_next over one TCP stream: %.0f MB/s\n", frame_mb_s);

	if (tshark) {
		if (write_pcap(&corpus, pcap_path))
			return 2;
		double tshark_s = time_tshark(pcap_path);
		if (tshark_s < 0) {
			fprintf(stderr, "bench_parse: tshark -r %s -Y sip failed\n", pcap_path);
			return 2;
		}
		double tshark_mb_s = corpus.len / 1e6 / tshark_s;
		printf("tshark -r %s -Y sip: %.2f s CPU, %.0f messages/s, %.1f MB/s\n", pcap_path,
		       tshark_s, corpus.count / tshark_s, tshark_mb_s);
		printf("ratio decoder/tshark: %.0fx\n", parse_mb_s / tshark_mb_s);
	}
	free(corpus.bytes);
	free(corpus.offsets);
	return 0;
}
