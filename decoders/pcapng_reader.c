/* pcapng block by block (draft-ietf-opsawg-pcapng §3-§4, Appendix A). Each block is read whole
 * into one buffer and its leading and trailing lengths checked; then its fields are read with
 * bounds against that length. Blocks without packets that siptrail does not use (Name
 * Resolution, Interface Statistics, Decryption Secrets, Custom, unknown types) are read and
 * skipped: §3.2 lets a reader skip any block type it does not know. */
#include "pcapng_reader.h"
#include "pcapng_format.h"

#include <errno.h>
#include <pcap/dlt.h>
#include <sanitizer/asan_interface.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_MIN_BYTES	   12 /* type, length, trailing length */
#define LINKTYPE_RAW	   101
#define NS_PER_S	   1000000000ull
#define FIRST_BUFFER_BYTES 2048 /* grows to the largest block of the file */

struct interface {
	int linktype;
	uint32_t snaplen;     /* 0: no limit */
	uint8_t tsresol;      /* if_tsresol: bit 7 clear 10^-n s, set 2^-n s (§4.2) */
	uint64_t ns_per_unit; /* 10^(9-n) for 10^-n with n <= 9; 0 otherwise */
	int64_t tsoffset_s;   /* if_tsoffset: seconds added to every time (§4.2) */
};

struct pcapng_reader {
	FILE *file;
	uint8_t *block; /* the current block, whole */
	size_t block_cap;
	bool swap; /* the section's byte order is not ours */
	uint32_t sections;
	struct interface *interfaces; /* of the current section */
	uint32_t n_interfaces, interfaces_cap;
	uint64_t blocks_read, next_offset;
	uint64_t last_ts_ns;
};

struct block {
	uint64_t number, offset;
	bool type_known;
	uint32_t type, length;
	const uint8_t *body; /* between the leading length and the trailing one */
	uint32_t body_len;
};

static uint16_t get16(const struct pcapng_reader *r, const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return r->swap ? __builtin_bswap16(v) : v;
}

static uint32_t get32(const struct pcapng_reader *r, const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return r->swap ? __builtin_bswap32(v) : v;
}

static uint64_t get64(const struct pcapng_reader *r, const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return r->swap ? __builtin_bswap64(v) : v;
}

static const char *block_name(uint32_t type, char *buf, size_t len)
{
	switch (type) {
	case PCAPNG_BT_SHB:
		return "Section Header Block";
	case PCAPNG_BT_IDB:
		return "Interface Description Block";
	case PCAPNG_BT_PB:
		return "Packet Block";
	case PCAPNG_BT_SPB:
		return "Simple Packet Block";
	case PCAPNG_BT_NRB:
		return "Name Resolution Block";
	case PCAPNG_BT_ISB:
		return "Interface Statistics Block";
	case PCAPNG_BT_EPB:
		return "Enhanced Packet Block";
	case PCAPNG_BT_DSB:
		return "Decryption Secrets Block";
	case PCAPNG_BT_CB:
	case PCAPNG_BT_DCB:
		return "Custom Block";
	}
	snprintf(buf, len, "type 0x%08x", type);
	return buf;
}

/* Fills err for block b: "block 9 (Enhanced Packet Block): " and the reason. Returns -EIO. */
static int fail(struct pcapng_error *err, const struct block *b, const char *fmt, ...)
{
	char name[32];
	va_list ap;
	int n;

	err->block_number = b->number;
	err->byte_offset = b->offset;
	if (b->type_known)
		n = snprintf(err->why, sizeof(err->why),
			     "block %llu (%s): ", (unsigned long long)b->number,
			     block_name(b->type, name, sizeof(name)));
	else
		n = snprintf(err->why, sizeof(err->why),
			     "block %llu: ", (unsigned long long)b->number);
	va_start(ap, fmt);
	vsnprintf(err->why + n, sizeof(err->why) - (size_t)n, fmt, ap);
	va_end(ap);
	return -EIO;
}

/* A short read of block b: got of its first want bytes are there. */
static int read_error(struct pcapng_reader *r, struct pcapng_error *err, const struct block *b,
		      size_t got, size_t want)
{
	if (ferror(r->file))
		return fail(err, b, "read error: %s", strerror(errno ? errno : EIO));
	if (want == b->length)
		return fail(err, b, "length %u runs past the end of the file (%zu bytes left)",
			    b->length, got);
	return fail(err, b, "the file ends %zu bytes into its %zu-byte header", got, want);
}

/* Reads the rest of block b (have bytes are in r->block), growing the buffer as bytes arrive,
 * so a corrupt length costs at most twice the memory of what the file really holds. */
