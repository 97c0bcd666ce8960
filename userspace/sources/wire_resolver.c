#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "socket_table.h"
#include "wire_resolver.h"

#define MAX_SOCKETS 65536
#define MAX_PENDING 8192
/* Waiting events by connection, so that a socket record retries only its connection's events
 * (a power of two). */
#define PENDING_BUCKETS 4096
/* The tracer's ring buffer is read at least every 100 ms; a passive socket whose listener's
 * owner is not known gets its conn_open only when a process closes it. */
#define PENDING_DEADLINE_NS 2000000000ULL
#define SOCKET_LINGER_NS    10000000000ULL
#define EXPIRE_EVERY_NS	    1000000000ULL

struct pending {
	struct wire_event event;
	uint64_t deadline_ns;
	TAILQ_ENTRY(pending) by_arrival;
	TAILQ_ENTRY(pending) by_conn; /* in its connection's bucket */
	size_t bucket;
};

TAILQ_HEAD(pending_list, pending);

/* Every waiting event is in two lists: all of them in arrival order (packet order, so their
 * deadlines come in that order too), and its connection's bucket, in arrival order. An event
 * is tried when it arrives, when a socket of its bucket is learned and at its deadline, never
 * on another connection's behalf: the cost per event does not grow with how many wait. */
struct wire_resolver {
	wire_output_fn output;
	void *ctx;
	int64_t wall_offset_ns;
	struct socket_table *sockets;
	struct pending_list pending;
	struct pending_list buckets[PENDING_BUCKETS];
	size_t pending_count;
	uint64_t last_expire_ns;
	struct wire_resolver_counts counts;
};

struct wire_resolver *wire_resolver_new(wire_output_fn output, void *ctx, int64_t wall_offset_ns)
{
	struct wire_resolver *resolver = calloc(1, sizeof(*resolver));

	if (!resolver)
		return NULL;
	resolver->sockets = socket_table_new(MAX_SOCKETS, SOCKET_LINGER_NS);
	if (!resolver->sockets) {
		free(resolver);
		return NULL;
	}
	resolver->output = output;
	resolver->ctx = ctx;
	resolver->wall_offset_ns = wall_offset_ns;
	TAILQ_INIT(&resolver->pending);
	for (size_t i = 0; i < PENDING_BUCKETS; i++)
		TAILQ_INIT(&resolver->buckets[i]);
	return resolver;
}

static size_t bucket_of(const struct tcp_endpoint *a, const struct tcp_endpoint *b)
{
	return socket_table_conn_hash(a, b) & (PENDING_BUCKETS - 1);
}

static void pending_drop(struct wire_resolver *resolver, struct pending *pending)
{
	TAILQ_REMOVE(&resolver->pending, pending, by_arrival);
	TAILQ_REMOVE(&resolver->buckets[pending->bucket], pending, by_conn);
	resolver->pending_count--;
	wire_event_release(&pending->event);
	free(pending);
}

void wire_resolver_free(struct wire_resolver *resolver)
{
	if (!resolver)
		return;
	while (!TAILQ_EMPTY(&resolver->pending))
		pending_drop(resolver, TAILQ_FIRST(&resolver->pending));
	socket_table_free(resolver->sockets);
	free(resolver);
}

/* TAKE: the last socket the event is written for, which gets its body. */
static int write_as(struct wire_resolver *resolver, struct wire_event *event, uint64_t conn,
		    unsigned local, bool take)
{
	struct event resolved;
	int err = wire_event_resolve(event, conn, local, take, &resolved);

	if (err)
		return err;
	err = resolver->output(resolver->ctx, &resolved);
	event_release(&resolved);
	if (!err)
		resolver->counts.written++;
	return err;
}

/* How many of the connection's ends are this host's: that many sockets to wait for. */
static size_t sockets_expected(const struct wire_event *event)
{
	size_t local_ends = __builtin_popcount(event->local_mask);

	return local_ends ? local_ends : 1;
}

