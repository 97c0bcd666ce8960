/*
 * Counters for alerting on a host traced for days (`siptrail live --metrics-dir`,
 * docs/metrics.md): events and losses, diagnoses by id, and per peer address the diagnoses,
 * failed TLS handshakes and connection closes (by whom and how: idle closes are FINs). Fed the
 * events and diagnoses live sees; written in the Prometheus text format (metrics_text.c).
 * Memory is bounded: at most METRICS_MAX_PEERS peers are told apart, the rest are counted
 * under peer="other".
 */
#ifndef SIPTRAIL_METRICS_H
#define SIPTRAIL_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "explain.h"

#define METRICS_MAX_PEERS 1024
#define METRICS_SIDES	  (SIDE_PEER + 1)
#define METRICS_HOWS	  (CLOSE_TIMEOUT + 1)

struct peer_metrics {
	struct ip_addr addr; /* not given: "other", the peers past METRICS_MAX_PEERS */
	uint64_t diagnoses[DIAG_COUNT];
	uint64_t tls_failures_client, tls_failures_server; /* by this host's role */
	uint64_t closes[METRICS_SIDES][METRICS_HOWS];	   /* conn_end: closed_by, how */
};

struct metrics {
	uint64_t events;
	struct ev_lost lost; /* the last "lost" event's counts: they are totals since start */
	uint64_t diagnoses[DIAG_COUNT];
	bool hep;		       /* HEP export on: its counts are written */
	uint64_t hep_sent, hep_unsent; /* set by whoever runs the export */
	struct peer_metrics *peers;
	size_t n_peers, cap_peers;
	struct peer_metrics other;
};

void metrics_init(struct metrics *metrics);
void metrics_free(struct metrics *metrics);

/* Counts one event. Out of memory, its peer is counted under "other". */
void metrics_event(struct metrics *metrics, const struct event *ev);

/* Counts one diagnosis, and under its peer when it names one. */
void metrics_diagnosis(struct metrics *metrics, const struct diagnosis *diag);

#endif
