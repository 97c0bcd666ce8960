/* TCP reassembly (RFC 9293 sequence space, modulo 2^32). Connections live in a hash table keyed
 * by the unordered pair of endpoints; ended connections stay (so late ACKs and retransmissions
 * do not start phantom connections) until a new SYN or the table needs their slot. */
#include "tcp_reassembly.h"

#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_CONNS	   65536
#define DEFAULT_MAX_BUFFERED_BYTES (1024 * 1024)

struct segment {
	struct segment *next;
	uint32_t seq;
	uint32_t len;
	uint64_t ts_ns;
	uint8_t data[];
};

struct side_state {
	bool seq_known;
	bool fin_seen;
	uint32_t isn;
	uint32_t next_seq; /* first byte not yet delivered or reported missing */
	uint32_t fin_seq;
	struct segment *pending; /* out of order, sorted by seq relative to next_seq */
	size_t pending_bytes;
};

struct flow {
	struct tcp_conn conn;
	struct side_state side[2];
	bool ended;
	size_t end_rank; /* tcp_reasm_finish's order: see end_rank_of */
	struct flow *hash_next;
	struct flow *ended_prev, *ended_next;
};

struct tcp_reasm {
	struct tcp_reasm_limits limits;
	const struct tcp_reasm_ops *ops;
	void *user;
	struct flow **buckets;
	size_t bucket_mask;
	size_t flow_count;
	struct flow *ended_head, *ended_tail; /* oldest first */
	uint64_t last_id;
	struct tcp_reasm_stats stats;
};

static int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

static bool endpoint_eq(const struct tcp_endpoint *e, const uint8_t addr[16], uint16_t port)
{
	return e->port == port && memcmp(e->addr, addr, 16) == 0;
}

/* One end's share of the table's hash: two 8-byte loads and a multiply. It runs for every
 * packet, where FNV-1a over the 36 bytes of both ends took about 230 instructions (callgrind). */
static uint64_t endpoint_mix(const uint8_t addr[16], uint16_t port)
{
	uint64_t low, high;

	memcpy(&low, addr, 8);
	memcpy(&high, addr + 8, 8);
	return (low ^ (high << 17 | high >> 47) ^ port) * 0x9e3779b97f4a7c15ULL;
}

/* A sum of the ends' shares, so both directions land in the same bucket. */
static size_t bucket_of(const struct tcp_reasm *r, uint8_t family, const uint8_t src_addr[16],
			uint16_t src_port, const uint8_t dst_addr[16], uint16_t dst_port)
{
	uint64_t h = endpoint_mix(src_addr, src_port) + endpoint_mix(dst_addr, dst_port) + family;

	return (size_t)(h ^ h >> 32) & r->bucket_mask;
}

static uint64_t endpoint_fnv(const uint8_t addr[16], uint16_t port)
{
	uint64_t h = 1469598103934665603ULL ^ port; /* FNV-1a */
	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 1099511628211ULL;
	return h;
}

/* Connections still open at the end of a capture are ended in the order replay has always
 * reported them in: by this rank (the bucket an FNV-1a hash of their ends picked when it was
 * the table's hash), newest first among equals. Computed once per connection. */
static size_t end_rank_of(const struct tcp_reasm *r, const struct packet_l4 *pkt)
{
	uint64_t h = endpoint_fnv(pkt->src_addr, pkt->src_port) +
		     endpoint_fnv(pkt->dst_addr, pkt->dst_port) + pkt->family;
	return (size_t)(h ^ h >> 29) & r->bucket_mask;
}

static struct flow *lookup(struct tcp_reasm *r, const struct packet_l4 *pkt, enum tcp_side *from)
{
	size_t b =
	    bucket_of(r, pkt->family, pkt->src_addr, pkt->src_port, pkt->dst_addr, pkt->dst_port);

