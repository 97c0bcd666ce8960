/* Classic pcap through libpcap; pcapng through pcapng_reader.c, because libpcap 1.10 refuses a
 * pcapng section whose interfaces differ in link type or snapshot length. The file is opened
 * once and its magic number picks the reader. Classic pcap record offsets are counted (a
 * 24-byte header, then 16 bytes + caplen per record) rather than asked of the stream with
 * ftell(), a system call per packet measured at 60% of a replay (docs/performance.md). A
 * gzip-compressed file is read through zlib (compressed_file.h). */
#include "capture_reader.h"
#include "compressed_file.h"
#include "ip_defrag.h"
#include "pcapng_reader.h"

#include <errno.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCAP_FILE_HEADER_BYTES	 24
#define PCAP_RECORD_HEADER_BYTES 16
#define STREAM_BUFFER_BYTES	 (256 << 10)
/* Classic pcap in this host's byte order, version 2.4, microseconds or nanoseconds (what
 * tcpdump writes): libpcap checks the file header, then records are read here from a buffer
 * of their own, as libpcap 1.10 would read them (the same checks and messages), without its
 * two fread calls and copy per packet (9 % of explain's instructions). */
#define PCAP_MAGIC_US	0xa1b2c3d4u
#define PCAP_MAGIC_NS	0xa1b23c4du
#define PCAP_MAX_CAPLEN 262144u /* libpcap's limit for every link type we decode */
/* More than a record of PCAP_MAX_CAPLEN, plus whole stream buffers to read (records_fill). */
#define RECORD_BUFFER_BYTES (1u << 20)

struct capture_reader {
	pcap_t *pcap;		      /* classic pcap (owns its stream) */
	struct pcapng_reader *pcapng; /* or pcapng, reading from file */
	FILE *file;
	const uint64_t *disk_bytes; /* compressed bytes read, NULL for a plain file */
	char *stream_buffer;	    /* the stream's stdio buffer, freed after it is closed */
	char path[256];
	uint64_t packets_read;
	int linktype;	      /* classic pcap: the file's */
	uint64_t next_offset; /* classic pcap: where the next record starts */
	/* classic pcap read here (PCAP_MAGIC_US/NS): records[records_at, records_len) not yet
	 * used, records_eof when the stream has no more */
	bool own_records, nanoseconds;
	uint32_t snapshot;
	uint8_t *records;
	size_t records_at, records_len;
	bool records_eof;
};

