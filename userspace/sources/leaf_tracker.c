#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "leaf_tracker.h"

struct peer_leaf {
	char *peer;
	struct leaf_seen leaf;
};

struct leaf_tracker {
	void *root; /* tsearch tree of struct peer_leaf by peer */
	size_t count, max_peers;
};

static int peer_compare(const void *a, const void *b)
{
	return strcmp(((const struct peer_leaf *)a)->peer, ((const struct peer_leaf *)b)->peer);
}

struct leaf_tracker *leaf_tracker_new(size_t max_peers)
{
	struct leaf_tracker *tracker = calloc(1, sizeof(*tracker));

	if (tracker)
		tracker->max_peers = max_peers;
	return tracker;
}

static void peer_leaf_free(void *node)
{
	struct peer_leaf *entry = node;

	free(entry->peer);
	free(entry);
}

void leaf_tracker_free(struct leaf_tracker *tracker)
{
	if (!tracker)
		return;
	tdestroy(tracker->root, peer_leaf_free);
	free(tracker);
}

static void leaf_copy(struct leaf_seen *to, const struct tls_cert_info *leaf)
{
	memcpy(to->sha256, leaf->sha256, sizeof(to->sha256));
	memcpy(to->subject, leaf->subject, sizeof(to->subject));
	to->not_after = leaf->not_after;
}

int leaf_tracker_note(struct leaf_tracker *tracker, const char *peer,
		      const struct tls_cert_info *leaf, struct leaf_seen *before)
{
	struct peer_leaf key = {.peer = (char *)peer}, *entry, **found;

	found = tfind(&key, &tracker->root, peer_compare);
	if (found) {
		entry = *found;
		if (!strcmp(entry->leaf.sha256, leaf->sha256))
			return 0;
		*before = entry->leaf;
		leaf_copy(&entry->leaf, leaf);
		return 1;
	}
	if (tracker->count >= tracker->max_peers)
		return -ENOSPC;
	entry = calloc(1, sizeof(*entry));
	if (!entry || !(entry->peer = strdup(peer))) {
		free(entry);
		return -ENOMEM;
	}
	leaf_copy(&entry->leaf, leaf);
	if (!tsearch(entry, &tracker->root, peer_compare)) {
		peer_leaf_free(entry);
		return -ENOMEM;
	}
	tracker->count++;
	return 0;
}