static int read_rest(struct pcapng_reader *r, const struct block *b, size_t have,
		     struct pcapng_error *err)
{
	while (have < b->length) {
		if (have == r->block_cap) {
			size_t cap = r->block_cap * 2 < b->length ? r->block_cap * 2 : b->length;
			uint8_t *grown = realloc(r->block, cap);
			if (!grown) {
				fail(err, b, "out of memory for %u bytes", b->length);
				return -ENOMEM;
			}
			r->block = grown;
			r->block_cap = cap;
		}
		size_t want = (b->length < r->block_cap ? b->length : r->block_cap) - have;
		size_t got = fread(r->block + have, 1, want, r->file);
		if (got < want)
			return read_error(r, err, b, have + got, b->length);
		have += got;
	}
	return 0;
}

/* Reads the next block whole into r->block (§3.1). Returns 1, 0 at the end of the file
 * between blocks, -EIO or -ENOMEM. */
static int read_block(struct pcapng_reader *r, struct block *b, struct pcapng_error *err)
{
	uint8_t *head = r->block;
	uint32_t raw_type = 0, magic, trailing;
	size_t have;
	int rc;

	ASAN_UNPOISON_MEMORY_REGION(r->block, r->block_cap);
	have = fread(head, 1, 8, r->file);
	memset(b, 0, sizeof(*b));
	b->number = r->blocks_read + 1;
	b->offset = r->next_offset;
	if (have == 0 && !ferror(r->file))
		return 0;
	if (have >= 4) { /* an SHB's type reads the same in both byte orders */
		memcpy(&raw_type, head, 4);
		b->type = raw_type == PCAPNG_BT_SHB ? PCAPNG_BT_SHB : get32(r, head);
		b->type_known = true;
	}
	if (have < 8)
		return read_error(r, err, b, have, 8);
	if (raw_type == PCAPNG_BT_SHB) {
		/* §4.1: the byte-order magic after the length says how the section is read */
		have += fread(head + 8, 1, 4, r->file);
		if (have < 12)
			return read_error(r, err, b, have, 12);
		memcpy(&magic, head + 8, 4);
		if (magic != PCAPNG_BYTE_ORDER_MAGIC &&
		    magic != __builtin_bswap32(PCAPNG_BYTE_ORDER_MAGIC))
			return fail(err, b,
				    "byte-order magic 0x%08x is not 0x1a2b3c4d in either order",
				    magic);
		r->swap = magic != PCAPNG_BYTE_ORDER_MAGIC;
	}
	b->length = get32(r, head + 4);
	if (b->length < BLOCK_MIN_BYTES)
		return fail(err, b, "length %u is shorter than a block's header and trailer (12)",
			    b->length);
	if (b->length % 4)
		return fail(err, b, "length %u is not a multiple of 4", b->length);
	if (b->length > PCAPNG_MAX_BLOCK_BYTES)
		return fail(err, b, "length %u is over the limit of %u bytes", b->length,
			    PCAPNG_MAX_BLOCK_BYTES);
	rc = read_rest(r, b, have, err);
	if (rc)
		return rc;
	trailing = get32(r, r->block + b->length - 4);
	if (trailing != b->length)
		return fail(err, b, "trailing length %u differs from the leading length %u",
			    trailing, b->length);
	/* under ASan, a read past the block into the rest of the buffer is reported */
	ASAN_POISON_MEMORY_REGION(r->block + b->length, r->block_cap - b->length);
	b->body = r->block + 8;
	b->body_len = b->length - BLOCK_MIN_BYTES;
	r->blocks_read++;
	r->next_offset += b->length;
	return 1;
}

static int need_fixed(struct pcapng_error *err, const struct block *b, uint32_t fixed_len)
{
	if (b->body_len >= fixed_len)
		return 0;
	return fail(err, b, "length %u is shorter than its fixed fields (%u)", b->length,
		    fixed_len + BLOCK_MIN_BYTES);
}

struct option {
	uint16_t code, len;
	const uint8_t *value;
};

/* The next option of block b in opts[*pos, len) (§3.5: code, length, value padded to 32 bits).
 * Returns 1 with *opt, 0 at opt_endofopt or the end of the options, -EIO when one runs past
 * the end of the block. */
static int next_option(const struct pcapng_reader *r, const struct block *b, const uint8_t *opts,
		       size_t len, size_t *pos, struct option *opt, struct pcapng_error *err)
{
	if (*pos + 4 > len)
		return 0;
	opt->code = get16(r, opts + *pos);
	opt->len = get16(r, opts + *pos + 2);
	if (opt->code == PCAPNG_OPT_ENDOFOPT)
		return 0;
	/* options start 32-bit aligned in a block whose length is a multiple of 4, so the value
	 * fits with its padding exactly when it fits without */
	if (opt->len > len - *pos - 4)
		return fail(err, b, "option %u at byte offset %llu: length %u runs past the block",
			    opt->code,
			    (unsigned long long)(b->offset + (size_t)(opts - r->block) + *pos),
			    opt->len);
	opt->value = opts + *pos + 4;
	*pos += 4 + (((size_t)opt->len + 3) & ~(size_t)3);
	return 1;
}

