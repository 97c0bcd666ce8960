/* pcapng files (draft-ietf-opsawg-pcapng) read block by block: sections in either byte order,
 * any number of interfaces per section, each with its own link type, snapshot length and time
 * resolution. Hand-written because libpcap 1.10 refuses a section whose interfaces differ in
 * link type or snapshot length (a capture on `any` plus an Ethernet interface, or Wireshark
 * with several interfaces); classic pcap stays with libpcap (capture_reader.c). */
#ifndef SIPTRAIL_PCAPNG_READER_H
#define SIPTRAIL_PCAPNG_READER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pcapng_format.h"

#define PCAPNG_MAGIC PCAPNG_BT_SHB
/* Far above any packet (snapshot lengths stop at 256 KiB) plus its options: a longer block is
 * a corrupt length, refused before anything is read into memory. */
#define PCAPNG_MAX_BLOCK_BYTES (64u << 20)
#define PCAPNG_MAX_INTERFACES  65536 /* per section */

struct pcapng_packet {
	uint64_t block_number; /* 1 for the file's first block (its Section Header Block) */
	uint64_t block_offset; /* byte offset of the block in the file */
	/* Since the Unix epoch. A Simple Packet Block carries no time: it gets the time of the
	 * packet before it (0 when it is the first). */
	uint64_t ts_ns;
	uint32_t section;   /* 0 for the file's first section */
	uint32_t interface; /* index of its Interface Description Block in the section */
	int linktype;	    /* DLT_* as libpcap names it (LINKTYPE_RAW becomes DLT_RAW) */
	const uint8_t *data;
	uint32_t caplen, wirelen;
	const char *comment; /* first opt_comment (UTF-8, not NUL-terminated), NULL if none */
	size_t comment_len;
};

struct pcapng_error {
	uint64_t block_number; /* the block that could not be read */
	uint64_t byte_offset;  /* where it starts */
	char why[384];	       /* "block 9 (Enhanced Packet Block): ...", ready to print */
};

struct pcapng_reader;

/* Reads the first block, which must be a Section Header Block, from FILE (at its start; the
 * reader never closes it). Returns 0, -EIO with err filled, or -ENOMEM. */
int pcapng_open(struct pcapng_reader **out, FILE *file, struct pcapng_error *err);
/* Returns 1 with *pkt filled (valid until the next call), 0 at the end of the file, -EIO or
 * -ENOMEM with err filled. Blocks without a packet are read and skipped. */
int pcapng_next(struct pcapng_reader *reader, struct pcapng_packet *pkt, struct pcapng_error *err);
void pcapng_close(struct pcapng_reader *reader);

#endif
