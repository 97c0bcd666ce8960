#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hash_map.h"
#include "open_conns.h"

struct open_conn {
	bool present;	  /* seen in the current sweep */
	bool was_absent;  /* not seen in the sweep before */
	uint32_t ifindex; /* the device the socket is bound to, as the kernel listed it */
	struct sock_conn conn;
};

struct open_conns {
	struct hash_map by_cookie; /* struct open_conn */
};

struct open_conns *open_conns_new(void)
{
	return calloc(1, sizeof(struct open_conns));
}

void open_conns_free(struct open_conns *set)
{
	if (!set)
		return;
	hash_map_free_values(&set->by_cookie, free);
	free(set);
}

static void forget(struct open_conns *set, struct open_conn *entry)
{
	hash_map_remove(&set->by_cookie, entry->conn.cookie, entry);
	free(entry);
}

int open_conns_learn(struct open_conns *set, const struct sock_event *record)
{
	struct open_conn *entry = hash_map_get(&set->by_cookie, record->conn.cookie);

	if (record->type != SOCK_EV_OPEN && record->type != SOCK_EV_CLOSE) {
		if (entry)
			forget(set, entry);
		return 0;
	}
	if (!entry) {
		entry = malloc(sizeof(*entry));
		if (!entry || hash_map_put(&set->by_cookie, record->conn.cookie, entry)) {
			free(entry);
			return -ENOMEM;
		}
		/* new since the last sweep: present until a sweep says otherwise */
		*entry = (struct open_conn){.present = true};
	}
	entry->conn = record->conn;
	/* the kernel marks what it sent only after copying the record */
	entry->conn.flags |= SOCK_F_OPEN_REPORTED;
	if (record->type == SOCK_EV_CLOSE)
		entry->conn.flags |= SOCK_F_CLOSE_REPORTED;
	return 0;
}

void open_conns_sweep_begin(struct open_conns *set)
{
	struct open_conn *entry;
	size_t pos = 0;

	while ((entry = hash_map_each(&set->by_cookie, &pos))) {
		entry->was_absent = !entry->present;
		entry->present = false;
	}
}

size_t open_conns_ids(const struct open_conns *set, size_t *pos, struct tcp_diag_sock *ids,
		      size_t max)
{
	const struct open_conn *entry;
	size_t n = 0;

	while (n < max && (entry = hash_map_each(&set->by_cookie, pos))) {
		const struct sock_conn *conn = &entry->conn;
		struct tcp_diag_sock *id = &ids[n++];

		*id = (struct tcp_diag_sock){.cookie = conn->cookie,
					     .ifindex = entry->ifindex,
					     .family = conn->family,
					     .lport = conn->lport,
					     .rport = conn->rport};
		memcpy(id->laddr, conn->laddr, sizeof(id->laddr));
		memcpy(id->raddr, conn->raddr, sizeof(id->raddr));
	}
	return n;
}

void open_conns_present(struct open_conns *set, const struct tcp_diag_sock *sock)
{
	struct open_conn *entry = hash_map_get(&set->by_cookie, sock->cookie);

	if (!entry)
		return;
	entry->present = true;
	entry->ifindex = sock->ifindex;
}

size_t open_conns_sweep_end(struct open_conns *set, bool both, uint64_t *gone, size_t max)
{
	const struct open_conn *entry;
	size_t n = 0, pos = 0;

	while ((entry = hash_map_each(&set->by_cookie, &pos))) {
		if (entry->present || (both && !entry->was_absent))
			continue;
		if (n < max)
			gone[n] = entry->conn.cookie;
		n++;
	}
	return n;
}

bool open_conns_take(struct open_conns *set, uint64_t cookie, struct sock_conn *conn)
{
	struct open_conn *entry = hash_map_get(&set->by_cookie, cookie);

	if (!entry)
		return false;
	*conn = entry->conn;
	forget(set, entry);
	return true;
}