/* §4.1: a new section; its interfaces are numbered from 0 again. */
static int read_section(struct pcapng_reader *r, const struct block *b, struct pcapng_error *err)
{
	uint16_t major, minor;
	int rc = need_fixed(err, b, 16);

	if (rc)
		return rc;
	major = get16(r, b->body + 4);
	minor = get16(r, b->body + 6);
	if (major != 1)
		return fail(err, b, "version %u.%u: only version 1 is read", major, minor);
	/* The section length that follows is only a hint for skipping a section: blocks are read
	 * in order, so it is not needed (and is -1, unknown, when written by a live capture). */
	r->sections++;
	r->n_interfaces = 0;
	return 0;
}

/* pcapng carries LINKTYPE_* values; packet_decode wants libpcap's DLT_* ones. Among the link
 * types it decodes, only LINKTYPE_RAW differs (libpcap's pcap-common.c linktype_to_dlt). */
static int linktype_to_dlt(uint16_t linktype)
{
	return linktype == LINKTYPE_RAW ? DLT_RAW : linktype;
}

/* 10^exp, or 0 when it does not fit in 64 bits. */
static uint64_t pow10_u64(unsigned exp)
{
	uint64_t v = 1;
	if (exp > 19)
		return 0;
	while (exp--)
		v *= 10;
	return v;
}

static int read_interface(struct pcapng_reader *r, const struct block *b, struct pcapng_error *err)
{
	struct interface in = {.tsresol = 6};
	struct option opt;
	size_t pos = 0;
	int rc = need_fixed(err, b, 8);

	if (rc)
		return rc;
	if (r->n_interfaces == PCAPNG_MAX_INTERFACES)
		return fail(err, b, "more than %u interfaces in one section",
			    PCAPNG_MAX_INTERFACES);
	in.linktype = linktype_to_dlt(get16(r, b->body));
	in.snaplen = get32(r, b->body + 4);
	while ((rc = next_option(r, b, b->body + 8, b->body_len - 8, &pos, &opt, err)) == 1) {
		if (opt.code == PCAPNG_IF_TSRESOL) {
			if (opt.len != 1)
				return fail(err, b, "if_tsresol of %u bytes (1 expected)", opt.len);
			in.tsresol = opt.value[0];
		} else if (opt.code == PCAPNG_IF_TSOFFSET) {
			if (opt.len != 8)
				return fail(err, b, "if_tsoffset of %u bytes (8 expected)",
					    opt.len);
			in.tsoffset_s = (int64_t)get64(r, opt.value);
		}
	}
	if (rc)
		return rc;
	if (!(in.tsresol & 0x80) && in.tsresol <= 9)
		in.ns_per_unit = pow10_u64(9 - in.tsresol);
	if (r->n_interfaces == r->interfaces_cap) {
		uint32_t cap = r->interfaces_cap ? r->interfaces_cap * 2 : 4;
		struct interface *grown = realloc(r->interfaces, cap * sizeof(*grown));
		if (!grown) {
			fail(err, b, "out of memory for %u interfaces", cap);
			return -ENOMEM;
		}
		r->interfaces = grown;
		r->interfaces_cap = cap;
	}
	r->interfaces[r->n_interfaces++] = in;
	return 0;
}

/* A timestamp in the interface's units as nanoseconds since the epoch: exact down to 1 ns,
 * truncated below it; clamped to 1970 .. April 2262, what a signed 64-bit count holds, as the
 * journal's JSON integers do (a later time would not read back). */
static uint64_t time_ns(const struct interface *in, uint64_t units)
{
	unsigned exp = in->tsresol & 0x7f;
	__int128 ns;

	if (in->ns_per_unit) {
		ns = (__int128)units * in->ns_per_unit;
	} else if (in->tsresol & 0x80) {
		ns = (__int128)(((unsigned __int128)units * NS_PER_S) >> exp);
	} else {
		uint64_t units_per_ns = pow10_u64(exp - 9);
		ns = units_per_ns ? units / units_per_ns : 0;
	}
	ns += (__int128)in->tsoffset_s * (__int128)NS_PER_S;
	if (ns < 0)
		return 0;
	return ns > (__int128)INT64_MAX ? (uint64_t)INT64_MAX : (uint64_t)ns;
}

static void packet_base(struct pcapng_reader *r, const struct block *b, uint32_t interface,
			struct pcapng_packet *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->block_number = b->number;
	pkt->block_offset = b->offset;
	pkt->section = r->sections - 1;
	pkt->interface = interface;
	pkt->linktype = r->interfaces[interface].linktype;
}

