/* Open associations in a search tree keyed by their endpoint pair (in a fixed order, so both
 * directions find it), and in a list for the end of the capture. */
#include "sctp_assoc.h"
#include "sctp_chunk.h"

#include <search.h>
#include <stdlib.h>
#include <string.h>

struct assoc_key {
	uint8_t family, a_addr[16], b_addr[16];
	uint16_t a_port, b_port;
};

struct assoc_node {
	struct assoc_key key; /* first: the tree compares keys */
	struct sctp_assoc assoc;
	struct assoc_node *prev, *next;
};

struct sctp_assocs {
	const struct sctp_assoc_ops *ops;
	void *user;
	void *tree;
	struct assoc_node *head;
	size_t open;
	uint64_t next_id, dropped;
};

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct assoc_key));
}

static void key_make(struct assoc_key *key, const struct packet_l4 *pkt)
{
	int order = memcmp(pkt->src_addr, pkt->dst_addr, 16);
	bool swap = order > 0 || (order == 0 && pkt->src_port > pkt->dst_port);

	memset(key, 0, sizeof(*key));
	key->family = pkt->family;
	memcpy(key->a_addr, swap ? pkt->dst_addr : pkt->src_addr, 16);
	memcpy(key->b_addr, swap ? pkt->src_addr : pkt->dst_addr, 16);
	key->a_port = swap ? pkt->dst_port : pkt->src_port;
	key->b_port = swap ? pkt->src_port : pkt->dst_port;
}

struct sctp_assocs *sctp_assocs_new(const struct sctp_assoc_ops *ops, void *user)
{
	struct sctp_assocs *assocs = calloc(1, sizeof(*assocs));

	if (assocs) {
		assocs->ops = ops;
		assocs->user = user;
	}
	return assocs;
}

static void unlink_node(struct sctp_assocs *assocs, struct assoc_node *node)
{
	tdelete(&node->key, &assocs->tree, key_cmp);
	if (node->prev)
		node->prev->next = node->next;
	else
		assocs->head = node->next;
	if (node->next)
		node->next->prev = node->prev;
	assocs->open--;
	free(node);
}

void sctp_assocs_free(struct sctp_assocs *assocs)
{
	if (!assocs)
		return;
	while (assocs->head)
		unlink_node(assocs, assocs->head);
	free(assocs);
}

static void end_assoc(struct sctp_assocs *assocs, struct assoc_node *node,
		      enum sctp_end_reason reason, uint64_t ts_ns)
{
	if (assocs->ops->on_end)
		assocs->ops->on_end(assocs->user, &node->assoc, reason, ts_ns);
	unlink_node(assocs, node);
}

/* Which chunks a packet holds, and how much user data. */
struct packet_chunks {
	bool init, init_ack, data, shutdown, abort, shutdown_complete;
	uint64_t data_bytes;
};

static void read_chunks(const struct packet_l4 *pkt, struct packet_chunks *pc)
{
	struct sctp_chunks chunks = {pkt->payload, pkt->payload_len};
	struct sctp_chunk chunk;

	memset(pc, 0, sizeof(*pc));
	while (sctp_next_chunk(&chunks, &chunk)) {
		switch (chunk.type) {
		case SCTP_CHUNK_DATA:
			pc->data = true;
			pc->data_bytes +=
			    chunk.len > 12 ? chunk.len - 12 : 0; /* TSN, stream, PPID */
			break;
		case SCTP_CHUNK_INIT:
			pc->init = true;
			break;
		case SCTP_CHUNK_INIT_ACK:
			pc->init_ack = true;
			break;
		case SCTP_CHUNK_SHUTDOWN:
			pc->shutdown = true;
			break;
		case SCTP_CHUNK_ABORT:
			pc->abort = true;
			break;
		case SCTP_CHUNK_SHUTDOWN_COMPLETE:
			pc->shutdown_complete = true;
			break;
		}
	}
}

