/* The leaf certificate each peer last sent, by fingerprint, so a change is reported: a peer
 * that pinned the old leaf (instead of trusting its root CA) breaks when it is renewed.
 * Bounded: beyond max_peers, new peers are not remembered. */
#ifndef SIPTRAIL_LEAF_TRACKER_H
#define SIPTRAIL_LEAF_TRACKER_H

#include <stddef.h>
#include <stdint.h>

#include "tls_chain.h"

struct leaf_seen {
	char sha256[65];
	char subject[TLS_CERT_NAME_MAX];
	int64_t not_after;
};

struct leaf_tracker;

struct leaf_tracker *leaf_tracker_new(size_t max_peers);
void leaf_tracker_free(struct leaf_tracker *tracker);

/* Records leaf as the one PEER (any text naming who sent it) sends now. Returns 1 with the
 * previous one in *before when it differs, 0 when it is the same or the first, -ENOSPC when
 * the table is full, -ENOMEM. */
int leaf_tracker_note(struct leaf_tracker *tracker, const char *peer,
		      const struct tls_cert_info *leaf, struct leaf_seen *before);

#endif
