/* A small table of datagrams in progress, each a 64 KiB buffer and a list of received ranges. */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ip_defrag.h"

#define MAX_DATAGRAM  65535
#define MAX_FRAGMENTS 64 /* 64 KiB in fragments of at least 1 KiB; more is not a real path */

struct range {
	uint32_t start, end;
};

struct datagram {
	bool used;
	uint8_t family, protocol;
	uint8_t src[16], dst[16];
	uint32_t id;
	uint64_t first_ts_ns;
	uint32_t total_len; /* known once the last fragment (no M flag) came; 0 until then */
	struct range ranges[MAX_FRAGMENTS];
	unsigned n_ranges;
	uint8_t *data; /* MAX_DATAGRAM bytes */
};

struct ip_defrag {
	struct datagram slots[IP_DEFRAG_MAX_DATAGRAMS];
	uint8_t *done; /* the last completed datagram, handed out */
	struct ip_defrag_stats stats;
	struct packet_decode_options options;
};

struct ip_defrag *ip_defrag_new(const struct packet_decode_options *options)
{
	struct ip_defrag *defrag = calloc(1, sizeof(struct ip_defrag));

	if (defrag && options)
		defrag->options = *options;
	return defrag;
}

void ip_defrag_free(struct ip_defrag *defrag)
{
	if (!defrag)
		return;
	for (unsigned i = 0; i < IP_DEFRAG_MAX_DATAGRAMS; i++)
		free(defrag->slots[i].data);
	free(defrag->done);
	free(defrag);
}

static bool same_datagram(const struct datagram *d, const struct packet_l4 *f)
{
	size_t alen = f->family == AF_INET6 ? 16 : 4;
	return d->used && d->family == f->family && d->id == f->fragment.id &&
	       d->protocol == f->fragment.protocol && !memcmp(d->src, f->src_addr, alen) &&
	       !memcmp(d->dst, f->dst_addr, alen);
}

static void drop(struct datagram *d)
{
	d->used = false;
	d->n_ranges = 0;
	d->total_len = 0;
}

/* Finds the datagram, ageing out old ones; a new one takes a free slot or the oldest. */
static struct datagram *find_slot(struct ip_defrag *defrag, const struct packet_l4 *f,
				  uint64_t ts_ns)
{
	struct datagram *free_slot = NULL, *oldest = NULL;

	for (unsigned i = 0; i < IP_DEFRAG_MAX_DATAGRAMS; i++) {
		struct datagram *d = &defrag->slots[i];
		if (d->used && d->first_ts_ns + IP_DEFRAG_TIMEOUT_NS < ts_ns) {
			drop(d);
			defrag->stats.dropped_timeout++;
		}
		if (same_datagram(d, f))
			return d;
		if (!d->used && !free_slot)
			free_slot = d;
		if (d->used && (!oldest || d->first_ts_ns < oldest->first_ts_ns))
			oldest = d;
	}
	if (!free_slot) {
		drop(oldest);
		defrag->stats.dropped_full++;
		free_slot = oldest;
	}
	if (!free_slot->data && !(free_slot->data = malloc(MAX_DATAGRAM)))
		return NULL;
	free_slot->used = true;
	free_slot->family = f->family;
	free_slot->protocol = f->fragment.protocol;
	memcpy(free_slot->src, f->src_addr, 16);
	memcpy(free_slot->dst, f->dst_addr, 16);
	free_slot->id = f->fragment.id;
	free_slot->first_ts_ns = ts_ns;
	return free_slot;
}

/* Adds [start, end); false when it overlaps what is there (RFC 5722) or there are too many. */
static bool add_range(struct datagram *d, uint32_t start, uint32_t end)
{
	unsigned i = 0;

	while (i < d->n_ranges && d->ranges[i].start < start)
		i++;
	if ((i > 0 && d->ranges[i - 1].end > start) ||
	    (i < d->n_ranges && d->ranges[i].start < end))
		return false;
	if (d->n_ranges == MAX_FRAGMENTS)
		return false;
	memmove(&d->ranges[i + 1], &d->ranges[i], (d->n_ranges - i) * sizeof(d->ranges[0]));
	d->ranges[i] = (struct range){start, end};
	d->n_ranges++;
	return true;
}

static bool complete(const struct datagram *d)
{
	uint32_t at = 0;

	if (!d->total_len)
		return false;
	for (unsigned i = 0; i < d->n_ranges; i++) {
		if (d->ranges[i].start != at)
			return false;
		at = d->ranges[i].end;
	}
	return at == d->total_len;
}

enum packet_status ip_defrag_add(struct ip_defrag *defrag, const struct packet_l4 *f,
				 uint64_t ts_ns, struct packet_l4 *out)
{
	uint32_t start = f->fragment.offset, end = start + (uint32_t)f->fragment.len;
	struct datagram *d;
	uint8_t *whole;
	uint32_t d_len;

	defrag->stats.fragments++;
	if (end > MAX_DATAGRAM || (f->fragment.more && f->fragment.len % 8))
		return PACKET_MALFORMED; /* RFC 791: all but the last carry multiples of 8 */
	d = find_slot(defrag, f, ts_ns);
	if (!d)
		return PACKET_FRAGMENT; /* out of memory: the datagram is lost, like a drop */
	if (!add_range(d, start, end) || (d->total_len && end > d->total_len) ||
	    (!f->fragment.more && d->n_ranges && d->ranges[d->n_ranges - 1].end > end)) {
		drop(d);
		defrag->stats.dropped_overlap++;
		return PACKET_FRAGMENT;
	}
	memcpy(d->data + start, f->fragment.data, f->fragment.len);
	if (!f->fragment.more)
		d->total_len = end;
	if (!complete(d))
		return PACKET_FRAGMENT;
	/* hand the buffer out and keep a fresh one for the slot */
	d_len = d->total_len;
	whole = d->data;
	d->data = defrag->done;
	defrag->done = whole;
	drop(d);
	defrag->stats.reassembled++;
	*out = *f;
	memset(&out->fragment, 0, sizeof(out->fragment));
	return packet_decode_transport(f->fragment.protocol, whole, d_len, d_len, &defrag->options,
				       out);
}

void ip_defrag_get_stats(const struct ip_defrag *defrag, struct ip_defrag_stats *stats)
{
	*stats = defrag->stats;
}
