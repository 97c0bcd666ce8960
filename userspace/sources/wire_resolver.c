#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "socket_table.h"
#include "wire_resolver.h"

#define MAX_SOCKETS 65536
#define MAX_PENDING 8192
/* The tracer's ring buffer is read at least every 100 ms; a passive socket whose listener's
 * owner is not known gets its conn_open only when a process closes it. */
#define PENDING_DEADLINE_NS 2000000000ULL
#define SOCKET_LINGER_NS    10000000000ULL
#define EXPIRE_EVERY_NS	    1000000000ULL

struct pending {
	struct wire_event event;
	uint64_t deadline_ns;
	TAILQ_ENTRY(pending) link;
};

struct wire_resolver {
	wire_output_fn output;
	void *ctx;
	int64_t wall_offset_ns;
	struct socket_table *sockets;
	TAILQ_HEAD(, pending) pending;
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
	return resolver;
}

static void pending_drop(struct wire_resolver *resolver, struct pending *pending)
{
	TAILQ_REMOVE(&resolver->pending, pending, link);
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

static int write_as(struct wire_resolver *resolver, const struct wire_event *event, uint64_t conn,
		    unsigned local)
{
	struct event resolved;
	int err = wire_event_resolve(event, conn, local, &resolved);

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
static int try_resolve(struct wire_resolver *resolver, const struct wire_event *event, bool give_up)
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
		err = write_as(resolver, event, matches[i].cookie, matches[i].local);
		if (err)
			return err;
	}
	return 1;
}

int wire_resolver_tick(struct wire_resolver *resolver, uint64_t now_ns, bool final)
{
	struct pending *pending, *next;
	int done;

	for (pending = TAILQ_FIRST(&resolver->pending); pending; pending = next) {
		next = TAILQ_NEXT(pending, link);
		done =
		    try_resolve(resolver, &pending->event, final || now_ns >= pending->deadline_ns);
		if (done < 0)
			return done;
		if (done)
			pending_drop(resolver, pending);
	}
	if (now_ns >= resolver->last_expire_ns + EXPIRE_EVERY_NS) {
		socket_table_expire(resolver->sockets, now_ns);
		resolver->last_expire_ns = now_ns;
	}
	return 0;
}

int wire_resolver_socket(struct wire_resolver *resolver, const struct sock_event *event)
{
	int err = socket_table_learn(resolver->sockets, event, resolver->wall_offset_ns);

	if (err == -ENOSPC)
		resolver->counts.sockets_full++;
	else if (err)
		return err;
	/* Deadlines are in packet time, which is wall time. */
	return wire_resolver_tick(resolver, 0, false);
}

int wire_resolver_add(struct wire_resolver *resolver, struct wire_event *event)
{
	struct pending *pending;
	int err;

	if (!event->tcp) {
		unsigned local = event->local_mask & 2 ? 1 : event->local_mask & 1 ? 0 : 1;

		err = write_as(resolver, event, 0, local);
		wire_event_release(event);
		return err;
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
	TAILQ_INSERT_TAIL(&resolver->pending, pending, link);
	resolver->pending_count++;
	return wire_resolver_tick(resolver, 0, false);
}

void wire_resolver_counts(const struct wire_resolver *resolver, struct wire_resolver_counts *out)
{
	*out = resolver->counts;
}
