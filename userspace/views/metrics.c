#include <stdlib.h>
#include <string.h>

#include "metrics.h"

void metrics_init(struct metrics *metrics)
{
	*metrics = (struct metrics){0};
}

void metrics_free(struct metrics *metrics)
{
	free(metrics->peers);
	metrics->peers = NULL;
	metrics->n_peers = metrics->cap_peers = 0;
}

/* A few dozen peers on a trunk host: a linear search, done for connection ends, handshakes
 * and diagnoses only, never per SIP message. */
static struct peer_metrics *peer_of(struct metrics *metrics, const struct ip_addr *addr)
{
	struct peer_metrics *peer;

	for (size_t i = 0; i < metrics->n_peers; i++)
		if (ip_addr_equal(&metrics->peers[i].addr, addr))
			return &metrics->peers[i];
	if (metrics->n_peers == METRICS_MAX_PEERS)
		return &metrics->other;
	if (metrics->n_peers == metrics->cap_peers) {
		size_t cap = metrics->cap_peers ? metrics->cap_peers * 2 : 16;
		struct peer_metrics *grown = realloc(metrics->peers, cap * sizeof(*grown));

		if (!grown)
			return &metrics->other;
		metrics->peers = grown;
		metrics->cap_peers = cap;
	}
	peer = &metrics->peers[metrics->n_peers++];
	*peer = (struct peer_metrics){.addr = *addr};
	return peer;
}

void metrics_event(struct metrics *metrics, const struct event *ev)
{
	struct peer_metrics *peer;

	metrics->events++;
	switch (ev->kind) {
	case EV_LOST:
		metrics->lost = ev->lost;
		break;
	case EV_CONN_END:
		if (!ip_addr_given(&ev->conn_ev.remote.addr) ||
		    ev->conn_ev.closed_by >= METRICS_SIDES || ev->conn_ev.how >= METRICS_HOWS)
			break;
		peer = peer_of(metrics, &ev->conn_ev.remote.addr);
		peer->closes[ev->conn_ev.closed_by][ev->conn_ev.how]++;
		break;
	case EV_TLS_HANDSHAKE:
		if (ev->handshake.ok || !ip_addr_given(&ev->handshake.remote.addr))
			break;
		peer = peer_of(metrics, &ev->handshake.remote.addr);
		if (ev->handshake.client)
			peer->tls_failures_client++;
		else
			peer->tls_failures_server++;
		break;
	default:
		break;
	}
}

void metrics_diagnosis(struct metrics *metrics, const struct diagnosis *diag)
{
	if (diag->id >= DIAG_COUNT)
		return;
	metrics->diagnoses[diag->id]++;
	if (ip_addr_given(&diag->peer))
		peer_of(metrics, &diag->peer)->diagnoses[diag->id]++;
}
