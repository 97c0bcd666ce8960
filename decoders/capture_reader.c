/* pcap/pcapng through libpcap. libpcap reads through a stdio FILE, so ftell() before each read
 * gives the offset of the record it is about to read; that is what errors report. ftell() is a
 * system call (lseek) each time, measured at 60% of a replay: for classic pcap, whose records
 * are exactly 16 bytes + caplen after a 24-byte header, the offset is counted instead. */
#include "capture_reader.h"
#include "ip_defrag.h"

#include <errno.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct capture_reader {
	pcap_t *pcap;
	char path[256];
	uint64_t packets_read;
	int linktype;
	bool counted_offsets; /* classic pcap: next_offset is exact, no ftell() */
	uint64_t next_offset;
};

/* Classic pcap magic numbers (micro- and nanosecond, both byte orders). */
static bool is_classic_pcap(const char *path)
{
	uint32_t magic = 0;
	FILE *f = fopen(path, "rb");
	bool classic;

	if (!f)
		return false;
	classic = fread(&magic, 4, 1, f) == 1 && (magic == 0xa1b2c3d4 || magic == 0xd4c3b2a1 ||
						  magic == 0xa1b23c4d || magic == 0x4d3cb2a1);
	fclose(f);
	return classic;
}

static void set_error(struct capture_error *err, uint64_t packet, uint64_t offset, const char *fmt,
		      ...)
{
	va_list ap;
	err->packet_number = packet;
	err->byte_offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static bool linktype_supported(int linktype)
{
	struct packet_l4 ignored;
	/* An empty frame is cut short for every link type we decode. */
	return packet_decode(linktype, NULL, 0, &ignored) != PACKET_BAD_LINKTYPE;
}

int capture_open(struct capture_reader **out, const char *path, struct capture_error *err)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	*out = NULL;
	pcap_t *pcap =
	    pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
	if (!pcap) {
		set_error(err, 0, 0, "%s: cannot read as pcap or pcapng: %s", path, pcap_err);
		return -EIO;
	}
	int linktype = pcap_datalink(pcap);
	if (!linktype_supported(linktype)) {
		const char *name = pcap_datalink_val_to_name(linktype);
		set_error(err, 0, 0, "%s: link type %d (%s) is not supported", path, linktype,
			  name ? name : "unknown");
		pcap_close(pcap);
		return -EIO;
	}
	struct capture_reader *reader = calloc(1, sizeof(*reader));
	if (!reader) {
		pcap_close(pcap);
		set_error(err, 0, 0, "%s: out of memory", path);
		return -ENOMEM;
	}
	reader->pcap = pcap;
	reader->linktype = linktype;
	reader->counted_offsets = is_classic_pcap(path);
	reader->next_offset = 24;
	snprintf(reader->path, sizeof(reader->path), "%s", path);
	*out = reader;
	return 0;
}

int capture_next(struct capture_reader *reader, struct capture_packet *pkt,
		 struct capture_error *err)
{
	FILE *file = reader->counted_offsets ? NULL : pcap_file(reader->pcap);
	long offset = reader->counted_offsets ? (long)reader->next_offset : file ? ftell(file) : -1;
	struct pcap_pkthdr *header;
	const u_char *data;
	int rc = pcap_next_ex(reader->pcap, &header, &data);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	uint64_t number = reader->packets_read + 1;
	if (rc != 1) {
		set_error(err, number, offset < 0 ? 0 : (uint64_t)offset,
			  "%s: packet %llu (record at byte offset %ld): %s", reader->path,
			  (unsigned long long)number, offset, pcap_geterr(reader->pcap));
		return -EIO;
	}
	reader->packets_read = number;
	reader->next_offset = (uint64_t)offset + 16 + header->caplen;
	pkt->number = number;
	/* With PCAP_TSTAMP_PRECISION_NANO libpcap puts nanoseconds in tv_usec. */
	pkt->ts_ns = (uint64_t)header->ts.tv_sec * 1000000000ULL + (uint64_t)header->ts.tv_usec;
	pkt->file_offset = offset < 0 ? 0 : (uint64_t)offset;
	pkt->linktype = reader->linktype;
	pkt->data = data;
	pkt->caplen = header->caplen;
	pkt->wirelen = header->len;
	return 1;
}