/* Enhanced Packet Block (§4.3) and the obsolete Packet Block (Appendix A): the same fields
 * after the interface, which the older block keeps in 16 bits next to a drop count. */
static int read_packet(struct pcapng_reader *r, const struct block *b, struct pcapng_packet *pkt,
		       struct pcapng_error *err)
{
	const uint8_t *p = b->body;
	uint32_t interface, caplen, room;
	uint64_t padded_len;
	struct option opt;
	size_t pos = 0;
	int rc = need_fixed(err, b, 20);

	if (rc)
		return rc;
	interface = b->type == PCAPNG_BT_EPB ? get32(r, p) : get16(r, p);
	caplen = get32(r, p + 12);
	room = b->body_len - 20;
	padded_len = ((uint64_t)caplen + 3) & ~(uint64_t)3;
	if (interface >= r->n_interfaces)
		return fail(err, b, "interface %u is not described in its section (%u are)",
			    interface, r->n_interfaces);
	if (padded_len > room)
		return fail(err, b, "captured length %u runs past the block (room for %u)", caplen,
			    room);
	packet_base(r, b, interface, pkt);
	pkt->ts_ns =
	    time_ns(&r->interfaces[interface], (uint64_t)get32(r, p + 4) << 32 | get32(r, p + 8));
	pkt->data = p + 20;
	pkt->caplen = caplen;
	pkt->wirelen = get32(r, p + 16);
	while ((rc = next_option(r, b, p + 20 + padded_len, room - padded_len, &pos, &opt, err)) ==
	       1) {
		if (opt.code == PCAPNG_OPT_COMMENT && !pkt->comment) {
			pkt->comment = (const char *)opt.value;
			pkt->comment_len = opt.len;
		}
	}
	if (rc)
		return rc;
	r->last_ts_ns = pkt->ts_ns;
	return 1;
}

/* Simple Packet Block (§4.4): interface 0, no time, no options. What was captured is the
 * original length cut to interface 0's snapshot length; the block must hold that much. */
static int read_simple_packet(struct pcapng_reader *r, const struct block *b,
			      struct pcapng_packet *pkt, struct pcapng_error *err)
{
	uint32_t wirelen, snaplen, caplen;
	int rc = need_fixed(err, b, 4);

	if (rc)
		return rc;
	if (!r->n_interfaces)
		return fail(err, b, "no interface is described before it in its section");
	wirelen = get32(r, b->body);
	snaplen = r->interfaces[0].snaplen;
	caplen = snaplen && snaplen < wirelen ? snaplen : wirelen;
	if (caplen > b->body_len - 4)
		return fail(err, b,
			    "original length %u (snapshot length %u) runs past the block "
			    "(room for %u)",
			    wirelen, snaplen, b->body_len - 4);
	packet_base(r, b, 0, pkt);
	pkt->ts_ns = r->last_ts_ns;
	pkt->data = b->body + 4;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen;
	return 1;
}

int pcapng_next(struct pcapng_reader *r, struct pcapng_packet *pkt, struct pcapng_error *err)
{
	struct block b;
	int rc;

	for (;;) {
		rc = read_block(r, &b, err);
		if (rc <= 0)
			return rc;
		switch (b.type) {
		case PCAPNG_BT_SHB:
			rc = read_section(r, &b, err);
			break;
		case PCAPNG_BT_IDB:
			rc = read_interface(r, &b, err);
			break;
		case PCAPNG_BT_EPB:
		case PCAPNG_BT_PB:
			return read_packet(r, &b, pkt, err);
		case PCAPNG_BT_SPB:
			return read_simple_packet(r, &b, pkt, err);
		default: /* NRB, ISB, DSB, custom and unknown blocks: nothing siptrail uses */
			rc = 0;
			break;
		}
		if (rc)
			return rc;
	}
}

int pcapng_open(struct pcapng_reader **out, FILE *file, struct pcapng_error *err)
{
	struct pcapng_reader *r = calloc(1, sizeof(*r));
	struct block b;
	int rc;

	*out = NULL;
	if (r)
		r->block = malloc(FIRST_BUFFER_BYTES);
	if (!r || !r->block) {
		free(r);
		memset(err, 0, sizeof(*err));
		snprintf(err->why, sizeof(err->why), "out of memory");
		return -ENOMEM;
	}
	r->file = file;
	r->block_cap = FIRST_BUFFER_BYTES;
	rc = read_block(r, &b, err);
	if (rc == 0)
		rc = fail(err, &b, "the file is empty");
	else if (rc == 1 && b.type != PCAPNG_BT_SHB)
		rc = fail(err, &b, "the file does not start with a Section Header Block");
	else if (rc == 1)
		rc = read_section(r, &b, err);
	if (rc) {
		pcapng_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

void pcapng_close(struct pcapng_reader *r)
{
	if (!r)
		return;
	free(r->interfaces);
	free(r->block);
	free(r);
}