	for (struct flow *f = r->buckets[b]; f; f = f->hash_next) {
		if (f->conn.family != pkt->family)
			continue;
		for (int s = 0; s < 2; s++) {
			if (endpoint_eq(&f->conn.end[s], pkt->src_addr, pkt->src_port) &&
			    endpoint_eq(&f->conn.end[!s], pkt->dst_addr, pkt->dst_port)) {
				*from = (enum tcp_side)s;
				return f;
			}
		}
	}
	return NULL;
}

static void free_pending(struct side_state *st)
{
	while (st->pending) {
		struct segment *seg = st->pending;
		st->pending = seg->next;
		free(seg);
	}
	st->pending_bytes = 0;
}

static void ended_unlink(struct tcp_reasm *r, struct flow *f)
{
	if (f->ended_prev)
		f->ended_prev->ended_next = f->ended_next;
	else
		r->ended_head = f->ended_next;
	if (f->ended_next)
		f->ended_next->ended_prev = f->ended_prev;
	else
		r->ended_tail = f->ended_prev;
}

static void remove_flow(struct tcp_reasm *r, struct flow *f)
{
	const struct tcp_endpoint *end = f->conn.end;
	size_t b = bucket_of(r, f->conn.family, end[0].addr, end[0].port, end[1].addr, end[1].port);

	for (struct flow **p = &r->buckets[b]; *p; p = &(*p)->hash_next) {
		if (*p == f) {
			*p = f->hash_next;
			break;
		}
	}
	if (f->ended)
		ended_unlink(r, f);
	free_pending(&f->side[0]);
	free_pending(&f->side[1]);
	free(f);
	r->flow_count--;
}

static void deliver(struct tcp_reasm *r, struct flow *f, enum tcp_side s, const uint8_t *data,
		    size_t len, uint64_t ts_ns)
{
	f->side[s].next_seq += (uint32_t)len;
	f->conn.bytes[s] += len;
	if (r->ops->on_data)
		r->ops->on_data(r->user, &f->conn, s, data, len, ts_ns);
}

/* Hands out every buffered segment that has become in order. */
static void drain(struct tcp_reasm *r, struct flow *f, enum tcp_side s)
{
	struct side_state *st = &f->side[s];
	while (st->pending && seq_diff(st->pending->seq, st->next_seq) <= 0) {
		struct segment *seg = st->pending;
		int64_t skip = -(int64_t)seq_diff(seg->seq, st->next_seq);
		st->pending = seg->next;
		st->pending_bytes -= seg->len;
		if (skip < seg->len)
			deliver(r, f, s, seg->data + skip, seg->len - (size_t)skip, seg->ts_ns);
		else
			r->stats.retransmitted_bytes += seg->len;
		free(seg);
	}
}

static void declare_gap(struct tcp_reasm *r, struct flow *f, enum tcp_side s, uint32_t resume_seq,
			uint64_t ts_ns)
{
	struct side_state *st = &f->side[s];
	uint32_t missing = resume_seq - st->next_seq;
	st->next_seq = resume_seq;
	f->conn.gap_bytes[s] += missing;
	if (r->ops->on_gap)
		r->ops->on_gap(r->user, &f->conn, s, missing, ts_ns);
	drain(r, f, s);
}

static void flush_side(struct tcp_reasm *r, struct flow *f, enum tcp_side s)
{
	struct side_state *st = &f->side[s];
	while (st->pending)
		declare_gap(r, f, s, st->pending->seq, st->pending->ts_ns);
}

static void end_flow(struct tcp_reasm *r, struct flow *f, enum tcp_end_reason reason,
		     uint64_t ts_ns)
{
	flush_side(r, f, TCP_SIDE_CLIENT);
	flush_side(r, f, TCP_SIDE_SERVER);
	f->ended = true;
	if (r->ops->on_end)
		r->ops->on_end(r->user, &f->conn, reason, ts_ns);
	f->ended_next = NULL;
	f->ended_prev = r->ended_tail;
	if (r->ended_tail)
		r->ended_tail->ended_next = f;
	else
		r->ended_head = f;
	r->ended_tail = f;
}