void capture_close(struct capture_reader *reader)
{
	if (!reader)
		return;
	pcap_close(reader->pcap);
	free(reader);
}

static void count_packet(struct capture_replay_stats *stats, const struct capture_packet *pkt,
			 enum packet_status status, const struct packet_l4 *l4)
{
	stats->packets++;
	stats->last_ts_ns = pkt->ts_ns;
	switch (status) {
	case PACKET_OK:
		if (l4->protocol == IPPROTO_TCP)
			stats->tcp_packets++;
		else
			stats->udp_packets++;
		break;
	case PACKET_NOT_IP:
	case PACKET_NOT_TCP_UDP:
		stats->not_ip++;
		break;
	case PACKET_FRAGMENT:
		stats->fragments++;
		break;
	case PACKET_TRUNCATED:
	case PACKET_MALFORMED:
	case PACKET_BAD_LINKTYPE:
		stats->malformed++;
		if (!stats->first_malformed_packet)
			stats->first_malformed_packet = pkt->number;
		break;
	}
}

int capture_replay(const char *path, const struct capture_replay_ops *ops, void *user,
		   const struct tcp_reasm_limits *limits, struct capture_replay_stats *stats,
		   struct capture_error *err)
{
	struct capture_replay_stats local_stats;
	struct capture_reader *reader;
	if (!stats)
		stats = &local_stats;
	memset(stats, 0, sizeof(*stats));
	int rc = capture_open(&reader, path, err);
	if (rc)
		return rc;
	struct tcp_reasm *reasm = tcp_reasm_new(limits, &ops->tcp, user);
	if (!reasm) {
		capture_close(reader);
		set_error(err, 0, 0, "%s: out of memory", path);
		return -ENOMEM;
	}
	struct ip_defrag *defrag = ip_defrag_new();
	if (!defrag) {
		tcp_reasm_free(reasm);
		capture_close(reader);
		set_error(err, 0, 0, "%s: out of memory", path);
		return -ENOMEM;
	}
	struct capture_packet pkt;
	while ((rc = capture_next(reader, &pkt, err)) == 1) {
		struct packet_l4 l4, whole;
		enum packet_status status = packet_decode(pkt.linktype, pkt.data, pkt.caplen, &l4);
		count_packet(stats, &pkt, status, &l4);
		if (status == PACKET_FRAGMENT &&
		    ip_defrag_add(defrag, &l4, pkt.ts_ns, &whole) == PACKET_OK) {
			/* the last fragment completed a datagram: it goes on as one packet */
			stats->reassembled++;
			l4 = whole;
			status = PACKET_OK;
		}
		if (ops->on_packet && ops->on_packet(user, &pkt, status == PACKET_OK ? &l4 : NULL))
			continue;
		if (status != PACKET_OK)
			continue;
		if (l4.protocol == IPPROTO_UDP) {
			if (ops->on_udp)
				ops->on_udp(user, &l4, pkt.ts_ns);
			continue;
		}
		rc = tcp_reasm_packet(reasm, &l4, pkt.ts_ns);
		if (rc) {
			set_error(err, pkt.number, pkt.file_offset,
				  "%s: packet %llu: out of memory reassembling TCP", path,
				  (unsigned long long)pkt.number);
			break;
		}
	}
	ip_defrag_free(defrag);
	tcp_reasm_finish(reasm, stats->last_ts_ns);
	tcp_reasm_get_stats(reasm, &stats->tcp);
	tcp_reasm_free(reasm);
	capture_close(reader);
	return rc < 0 ? rc : 0;
}
