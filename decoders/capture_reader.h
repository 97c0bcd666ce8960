/* Capture files (classic pcap read by libpcap, pcapng by pcapng_reader.h) as a stream of
 * packets with nanosecond times, and a replay driver that decodes them and reassembles TCP. */
#ifndef SIPTRAIL_CAPTURE_READER_H
#define SIPTRAIL_CAPTURE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "packet_decode.h"
#include "tcp_reassembly.h"

struct capture_packet {
	uint64_t number;      /* 1 for the first packet of the file */
	uint64_t ts_ns;	      /* since the Unix epoch */
	uint64_t file_offset; /* byte offset of the record (pcapng: of the block) */
	uint64_t disk_offset; /* bytes of the file on disk read so far (compressed ones for a
				 compressed file, else file_offset): for progress */
	uint32_t file;	      /* capture_replay_files: which of the files, in their order */
	uint32_t section;     /* pcapng: 0 for the first section; classic pcap: 0 */
	uint32_t interface;   /* pcapng: its interface in the section; classic pcap: 0 */
	int linktype;	      /* DLT_*, per interface in pcapng */
	const uint8_t *data;  /* valid until the next capture_next() */
	size_t caplen, wirelen;
	const char *comment; /* pcapng opt_comment (not NUL-terminated), NULL if none */
	size_t comment_len;
};

/* Where and why a file could not be read. packet_number is the packet that could not be read
 * (0: the file header), byte_offset where its record starts; pcapng: block_number is the block
 * that could not be read (1 for the first of the file), 0 for classic pcap. */
struct capture_error {
	uint64_t packet_number;
	uint64_t block_number;
	uint64_t byte_offset;
	char message[512]; /* the whole sentence, ready to print */
};

struct capture_reader;

/* Returns 0, or -EIO with err filled (missing file, not a capture, classic pcap of an
 * unsupported link type; a pcapng interface of one only has its packets counted in
 * capture_replay_stats.other_linktype). */
int capture_open(struct capture_reader **out, const char *path, struct capture_error *err);
/* Returns 1 with *pkt filled, 0 at the end of the file, -EIO with err filled. */
int capture_next(struct capture_reader *reader, struct capture_packet *pkt,
		 struct capture_error *err);
void capture_close(struct capture_reader *reader);

struct capture_replay_ops {
	struct tcp_reasm_ops tcp; /* TCP connections and ordered payload */
	/* One UDP datagram as captured; pkt->payload points into the frame. */
	void (*on_udp)(void *user, const struct packet_l4 *pkt, uint64_t ts_ns);
	/* One SCTP packet; pkt->payload is its chunks (sctp_chunk.h). */
	void (*on_sctp)(void *user, const struct packet_l4 *pkt, uint64_t ts_ns);
	/* Optional: every packet read, before TCP/UDP delivery; l4 is NULL when the frame did not
	 * decode to TCP or UDP. Returning true consumes the packet (it goes no further). Used for
	 * progress, and for packets the consumer handles itself (siptrail's synthetic ones). */
	bool (*on_packet)(void *user, const struct capture_packet *pkt, const struct packet_l4 *l4);
};

struct capture_replay_stats {
	uint64_t packets;
	uint64_t tcp_packets, udp_packets, sctp_packets;
	uint64_t not_ip;		       /* ARP, LLDP, ...: skipped */
	uint64_t not_tcp_udp;		       /* IP but neither TCP nor UDP (ICMP, SCTP, ...) */
	uint64_t unknown_encap;		       /* tunnels whose payload is not decoded */
	uint64_t tunneled[PACKET_ENCAP_COUNT]; /* decoded from inside a tunnel, by the outermost */
	uint64_t fragments;		       /* IP fragments (each counted once) */
	uint64_t reassembled;		       /* datagrams rebuilt from them (ip_defrag.h) */
	uint64_t other_linktype;	       /* pcapng: on interfaces of link types not decoded */
	uint64_t truncated;		       /* a header cut short by the capture length */
	uint64_t malformed;		       /* an impossible length or header field */
	uint64_t first_malformed_packet;       /* the first truncated or malformed one, 0 if none */
	uint64_t last_ts_ns;
	struct tcp_reasm_stats tcp;
};

/* How a replay decodes: zeros are the defaults. */
struct capture_replay_config {
	struct tcp_reasm_limits tcp;
	struct packet_decode_options decode;
};

/* Reads the whole file, calling ops as it goes. On a read error everything before the bad
 * packet has been delivered and every open connection ended (TCP_END_CAPTURE_END) before it
 * returns -EIO with err filled. Returns 0, -EIO or -ENOMEM. config may be NULL; stats may be
 * NULL. */
int capture_replay(const char *path, const struct capture_replay_ops *ops, void *user,
		   const struct capture_replay_config *config, struct capture_replay_stats *stats,
		   struct capture_error *err);

/* What one file of several held: its packet count and first and last packet times. */
struct capture_file_span {
	uint64_t packets, first_ts_ns, last_ts_ns;
};

/* The same over several files read one after another as one capture (rotating files of one
 * trace, in the order given), with one TCP reassembly and IP defragmentation state, so a
 * connection that spans two files goes on. SPANS (may be NULL) gets one entry per file. A
 * read error stops at the bad packet of that file. */
int capture_replay_files(const char *const *paths, size_t n_paths,
			 const struct capture_replay_ops *ops, void *user,
			 const struct capture_replay_config *config,
			 struct capture_replay_stats *stats, struct capture_file_span *spans,
			 struct capture_error *err);

/* The time of PATH's first packet. Returns 1, 0 when it has none, or -EIO with err filled. */
int capture_first_ts(const char *path, uint64_t *ts_ns, struct capture_error *err);

#endif