static int buffer_segment(struct side_state *st, uint32_t seq, const uint8_t *data, size_t len,
			  uint64_t ts_ns)
{
	struct segment *seg = malloc(sizeof(*seg) + len);
	if (!seg)
		return -ENOMEM;
	seg->seq = seq;
	seg->len = (uint32_t)len;
	seg->ts_ns = ts_ns;
	memcpy(seg->data, data, len);
	struct segment **p = &st->pending;
	while (*p && seq_diff((*p)->seq, seq) <= 0)
		p = &(*p)->next;
	seg->next = *p;
	*p = seg;
	st->pending_bytes += len;
	return 0;
}

static int add_payload(struct tcp_reasm *r, struct flow *f, enum tcp_side s, uint32_t seq,
		       const uint8_t *data, size_t len, uint64_t ts_ns)
{
	struct side_state *st = &f->side[s];
	for (;;) {
		int64_t offset = seq_diff(seq, st->next_seq);
		if (offset + (int64_t)len <= 0) {
			r->stats.retransmitted_bytes += len;
			return 0;
		}
		if (offset <= 0) {
			r->stats.retransmitted_bytes += (uint64_t)-offset;
			deliver(r, f, s, data - offset, len + (size_t)offset, ts_ns);
			if (st->pending) /* only after a loss or reordering */
				drain(r, f, s);
			return 0;
		}
		if (st->pending_bytes + len <= r->limits.max_buffered_bytes)
			return buffer_segment(st, seq, data, len, ts_ns);
		/* Buffer full: the hole before the oldest data will not be filled in time. */
		r->stats.forced_gaps++;
		uint32_t resume = seq;
		if (st->pending && seq_diff(st->pending->seq, seq) < 0)
			resume = st->pending->seq;
		declare_gap(r, f, s, resume, ts_ns);
	}
}

/* The peer acknowledged bytes of side s that are not in the capture: they are lost to us. */
static void note_ack(struct tcp_reasm *r, struct flow *f, enum tcp_side s, uint32_t ack,
		     uint64_t ts_ns)
{
	struct side_state *st = &f->side[s];
	if (!st->seq_known)
		return;
	uint32_t limit = ack;
	if (st->fin_seen && seq_diff(limit, st->fin_seq) > 0)
		limit = st->fin_seq;
	while (seq_diff(limit, st->next_seq) > 0) {
		uint32_t resume = limit;
		if (st->pending && seq_diff(st->pending->seq, resume) < 0)
			resume = st->pending->seq;
		declare_gap(r, f, s, resume, ts_ns);
	}
}

static void note_close(struct flow *f, enum tcp_side s, uint64_t ts_ns)
{
	if (f->conn.first_closer >= 0)
		return;
	f->conn.first_closer = s;
	f->conn.first_close_ts_ns = ts_ns;
}

static struct flow *new_flow(struct tcp_reasm *r, const struct packet_l4 *pkt, bool from_server,
			     uint64_t ts_ns)
{
	if (r->flow_count >= r->limits.max_conns) {
		if (!r->ended_head) {
			r->stats.conns_dropped++;
			return NULL;
		}
		remove_flow(r, r->ended_head);
	}
	struct flow *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	int client = from_server ? 1 : 0;
	f->conn.id = ++r->last_id;
	f->conn.family = pkt->family;
	memcpy(f->conn.end[client].addr, pkt->src_addr, 16);
	f->conn.end[client].port = pkt->src_port;
	memcpy(f->conn.end[!client].addr, pkt->dst_addr, 16);
	f->conn.end[!client].port = pkt->dst_port;
	f->conn.first_ts_ns = ts_ns;
	f->conn.first_closer = -1;
	f->end_rank = end_rank_of(r, pkt);
	size_t b =
	    bucket_of(r, pkt->family, pkt->src_addr, pkt->src_port, pkt->dst_addr, pkt->dst_port);
	f->hash_next = r->buckets[b];
	r->buckets[b] = f;
	r->flow_count++;
	r->stats.conns++;
	if (r->ops->on_open)
		r->ops->on_open(r->user, &f->conn, ts_ns);
	return f;
}

