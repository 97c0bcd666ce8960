/* The local host of a capture: given addresses, or a quick first pass counting who talks to
 * whom (headers only, no reassembly). */
#include <arpa/inet.h>
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture_local.h"
#include "capture_reader.h"

int capture_local_add(struct capture_local *local, const char *text)
{
	struct capture_addr a = {0};

	if (inet_pton(AF_INET, text, a.addr) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, text, a.addr) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	if (local->count == CAPTURE_LOCAL_MAX)
		return -ENOSPC;
	local->addrs[local->count++] = a;
	return 0;
}

static bool addr_equal(const struct capture_addr *a, uint8_t family, const uint8_t addr[16])
{
	return a->family == family && !memcmp(a->addr, addr, family == AF_INET ? 4 : 16);
}

bool capture_local_has(const struct capture_local *local, uint8_t family, const uint8_t addr[16])
{
	for (size_t i = 0; i < local->count; i++)
		if (addr_equal(&local->addrs[i], family, addr))
			return true;
	return false;
}

bool capture_ports_match(const uint16_t *ports, size_t n_ports, uint16_t a, uint16_t b)
{
	if (!n_ports)
		return true;
	for (size_t i = 0; i < n_ports; i++)
		if (ports[i] == a || ports[i] == b)
			return true;
	return false;
}

/* One address of the capture with its counts; peers are counted through the pair tree. */
struct addr_count {
	struct capture_addr addr;
	uint64_t packets, peers;
	uint64_t first_seen; /* packet number, for stable order */
};

struct addr_pair {
	struct capture_addr a, b; /* a < b */
};

static int addr_cmp(const void *x, const void *y)
{
	const struct capture_addr *a = x, *b = y;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

static int pair_cmp(const void *x, const void *y)
{
	const struct addr_pair *a = x, *b = y;
	int rc = addr_cmp(&a->a, &b->a);
	return rc ? rc : addr_cmp(&a->b, &b->b);
}

struct infer_state {
	void *addrs, *pairs;
	struct addr_count *best;
	bool best_is_first_dst;
	struct capture_addr first_dst;
	bool have_first;
};

static struct addr_count *count_addr(struct infer_state *st, const struct capture_addr *a,
				     uint64_t number)
{
	struct addr_count key = {.addr = *a}, **found;
	struct addr_count *node;

	found = tfind(&key, &st->addrs, addr_cmp);
	if (found)
		return *found;
	node = calloc(1, sizeof(*node));
	if (!node)
		return NULL;
	*node = key;
	node->first_seen = number;
	if (!tsearch(node, &st->addrs, addr_cmp)) {
		free(node);
		return NULL;
	}
	return node;
}

static int count_packet(struct infer_state *st, const struct packet_l4 *l4, uint64_t number)
{
	struct capture_addr src = {.family = l4->family}, dst = {.family = l4->family};
	struct addr_count *s, *d;
	struct addr_pair *pair;
	void *slot;

	memcpy(src.addr, l4->src_addr, 16);
	memcpy(dst.addr, l4->dst_addr, 16);
	if (!st->have_first) {
		st->first_dst = dst;
		st->have_first = true;
	}
	s = count_addr(st, &src, number);
	d = count_addr(st, &dst, number);
	if (!s || !d)
		return -ENOMEM;
	s->packets++;
	d->packets++;
	if (!addr_cmp(&src, &dst))
		return 0;
	pair = malloc(sizeof(*pair));
	if (!pair)
		return -ENOMEM;
	pair->a = addr_cmp(&src, &dst) < 0 ? src : dst;
	pair->b = addr_cmp(&src, &dst) < 0 ? dst : src;
	slot = tsearch(pair, &st->pairs, pair_cmp);
	if (!slot) {
		free(pair);
		return -ENOMEM;
	}
	if (*(struct addr_pair **)slot != pair) {
		free(pair);
		return 0;
	}
	s->peers++;
	d->peers++;
	return 0;
}

/* twalk has no context argument: the walk runs on one thread at a time per process here. */
static __thread struct infer_state *walk_state;

static bool better(const struct infer_state *st, const struct addr_count *a,
		   const struct addr_count *b)
{
	if (a->peers != b->peers)
		return a->peers > b->peers;
	if (a->packets != b->packets)
		return a->packets > b->packets;
	return addr_cmp(&a->addr, &st->first_dst) == 0;
}

static void pick_best(const void *node, VISIT which, int depth)
{
	struct addr_count *c = *(struct addr_count *const *)node;
	(void)depth;
	if (which != postorder && which != leaf)
		return;
	if (!walk_state->best || better(walk_state, c, walk_state->best))
		walk_state->best = c;
}

int capture_local_infer(struct capture_local *local, const char *const *paths, size_t n_paths,
			const uint16_t *ports, size_t n_ports,
			const struct packet_decode_options *decode)
{
	struct infer_state st = {0};
	uint64_t before = 0; /* packets of the files before: numbers go on across files */
	int rc = 0;

	for (size_t i = 0; i < n_paths && rc >= 0; i++) {
		struct capture_reader *reader;
		struct capture_packet pkt;
		struct capture_error err;
		uint64_t numbered = 0;

		if (capture_open(&reader, paths[i], &err)) {
			rc = -EIO;
			break;
		}
		while ((rc = capture_next(reader, &pkt, &err)) == 1) {
			struct packet_l4 l4;
			numbered = pkt.number;
			if (packet_decode(pkt.linktype, pkt.data, pkt.caplen, decode, &l4) !=
				PACKET_OK ||
			    !capture_ports_match(ports, n_ports, l4.src_port, l4.dst_port))
				continue;
			if ((rc = count_packet(&st, &l4, before + pkt.number)))
				break;
		}
		before += numbered;
		capture_close(reader);
	}
	walk_state = &st;
	if (st.addrs)
		twalk(st.addrs, pick_best);
	/* a file that breaks part way still names its local host from what came before */
	if (rc != -ENOMEM && st.best) {
		if (local->count < CAPTURE_LOCAL_MAX)
			local->addrs[local->count++] = st.best->addr;
		rc = 0;
	} else if (rc != -ENOMEM) {
		rc = st.have_first ? -EIO : -ENOENT;
	}
	tdestroy(st.addrs, free);
	tdestroy(st.pairs, free);
	return rc;
}
