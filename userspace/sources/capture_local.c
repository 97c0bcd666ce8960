/* The local host of a capture: given addresses, or a quick first pass counting who talks to
 * whom (headers only, no reassembly). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture_local.h"
#include "capture_reader.h"
#include "hash_map.h"

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

/* One address of the capture with its counts; peers are counted through the pair map. */
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

/* Both structs are bytes without padding, zeroed where the family does not use them. */
static uint64_t addr_key(const struct capture_addr *a)
{
	return hash_bytes(a, sizeof(*a));
}

static uint64_t pair_key(const struct addr_pair *pair)
{
	return hash_bytes(pair, sizeof(*pair));
}

struct infer_state {
	struct hash_map addrs, pairs; /* of struct addr_count, struct addr_pair */
	/* the last packet's ends: consecutive packets mostly share them, and then nothing needs
	 * looking up */
	struct capture_addr last_src, last_dst;
	struct addr_count *last_s, *last_d;
	struct addr_count *best;
	bool best_is_first_dst;
	struct capture_addr first_dst;
	bool have_first;
};

static struct addr_count *count_addr(struct infer_state *st, const struct capture_addr *a,
				     uint64_t number)
{
	uint64_t key = addr_key(a);
	struct addr_count *node;
	size_t pos = 0;

	while ((node = hash_map_find(&st->addrs, key, &pos)))
		if (!addr_cmp(&node->addr, a))
			return node;
	node = calloc(1, sizeof(*node));
	if (!node)
		return NULL;
	node->addr = *a;
	node->first_seen = number;
	if (hash_map_put(&st->addrs, key, node)) {
		free(node);
		return NULL;
	}
	return node;
}

static int count_packet(struct infer_state *st, const struct packet_l4 *l4, uint64_t number)
{
	struct capture_addr src = {.family = l4->family}, dst = {.family = l4->family};
	struct addr_count *s, *d;
	struct addr_pair pair = {0}, *found;
	size_t pos = 0;
	uint64_t key;

	memcpy(src.addr, l4->src_addr, 16);
	memcpy(dst.addr, l4->dst_addr, 16);
	if (!st->have_first) {
		st->first_dst = dst;
		st->have_first = true;
	}
	if (st->last_s && ((!addr_cmp(&src, &st->last_src) && !addr_cmp(&dst, &st->last_dst)) ||
			   (!addr_cmp(&src, &st->last_dst) && !addr_cmp(&dst, &st->last_src)))) {
		st->last_s->packets++; /* the pair was counted with the last packet */
		st->last_d->packets++;
		return 0;
	}
	s = count_addr(st, &src, number);
	d = count_addr(st, &dst, number);
	if (!s || !d)
		return -ENOMEM;
	st->last_src = src;
	st->last_dst = dst;
	st->last_s = s;
	st->last_d = d;
	s->packets++;
	d->packets++;
	if (!addr_cmp(&src, &dst))
		return 0;
	pair.a = addr_cmp(&src, &dst) < 0 ? src : dst;
	pair.b = addr_cmp(&src, &dst) < 0 ? dst : src;
	key = pair_key(&pair);
	while ((found = hash_map_find(&st->pairs, key, &pos)))
		if (!memcmp(found, &pair, sizeof(pair)))
			return 0;
	found = malloc(sizeof(*found));
	if (!found || hash_map_put(&st->pairs, key, found)) {
		free(found);
		return -ENOMEM;
	}
	*found = pair;
	s->peers++;
	d->peers++;
	return 0;
}

static bool better(const struct infer_state *st, const struct addr_count *a,
		   const struct addr_count *b)
{
	if (a->peers != b->peers)
		return a->peers > b->peers;
	if (a->packets != b->packets)
		return a->packets > b->packets;
	if (!addr_cmp(&a->addr, &st->first_dst) || !addr_cmp(&b->addr, &st->first_dst))
		return !addr_cmp(&a->addr, &st->first_dst);
	return addr_cmp(&a->addr, &b->addr) < 0; /* the map has no order: the lower address */
}

static void pick_best(struct infer_state *st)
{
	struct addr_count *c;
	size_t pos = 0;

	while ((c = hash_map_each(&st->addrs, &pos)))
		if (!st->best || better(st, c, st->best))
			st->best = c;
}

int capture_local_infer(struct capture_local *local, const char *const *paths, size_t n_paths,
			const uint16_t *ports, size_t n_ports,
			const struct packet_decode_options *decode)
{
	struct infer_state st = {0};
	uint64_t before = 0; /* packets of the files before: numbers go on across files */
	uint64_t sampled_bytes = 0;
	int rc = 0;

	for (size_t i = 0; i < n_paths && rc >= 0 && sampled_bytes < CAPTURE_LOCAL_SAMPLE_BYTES;
	     i++) {
		struct capture_reader *reader;
		struct capture_packet pkt;
		struct capture_error err;
		uint64_t numbered = 0;

		if (capture_open(&reader, paths[i], &err)) {
			rc = -EIO;
			break;
		}
		while (sampled_bytes < CAPTURE_LOCAL_SAMPLE_BYTES &&
		       (rc = capture_next(reader, &pkt, &err)) == 1) {
			struct packet_l4 l4;
			numbered = pkt.number;
			sampled_bytes += pkt.caplen;
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
	pick_best(&st);
	/* a file that breaks part way still names its local host from what came before */
	if (rc != -ENOMEM && st.best) {
		if (local->count < CAPTURE_LOCAL_MAX)
			local->addrs[local->count++] = st.best->addr;
		rc = 0;
	} else if (rc != -ENOMEM) {
		rc = st.have_first ? -EIO : -ENOENT;
	}
	hash_map_free_values(&st.addrs, free);
	hash_map_free_values(&st.pairs, free);
	return rc;
}