int tcp_reasm_packet(struct tcp_reasm *r, const struct packet_l4 *pkt, uint64_t ts_ns)
{
	if (pkt->protocol != IPPROTO_TCP)
		return 0;
	uint8_t flags = pkt->tcp_flags;
	bool syn = flags & PACKET_TCP_SYN, ack = flags & PACKET_TCP_ACK;
	enum tcp_side from = TCP_SIDE_CLIENT;
	struct flow *f = lookup(r, pkt, &from);

	if (f && syn && !ack) {
		bool same_syn = from == TCP_SIDE_CLIENT && f->conn.syn_ts_ns &&
				f->side[from].isn == pkt->tcp_seq;
		if (!same_syn) { /* the 4-tuple is used again by a new connection */
			if (!f->ended)
				end_flow(r, f, TCP_END_REUSED, ts_ns);
			remove_flow(r, f);
			f = NULL;
		}
	}
	if (f && f->ended)
		return 0; /* late ACK, FIN or retransmission of a finished connection */
	if (!f) {
		/* Pure ACKs, FINs and RSTs do not start a connection we never saw. */
		if (!syn && pkt->payload_len == 0)
			return 0;
		f = new_flow(r, pkt, syn && ack, ts_ns);
		if (!f)
			return r->flow_count >= r->limits.max_conns ? 0 : -ENOMEM;
		from = syn && ack ? TCP_SIDE_SERVER : TCP_SIDE_CLIENT;
		f->conn.opener_known = syn;
	}

	struct side_state *st = &f->side[from];
	uint32_t data_seq = pkt->tcp_seq;
	if (syn) {
		if (ack && !f->conn.synack_ts_ns)
			f->conn.synack_ts_ns = ts_ns;
		if (!ack && !f->conn.syn_ts_ns)
			f->conn.syn_ts_ns = ts_ns;
		if (!st->seq_known) {
			st->seq_known = true;
			st->isn = pkt->tcp_seq;
			st->next_seq = pkt->tcp_seq + 1;
		}
		data_seq++; /* the SYN occupies one sequence number (RFC 9293 §3.4) */
	}
	if (pkt->payload_len > 0) {
		f->conn.last_payload_ts_ns = ts_ns;
		if (pkt->payload_len > TCP_IDLE_ALERT_MAX_BYTES) {
			f->conn.last_large_payload_ts_ns = ts_ns;
		} else {
			f->conn.small_payload_ts_ns[f->conn.small_payload_next] = ts_ns;
			f->conn.small_payload_next =
			    (f->conn.small_payload_next + 1) % TCP_IDLE_SMALL_KEPT;
		}
		if (!st->seq_known) {
			st->seq_known = true;
			st->next_seq = data_seq;
		}
		int err = add_payload(r, f, from, data_seq, pkt->payload, pkt->payload_len, ts_ns);
		if (err)
			return err;
	}
	if (ack)
		note_ack(r, f, !from, pkt->tcp_ack, ts_ns);
	if ((flags & PACKET_TCP_FIN) && !st->fin_seen) {
		st->fin_seen = true;
		st->fin_seq = data_seq + (uint32_t)pkt->payload_len;
		if (!st->seq_known) {
			st->seq_known = true;
			st->next_seq = st->fin_seq;
		}
		f->conn.fin_ts_ns[from] = ts_ns;
		note_close(f, from, ts_ns);
	}
	if (flags & PACKET_TCP_RST) {
		if (!f->conn.rst_ts_ns[from])
			f->conn.rst_ts_ns[from] = ts_ns;
		note_close(f, from, ts_ns);
		end_flow(r, f, TCP_END_RESET, ts_ns);
		return 0;
	}
	struct side_state *c = &f->side[0], *s = &f->side[1];
	if (c->fin_seen && s->fin_seen && c->next_seq == c->fin_seq && s->next_seq == s->fin_seq)
		end_flow(r, f, TCP_END_CLOSED, ts_ns);
	return 0;
}