static void set_error(struct capture_error *err, uint64_t packet, uint64_t block, uint64_t offset,
		      const char *fmt, ...)
{
	va_list ap;
	err->packet_number = packet;
	err->block_number = block;
	err->byte_offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static bool linktype_supported(int linktype)
{
	struct packet_l4 ignored;
	/* An empty frame is cut short for every link type we decode. */
	return packet_decode(linktype, NULL, 0, NULL, &ignored) != PACKET_BAD_LINKTYPE;
}

static int open_pcap(struct capture_reader *reader, uint32_t magic, struct capture_error *err)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	const char *path = reader->path;

	reader->pcap = pcap_fopen_offline_with_tstamp_precision(
	    reader->file, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
	if (!reader->pcap) {
		set_error(err, 0, 0, 0, "%s: cannot read as pcap or pcapng: %s", path, pcap_err);
		return -EIO;
	}
	reader->file = NULL; /* pcap_close() closes it */
	reader->linktype = pcap_datalink(reader->pcap);
	reader->next_offset = PCAP_FILE_HEADER_BYTES;
	if (!linktype_supported(reader->linktype)) {
		const char *name = pcap_datalink_val_to_name(reader->linktype);
		set_error(err, 0, 0, 0, "%s: link type %d (%s) is not supported", path,
			  reader->linktype, name ? name : "unknown");
		return -EIO;
	}
	if ((magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS) && !pcap_is_swapped(reader->pcap) &&
	    pcap_major_version(reader->pcap) == 2 && pcap_minor_version(reader->pcap) >= 4) {
		reader->records = malloc(RECORD_BUFFER_BYTES);
		reader->own_records = reader->records != NULL; /* else libpcap reads them */
		reader->nanoseconds = magic == PCAP_MAGIC_NS;
		reader->snapshot = (uint32_t)pcap_snapshot(reader->pcap);
	}
	return 0;
}

static int open_pcapng(struct capture_reader *reader, struct capture_error *err)
{
	struct pcapng_error ng_err;
	int rc = pcapng_open(&reader->pcapng, reader->file, &ng_err);

	if (rc)
		set_error(err, 0, ng_err.block_number, ng_err.byte_offset,
			  "%s: cannot read as pcapng: %s", reader->path, ng_err.why);
	return rc;
}

int capture_open(struct capture_reader **out, const char *path, struct capture_error *err)
{
	struct capture_reader *reader = calloc(1, sizeof(*reader));
	uint32_t magic = 0;
	int rc;

	*out = NULL;
	if (!reader) {
		set_error(err, 0, 0, 0, "%s: out of memory", path);
		return -ENOMEM;
	}
	snprintf(reader->path, sizeof(reader->path), "%s", path);
	reader->file = compressed_fopen(path, &reader->disk_bytes);
	if (!reader->file) {
		set_error(err, 0, 0, 0, "%s: cannot read as pcap or pcapng: %s", path,
			  strerror(errno));
		free(reader);
		return -EIO;
	}
	/* stdio's default buffer is one page, a read system call every 4 KiB; with 256 KiB there
	 * are 64 times fewer (docs/performance.md). Both readers read through this stream. The
	 * buffer is ours: glibc's setvbuf ignores the size when given no buffer. */
	reader->stream_buffer = malloc(STREAM_BUFFER_BYTES);
	if (reader->stream_buffer)
		setvbuf(reader->file, reader->stream_buffer, _IOFBF, STREAM_BUFFER_BYTES);
	/* a short file keeps magic 0 and goes to libpcap, which says what is wrong with it */
	if (fread(&magic, sizeof(magic), 1, reader->file) != 1)
		magic = 0;
	rewind(reader->file);
	rc = magic == PCAPNG_MAGIC ? open_pcapng(reader, err) : open_pcap(reader, magic, err);
	if (rc) {
		capture_close(reader);
		return rc;
	}
	*out = reader;
	return 0;
}

/* At least WANT unused bytes in reader->records, reading more from the stream as needed.
 * Returns how many there are (fewer at the end of the stream), or -1 on a read error. */
static ssize_t records_fill(struct capture_reader *reader, size_t want)
{
	FILE *file = pcap_file(reader->pcap);
	size_t have = reader->records_len - reader->records_at;

	if (have >= want || reader->records_eof)
		return (ssize_t)have;
	memmove(reader->records, reader->records + reader->records_at, have);
	reader->records_at = 0;
	reader->records_len = have;
	while (reader->records_len < want && !reader->records_eof) {
		/* whole stream buffers, which glibc's fread reads straight into ours: other sizes
		 * it partly copies through its own buffer (3 % of explain's instructions) */
		size_t room = RECORD_BUFFER_BYTES - reader->records_len;
		size_t got = fread(
		    reader->records + reader->records_len, 1,
		    room > STREAM_BUFFER_BYTES ? room - room % STREAM_BUFFER_BYTES : room, file);
		reader->records_len += got;
		if (!got) {
			if (ferror(file))
				return -1;
			reader->records_eof = true;
		}
	}
	return (ssize_t)reader->records_len;
}

/* A classic pcap record from reader->records: the checks and error texts of libpcap 1.10's
 * pcap_next_packet() for a file in this host's byte order. WHY gets the text of an error. */
static int own_record(struct capture_reader *reader, struct pcap_pkthdr *header,
		      const u_char **data, char *why, size_t why_len)
{
	ssize_t have = records_fill(reader, PCAP_RECORD_HEADER_BYTES);
	uint32_t fields[4]; /* seconds, fraction, captured length, length on the wire */
	size_t got;

	if (have < 0)
		goto read_error;
	if (have == 0)
		return 0;
	if (have < PCAP_RECORD_HEADER_BYTES) {
		snprintf(why, why_len,
			 "truncated dump file; tried to read %d header bytes, only got %zd",
			 PCAP_RECORD_HEADER_BYTES, have);
		return -1;
	}
	memcpy(fields, reader->records + reader->records_at, sizeof(fields));
	if (fields[2] > PCAP_MAX_CAPLEN) {
		if (fields[2] > reader->snapshot)
			snprintf(why, why_len,
				 "invalid packet capture length %u, bigger than snaplen of %d",
				 fields[2], (int)reader->snapshot);
		else
			snprintf(why, why_len,
				 "invalid packet capture length %u, bigger than maximum of %u",
				 fields[2], PCAP_MAX_CAPLEN);
		return -1;
	}
	have = records_fill(reader, PCAP_RECORD_HEADER_BYTES + (size_t)fields[2]);
	if (have < 0)
		goto read_error;
	got = (size_t)have - PCAP_RECORD_HEADER_BYTES;
	/* a record longer than the snapshot length: its first snapshot bytes are the packet */
	if (fields[2] > reader->snapshot && got < reader->snapshot) {
		snprintf(why, why_len,
			 "truncated dump file; tried to read %d captured bytes, only got %zu",
			 (int)reader->snapshot, got);
		return -1;
	}
	if (got < fields[2]) {
		snprintf(why, why_len,
			 "truncated dump file; tried to read %u captured bytes, only got %zu",
			 fields[2], got);
		return -1;
	}
	header->ts.tv_sec = (time_t)fields[0];
	/* libpcap scales microseconds up in its signed 64-bit tv_usec */
	header->ts.tv_usec = reader->nanoseconds
				 ? (suseconds_t)fields[1]
				 : (suseconds_t)((int64_t)(int32_t)fields[1] * 1000);
	header->caplen = fields[2] > reader->snapshot ? reader->snapshot : fields[2];
	header->len = fields[3];
	*data = reader->records + reader->records_at + PCAP_RECORD_HEADER_BYTES;
	reader->records_at += PCAP_RECORD_HEADER_BYTES + (size_t)fields[2];
	return 1;

read_error:
	snprintf(why, why_len, "error reading dump file: %s", strerror(errno));
	return -1;
}

static int next_pcap(struct capture_reader *reader, struct capture_packet *pkt,
		     struct capture_error *err)
{
	uint64_t number = reader->packets_read + 1, offset = reader->next_offset;
	struct pcap_pkthdr own_header, *header = &own_header;
	char why[PCAP_ERRBUF_SIZE];
	const u_char *data;
	int rc;

	if (reader->own_records) {
		rc = own_record(reader, &own_header, &data, why, sizeof(why));
	} else {
		rc = pcap_next_ex(reader->pcap, &header, &data);
		if (rc == PCAP_ERROR_BREAK)
			rc = 0;
		else if (rc != 1)
			snprintf(why, sizeof(why), "%s", pcap_geterr(reader->pcap));
	}
	if (rc == 0)
		return 0;
	if (rc != 1) {
		set_error(err, number, 0, offset,
			  "%s: packet %llu (record at byte offset %llu): %s", reader->path,
			  (unsigned long long)number, (unsigned long long)offset, why);
		return -EIO;
	}
	reader->next_offset = offset + PCAP_RECORD_HEADER_BYTES + header->caplen;
	memset(pkt, 0, sizeof(*pkt));
	/* With PCAP_TSTAMP_PRECISION_NANO libpcap puts nanoseconds in tv_usec. The record's
	 * seconds are 32 bits that libpcap 1.10 reads as signed; taken as unsigned they reach
	 * February 2106 instead of turning negative in January 2038. */
	pkt->ts_ns = (uint64_t)(uint32_t)header->ts.tv_sec * 1000000000ULL +
		     (uint64_t)(uint32_t)header->ts.tv_usec;
	pkt->file_offset = offset;
	pkt->linktype = reader->linktype;
	pkt->data = data;
	pkt->caplen = header->caplen;
	pkt->wirelen = header->len;
	return 1;
}

static int next_pcapng(struct capture_reader *reader, struct capture_packet *pkt,
		       struct capture_error *err)
{
	uint64_t number = reader->packets_read + 1;
	struct pcapng_error ng_err;
	struct pcapng_packet ng;
	int rc = pcapng_next(reader->pcapng, &ng, &ng_err);

	if (rc < 0)
		set_error(err, number, ng_err.block_number, ng_err.byte_offset,
			  "%s: packet %llu (record at byte offset %llu): %s", reader->path,
			  (unsigned long long)number, (unsigned long long)ng_err.byte_offset,
			  ng_err.why);
	if (rc <= 0)
		return rc;
	pkt->ts_ns = ng.ts_ns;
	pkt->file_offset = ng.block_offset;
	pkt->section = ng.section;
	pkt->interface = ng.interface;
	pkt->linktype = ng.linktype;
	pkt->data = ng.data;
	pkt->caplen = ng.caplen;
	pkt->wirelen = ng.wirelen;
	pkt->comment = ng.comment;
	pkt->comment_len = ng.comment_len;
	return 1;
}

int capture_next(struct capture_reader *reader, struct capture_packet *pkt,
		 struct capture_error *err)
{
	int rc = reader->pcapng ? next_pcapng(reader, pkt, err) : next_pcap(reader, pkt, err);

	if (rc == 1) {
		pkt->number = ++reader->packets_read;
		pkt->disk_offset = reader->disk_bytes ? *reader->disk_bytes : pkt->file_offset;
	}
	return rc;
}

void capture_close(struct capture_reader *reader)
{
	if (!reader)
		return;
	if (reader->pcap)
		pcap_close(reader->pcap);
	free(reader->records);
	pcapng_close(reader->pcapng);
	if (reader->file)
		fclose(reader->file);
	free(reader->stream_buffer);
	free(reader);
}

static void count_packet(struct capture_replay_stats *stats, const struct capture_packet *pkt,
			 enum packet_status status, const struct packet_l4 *l4)
{
	stats->packets++;
	stats->last_ts_ns = pkt->ts_ns;
	switch (status) {
	case PACKET_OK:
		if (l4->outer.depth)
			stats->tunneled[l4->outer.encap]++;
		if (l4->protocol == IPPROTO_TCP)
			stats->tcp_packets++;
		else if (l4->protocol == IPPROTO_UDP)
			stats->udp_packets++;
		else
			stats->sctp_packets++;
		break;
	case PACKET_NOT_IP:
		stats->not_ip++;
		break;
	case PACKET_NOT_TCP_UDP:
		stats->not_tcp_udp++;
		break;
	case PACKET_UNKNOWN_ENCAP:
		stats->unknown_encap++;
		break;
	case PACKET_FRAGMENT:
		stats->fragments++;
		break;
	case PACKET_BAD_LINKTYPE: /* pcapng: an interface of a link type we do not decode */
		stats->other_linktype++;
		break;
	case PACKET_TRUNCATED:
	case PACKET_MALFORMED:
		if (status == PACKET_TRUNCATED)
			stats->truncated++;
		else
			stats->malformed++;
		if (!stats->first_malformed_packet)
			stats->first_malformed_packet = pkt->number;
		break;
	}
}

/* Reads one file of a replay into the shared reassembly state. */
static int replay_file(const char *path, uint32_t file, const struct capture_replay_ops *ops,
		       void *user, const struct packet_decode_options *decode,
		       struct tcp_reasm *reasm, struct ip_defrag *defrag,
		       struct capture_replay_stats *stats, struct capture_file_span *span,
		       struct capture_error *err)
{
	struct capture_reader *reader;
	struct capture_packet pkt;
	int rc = capture_open(&reader, path, err);

	if (rc)
		return rc;
	while ((rc = capture_next(reader, &pkt, err)) == 1) {
		struct packet_l4 l4, whole;
		enum packet_status status;

		pkt.file = file;
		status = packet_decode(pkt.linktype, pkt.data, pkt.caplen, decode, &l4);
		count_packet(stats, &pkt, status, &l4);
		if (span) {
			if (!span->packets++)
				span->first_ts_ns = pkt.ts_ns;
			span->last_ts_ns = pkt.ts_ns;
		}
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
		if (l4.protocol == IPPROTO_SCTP) {
			if (ops->on_sctp)
				ops->on_sctp(user, &l4, pkt.ts_ns);
			continue;
		}
		rc = tcp_reasm_packet(reasm, &l4, pkt.ts_ns);
		if (rc) {
			set_error(err, pkt.number, 0, pkt.file_offset,
				  "%s: packet %llu: out of memory reassembling TCP", path,
				  (unsigned long long)pkt.number);
			break;
		}
	}
	capture_close(reader);
	return rc;
}

int capture_replay_files(const char *const *paths, size_t n_paths,
			 const struct capture_replay_ops *ops, void *user,
			 const struct capture_replay_config *config,
			 struct capture_replay_stats *stats, struct capture_file_span *spans,
			 struct capture_error *err)
{
	static const struct capture_replay_config defaults;
	struct capture_replay_stats local_stats;
	struct tcp_reasm *reasm;
	struct ip_defrag *defrag;
	int rc = 0;

	if (!config)
		config = &defaults;
	if (!stats)
		stats = &local_stats;
	memset(stats, 0, sizeof(*stats));
	if (spans)
		memset(spans, 0, n_paths * sizeof(*spans));
	reasm = tcp_reasm_new(&config->tcp, &ops->tcp, user);
	defrag = reasm ? ip_defrag_new(&config->decode) : NULL;
	if (!defrag) {
		tcp_reasm_free(reasm);
		set_error(err, 0, 0, 0, "%s: out of memory", n_paths ? paths[0] : "capture");
		return -ENOMEM;
	}
	/* one reassembly state across the files: a connection that spans a rotation goes on */
	for (size_t i = 0; i < n_paths && rc >= 0; i++)
		rc = replay_file(paths[i], (uint32_t)i, ops, user, &config->decode, reasm, defrag,
				 stats, spans ? &spans[i] : NULL, err);
	ip_defrag_free(defrag);
	tcp_reasm_finish(reasm, stats->last_ts_ns);
	tcp_reasm_get_stats(reasm, &stats->tcp);
	tcp_reasm_free(reasm);
	return rc < 0 ? rc : 0;
}

int capture_replay(const char *path, const struct capture_replay_ops *ops, void *user,
		   const struct capture_replay_config *config, struct capture_replay_stats *stats,
		   struct capture_error *err)
{
	return capture_replay_files(&path, 1, ops, user, config, stats, NULL, err);
}

int capture_first_ts(const char *path, uint64_t *ts_ns, struct capture_error *err)
{
	struct capture_reader *reader;
	struct capture_packet pkt;
	int rc = capture_open(&reader, path, err);

	if (rc)
		return rc;
	rc = capture_next(reader, &pkt, err);
	if (rc == 1)
		*ts_ns = pkt.ts_ns;
	capture_close(reader);
	return rc;
}
