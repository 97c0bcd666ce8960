/* Where each peer of a journal or capture can be reached for a new TLS connection. */
#include <stdio.h>
#include <string.h>

#include "reverse_targets.h"
#include "sip_message.h"
#include "sip_uri.h"

#define SIPS_DEFAULT_PORT 5061 /* RFC 3261 §19.1.2 */

enum rank { RANK_RECORD_ROUTE, RANK_CONTACT, RANK_VIA, RANK_CONNECTION, RANK_NONE };
static const char *const rank_names[] = {"Record-Route", "Contact", "Via", "connection"};

static struct reverse_target *target_of(struct reverse_target *targets, size_t *n, size_t max,
					const char *peer)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(targets[i].peer, peer))
			return &targets[i];
	if (*n == max)
		return NULL;
	memset(&targets[*n], 0, sizeof(targets[*n]));
	snprintf(targets[*n].peer, sizeof(targets[*n].peer), "%s", peer);
	targets[*n].rank = RANK_NONE;
	return &targets[(*n)++];
}

static void offer(struct reverse_target *t, enum rank rank, struct sip_view host, uint16_t port)
{
	if (rank >= t->rank || !host.len || host.len >= sizeof(t->host))
		return;
	memcpy(t->host, host.ptr, host.len);
	t->host[host.len] = '\0';
	t->port = port ? port : SIPS_DEFAULT_PORT;
	t->rank = rank;
	t->source = rank_names[rank];
}

static bool is_peer(struct sip_view host, const char *peer)
{
	return host.len == strlen(peer) && !memcmp(host.ptr, peer, host.len);
}

/* A URI of the peer's (its host is the peer's address) is a target. */
static void offer_uri(struct reverse_target *t, enum rank rank, struct sip_view uri)
{
	struct sip_hostport hp;

	if (sip_uri_hostport_of(uri, &hp) && is_peer(hp.host, t->peer))
		offer(t, rank, hp.host, hp.has_port ? hp.port : 0);
}

static void learn_sip(struct reverse_target *t, const struct ev_sip *sip)
{
	struct sip_message msg;

	if (sip_message_parse(sip->raw, sip->raw_len, SIP_PARSE_STREAM, &msg) == SIP_PARSE_INVALID)
		return;
	for (unsigned i = 0; i < msg.record_route_count && i < SIP_MAX_ROUTES; i++)
		offer_uri(t, RANK_RECORD_ROUTE, msg.record_route[i]);
	for (unsigned i = 0; i < msg.contact_count && i < SIP_MAX_CONTACTS; i++)
		offer_uri(t, RANK_CONTACT, msg.contact[i].uri);
	if (msg.kind == SIP_KIND_REQUEST && msg.via_count) {
		const struct sip_via *via = &msg.via[0];
		t->alias |= via->has_alias;
		if (is_peer(via->host, t->peer))
			offer(t, RANK_VIA, via->host, via->port);
	}
}

size_t reverse_targets_find(const struct event_list *list, struct reverse_target *targets,
			    size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < list->count; i++) {
		const struct event *ev = &list->events[i];
		struct reverse_target *t;

		if (ev->kind == EV_SIP && ev->sip.dir == DIR_IN &&
		    ev->sip.transport == TRANSPORT_TLS && ev->sip.raw &&
		    ip_addr_given(&ev->sip.remote.addr)) {
			t = target_of(targets, &n, max, ip_addr_text(&ev->sip.remote.addr).text);
			if (t)
				learn_sip(t, &ev->sip);
		} else if (ev->kind == EV_CONN_OPEN && ev->conn_ev.direction == DIR_OUT &&
			   ip_addr_given(&ev->conn_ev.remote.addr)) {
			t = target_of(targets, &n, max,
				      ip_addr_text(&ev->conn_ev.remote.addr).text);
			if (t)
				offer(t, RANK_CONNECTION,
				      (struct sip_view){t->peer, strlen(t->peer)},
				      ev->conn_ev.remote.port);
		}
	}
	return n;
}