/* Writes the event for every socket found when all are known or time is up. Returns 1 when
 * the event is done with (written or given up), 0 to keep waiting, or a negative errno. */
static int try_resolve(struct wire_resolver *resolver, struct wire_event *event, bool give_up)
{
	struct socket_match matches[SOCKET_TABLE_MAX_MATCHES];
	size_t found =
	    socket_table_find(resolver->sockets, event->family, event->end, event->ts_ns, matches);
	int err;

	if (found < sockets_expected(event) && !give_up)
		return 0;
	if (!found)
		resolver->counts.unmatched++;
	for (size_t i = 0; i < found; i++) {
		err =
		    write_as(resolver, event, matches[i].cookie, matches[i].local, i + 1 == found);
		if (err)
			return err;
	}
	return 1;
}

/* Tries pending, dropping it when it is done with. Returns 0 or the output's error. */
static int pending_try(struct wire_resolver *resolver, struct pending *pending, bool give_up)
{
	int done = try_resolve(resolver, &pending->event, give_up);

	if (done > 0)
		pending_drop(resolver, pending);
	return done < 0 ? done : 0;
}

int wire_resolver_tick(struct wire_resolver *resolver, uint64_t now_ns, bool final)
{
	struct pending *pending;
	int err;

	while ((pending = TAILQ_FIRST(&resolver->pending)) &&
	       (final || now_ns >= pending->deadline_ns))
		if ((err = pending_try(resolver, pending, true)))
			return err;
	if (now_ns >= resolver->last_expire_ns + EXPIRE_EVERY_NS) {
		socket_table_expire(resolver->sockets, now_ns);
		resolver->last_expire_ns = now_ns;
	}
	return 0;
}

int wire_resolver_socket(struct wire_resolver *resolver, const struct sock_event *event)
{
	int err = socket_table_learn(resolver->sockets, event, resolver->wall_offset_ns);
	struct pending *pending, *next;
	struct tcp_endpoint local, remote;
	struct pending_list *bucket;

	if (err == -ENOSPC) {
		resolver->counts.sockets_full++;
		return 0;
	}
	if (err)
		return err;
	socket_table_endpoints(&event->conn, &local, &remote);
	bucket = &resolver->buckets[bucket_of(&local, &remote)];
	for (pending = TAILQ_FIRST(bucket); pending; pending = next) {
		next = TAILQ_NEXT(pending, by_conn);
		if ((err = pending_try(resolver, pending, false)))
			return err;
	}
	return 0;
}

int wire_resolver_add(struct wire_resolver *resolver, struct wire_event *event)
{
	struct pending *pending;
	int done;

	if (!event->tcp) {
		unsigned local = event->local_mask & 2 ? 1 : event->local_mask & 1 ? 0 : 1;
		int err = write_as(resolver, event, 0, local, true);

		wire_event_release(event);
		return err;
	}
	done = try_resolve(resolver, event, false);
	if (done) {
		wire_event_release(event);
		return done < 0 ? done : 0;
	}
	if (resolver->pending_count >= MAX_PENDING) {
		resolver->counts.pending_full++;
		wire_event_release(event);
		return 0;
	}
	pending = calloc(1, sizeof(*pending));
	if (!pending) {
		wire_event_release(event);
		return -ENOMEM;
	}
	pending->event = *event;
	memset(&event->body, 0, sizeof(event->body)); /* moved */
	pending->deadline_ns = event->ts_ns + PENDING_DEADLINE_NS;
	pending->bucket = bucket_of(&event->end[0], &event->end[1]);
	TAILQ_INSERT_TAIL(&resolver->pending, pending, by_arrival);
	TAILQ_INSERT_TAIL(&resolver->buckets[pending->bucket], pending, by_conn);
	resolver->pending_count++;
	return 0;
}

void wire_resolver_counts(const struct wire_resolver *resolver, struct wire_resolver_counts *out)
{
	*out = resolver->counts;
}