struct tcp_reasm *tcp_reasm_new(const struct tcp_reasm_limits *limits,
				const struct tcp_reasm_ops *ops, void *user)
{
	struct tcp_reasm *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->limits.max_conns = limits && limits->max_conns ? limits->max_conns : DEFAULT_MAX_CONNS;
	r->limits.max_buffered_bytes = limits && limits->max_buffered_bytes
					   ? limits->max_buffered_bytes
					   : DEFAULT_MAX_BUFFERED_BYTES;
	size_t buckets = 64;
	while (buckets < r->limits.max_conns && buckets < (1u << 20))
		buckets <<= 1;
	r->buckets = calloc(buckets, sizeof(*r->buckets));
	if (!r->buckets) {
		free(r);
		return NULL;
	}
	r->bucket_mask = buckets - 1;
	r->ops = ops;
	r->user = user;
	return r;
}

static int end_order(const void *a, const void *b)
{
	const struct flow *x = *(const struct flow *const *)a, *y = *(const struct flow *const *)b;

	if (x->end_rank != y->end_rank)
		return x->end_rank < y->end_rank ? -1 : 1;
	return x->conn.id < y->conn.id ? 1 : -1; /* ids are unique */
}

void tcp_reasm_finish(struct tcp_reasm *r, uint64_t ts_ns)
{
	struct flow **open = malloc((r->flow_count ? r->flow_count : 1) * sizeof(*open));
	size_t n = 0;

	for (size_t b = 0; b <= r->bucket_mask; b++)
		for (struct flow *f = r->buckets[b]; f; f = f->hash_next)
			if (!f->ended) {
				if (open)
					open[n++] = f;
				else /* out of memory: all of them still end, in table order */
					end_flow(r, f, TCP_END_CAPTURE_END, ts_ns);
			}
	if (!open)
		return;
	qsort(open, n, sizeof(*open), end_order);
	for (size_t i = 0; i < n; i++)
		end_flow(r, open[i], TCP_END_CAPTURE_END, ts_ns);
	free(open);
}

void tcp_reasm_set_user(struct tcp_reasm *r, const struct tcp_conn *conn, void *user)
{
	struct flow *f = (struct flow *)((char *)conn - offsetof(struct flow, conn));

	(void)r;
	f->conn.user = user;
}

void tcp_reasm_get_stats(const struct tcp_reasm *r, struct tcp_reasm_stats *stats)
{
	*stats = r->stats;
}

void tcp_reasm_free(struct tcp_reasm *r)
{
	if (!r)
		return;
	for (size_t b = 0; b <= r->bucket_mask; b++) {
		while (r->buckets[b])
			remove_flow(r, r->buckets[b]);
	}
	free(r->buckets);
	free(r);
}

const char *tcp_end_reason_str(enum tcp_end_reason reason)
{
	switch (reason) {
	case TCP_END_CLOSED:
		return "closed";
	case TCP_END_RESET:
		return "reset";
	case TCP_END_CAPTURE_END:
		return "capture_end";
	case TCP_END_REUSED:
		return "reused";
	}
	return "unknown";
}

uint64_t tcp_conn_idle_since_ns(const struct tcp_conn *conn, uint64_t close_ts_ns)
{
	uint64_t since = conn->last_large_payload_ts_ns;

	for (unsigned i = 0; i < TCP_IDLE_SMALL_KEPT; i++) {
		uint64_t ts = conn->small_payload_ts_ns[i];

		if (ts > since && ts + TCP_IDLE_ALERT_WINDOW_NS <= close_ts_ns)
			since = ts;
	}
	/* only small payloads, all of them right before the close: idle since the start */
	return since ? since : conn->first_ts_ns;
}