static struct assoc_node *start(struct sctp_assocs *assocs, const struct assoc_key *key,
				const struct packet_l4 *pkt, const struct packet_chunks *pc,
				uint64_t ts_ns)
{
	struct assoc_node *node;
	/* the INIT ACK's receiver sent the INIT; otherwise the sender opened it */
	bool from_opener = !pc->init_ack || pc->init;

	if (assocs->open >= SCTP_ASSOC_MAX_OPEN) {
		assocs->dropped++;
		return NULL;
	}
	node = calloc(1, sizeof(*node));
	if (!node)
		return NULL;
	node->key = *key;
	if (!tsearch(&node->key, &assocs->tree, key_cmp)) {
		free(node);
		return NULL;
	}
	node->next = assocs->head;
	if (assocs->head)
		assocs->head->prev = node;
	assocs->head = node;
	assocs->open++;
	node->assoc.id = ++assocs->next_id;
	node->assoc.family = pkt->family;
	memcpy(node->assoc.end[!from_opener].addr, pkt->src_addr, 16);
	node->assoc.end[!from_opener].port = pkt->src_port;
	memcpy(node->assoc.end[from_opener].addr, pkt->dst_addr, 16);
	node->assoc.end[from_opener].port = pkt->dst_port;
	node->assoc.opener_known = pc->init || pc->init_ack;
	node->assoc.first_ts_ns = ts_ns;
	node->assoc.first_closer = -1;
	if (assocs->ops->on_open)
		assocs->ops->on_open(assocs->user, &node->assoc, ts_ns);
	return node;
}

static void set_first(uint64_t *ts, uint64_t ts_ns)
{
	if (!*ts)
		*ts = ts_ns;
}

uint64_t sctp_assocs_packet(struct sctp_assocs *assocs, const struct packet_l4 *pkt, uint64_t ts_ns)
{
	struct packet_chunks pc;
	struct assoc_key key;
	struct assoc_node *node;
	struct sctp_assoc *a;
	void *found;
	int side;
	uint64_t id;

	read_chunks(pkt, &pc);
	key_make(&key, pkt);
	found = tfind(&key, &assocs->tree, key_cmp);
	node = found ? *(struct assoc_node **)found : NULL;
	if (!node && !(pc.init || pc.init_ack || pc.data))
		return 0;
	if (!node && !(node = start(assocs, &key, pkt, &pc, ts_ns)))
		return 0;
	a = &node->assoc;
	id = a->id;
	side = a->end[SCTP_SIDE_OPENER].port == pkt->src_port &&
		       !memcmp(a->end[SCTP_SIDE_OPENER].addr, pkt->src_addr, 16)
		   ? SCTP_SIDE_OPENER
		   : SCTP_SIDE_ACCEPTER;
	if (pc.init && side == SCTP_SIDE_OPENER)
		set_first(&a->init_ts_ns, ts_ns);
	if (pc.init_ack && side == SCTP_SIDE_ACCEPTER)
		set_first(&a->init_ack_ts_ns, ts_ns);
	if (pc.data) {
		a->bytes[side] += pc.data_bytes;
		a->last_data_ts_ns = ts_ns;
	}
	if (pc.shutdown)
		set_first(&a->shutdown_ts_ns[side], ts_ns);
	if (pc.abort)
		set_first(&a->abort_ts_ns[side], ts_ns);
	if ((pc.shutdown || pc.abort) && a->first_closer < 0) {
		a->first_closer = side;
		a->first_close_ts_ns = ts_ns;
	}
	if (pc.abort)
		end_assoc(assocs, node, SCTP_END_ABORT, ts_ns);
	else if (pc.shutdown_complete)
		end_assoc(assocs, node, SCTP_END_SHUTDOWN, ts_ns);
	return id;
}

void sctp_assocs_finish(struct sctp_assocs *assocs, uint64_t ts_ns)
{
	while (assocs->head)
		end_assoc(assocs, assocs->head, SCTP_END_CAPTURE_END, ts_ns);
}

uint64_t sctp_assocs_dropped(const struct sctp_assocs *assocs)
{
	return assocs->dropped;
}
