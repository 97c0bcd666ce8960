#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "start_conns.h"

struct collect_ctx {
	struct start_conns *set;
	size_t capacity;
};

static int collect_one(void *ctx, const struct tcp_diag_sock *sock)
{
	struct collect_ctx *collect = ctx;
	struct start_conns *set = collect->set;
	struct tcp_diag_sock *grown;

	if (!sock->rport) /* a listener; the kernel kept only traced ports */
		return 0;
	if (set->count == collect->capacity) {
		collect->capacity = collect->capacity ? 2 * collect->capacity : 16;
		grown = realloc(set->socks, collect->capacity * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		set->socks = grown;
	}
	set->socks[set->count++] = *sock;
	return 0;
}

int start_conns_collect(struct start_conns *set, const struct port_set *ports)
{
	struct collect_ctx collect = {set, 0};
	int err;

	*set = (struct start_conns){0};
	err = tcp_diag_sockets(ports, collect_one, &collect);
	if (err)
		start_conns_free(set);
	return err;
}

int start_conns_refresh(struct start_conns *set)
{
	size_t kept = 0;
	bool *present;
	int err;

	if (!set->count)
		return 0;
	present = calloc(set->count, sizeof(bool));
	if (!present)
		return -ENOMEM;
	err = tcp_diag_lookup(set->socks, set->count, present);
	for (size_t i = 0; !err && i < set->count; i++)
		if (present[i])
			set->socks[kept++] = set->socks[i];
	free(present);
	if (err)
		return err;
	set->count = kept;
	return (int)kept;
}

void start_conns_free(struct start_conns *set)
{
	free(set->socks);
	*set = (struct start_conns){0};
}
