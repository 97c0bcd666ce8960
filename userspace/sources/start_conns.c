#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "start_conns.h"
#include "tcp_diag.h"

struct collect_ctx {
	struct start_conns *set;
	size_t capacity;
};

static int collect_one(void *ctx, const struct tcp_diag_sock *sock)
{
	struct collect_ctx *collect = ctx;
	struct start_conns *set = collect->set;
	uint64_t *grown;

	if (!sock->rport) /* a listener; the kernel kept only traced ports */
		return 0;
	if (set->count == collect->capacity) {
		collect->capacity = collect->capacity ? 2 * collect->capacity : 16;
		grown = realloc(set->cookies, collect->capacity * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		set->cookies = grown;
	}
	set->cookies[set->count++] = sock->cookie;
	return 0;
}

static int cookie_order(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int start_conns_collect(struct start_conns *set, const struct port_set *ports)
{
	struct collect_ctx collect = {set, 0};
	int err;

	*set = (struct start_conns){.ports = ports};
	err = tcp_diag_sockets(ports, collect_one, &collect);
	if (err) {
		start_conns_free(set);
		return err;
	}
	qsort(set->cookies, set->count, sizeof(*set->cookies), cookie_order);
	return 0;
}

struct refresh_ctx {
	const struct start_conns *set;
	bool *present;
};

static int refresh_one(void *ctx, const struct tcp_diag_sock *sock)
{
	struct refresh_ctx *refresh = ctx;
	const uint64_t *found = bsearch(&sock->cookie, refresh->set->cookies, refresh->set->count,
					sizeof(uint64_t), cookie_order);

	if (found)
		refresh->present[found - refresh->set->cookies] = true;
	return 0;
}

int start_conns_refresh(struct start_conns *set)
{
	struct refresh_ctx refresh = {set, NULL};
	size_t kept = 0;
	int err;

	if (!set->count)
		return 0;
	refresh.present = calloc(set->count, sizeof(bool));
	if (!refresh.present)
		return -ENOMEM;
	err = tcp_diag_sockets(set->ports, refresh_one, &refresh);
	for (size_t i = 0; !err && i < set->count; i++)
		if (refresh.present[i])
			set->cookies[kept++] = set->cookies[i]; /* stays sorted */
	free(refresh.present);
	if (err)
		return err;
	set->count = kept;
	return (int)kept;
}

void start_conns_free(struct start_conns *set)
{
	free(set->cookies);
	*set = (struct start_conns){0};
}
