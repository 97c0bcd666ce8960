/*
 * A map from 64-bit keys to pointers, for the lookups on the per-message path (calls by
 * Call-ID, connections by id, streams by socket cookie): open addressing with linear probing,
 * kept at most half full, grown as needed.
 *
 * An integer key (a socket cookie, a connection id) is its own key. A string key is hashed
 * with hash_bytes() and two strings may share a hash, so the map can hold several values under
 * one key: hash_map_find() walks them and the caller compares its strings.
 */
#ifndef SIPTRAIL_HASH_MAP_H
#define SIPTRAIL_HASH_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hash_map_slot {
	uint64_t key;
	void *value; /* NULL: free; hash_map_removed: a value was removed here */
};

struct hash_map {
	struct hash_map_slot *slots; /* NULL until the first put */
	size_t n_slots;		     /* a power of two */
	unsigned bits;		     /* log2(n_slots) */
	size_t count;		     /* values held */
	size_t used; /* slots not free (values and removed ones): what probes cross */
};

extern char hash_map_removed[];

/* An all-zero struct hash_map is an empty map too. */
void hash_map_init(struct hash_map *map);
void hash_map_free(struct hash_map *map);

/* Calls FREE_VALUE on every value, then frees the map (left empty). */
void hash_map_free_values(struct hash_map *map, void (*free_value)(void *value));

/* Adds VALUE (not NULL) under KEY, beside any value already there. Returns 0 or -ENOMEM. */
int hash_map_put(struct hash_map *map, uint64_t key, void *value);

/* The values under KEY, one per call: start with *pos = 0; NULL when there are no more. */
void *hash_map_find(const struct hash_map *map, uint64_t key, size_t *pos);

/* The first value under KEY, or NULL (for maps that hold one value per key). */
void *hash_map_get(const struct hash_map *map, uint64_t key);

/* Removes VALUE from under KEY. Returns false when it was not there. */
bool hash_map_remove(struct hash_map *map, uint64_t key, const void *value);

/* Every value, in no order, one per call: start with *pos = 0; NULL when there are no more.
 * Removing the value just returned is allowed; putting is not. */
void *hash_map_each(const struct hash_map *map, size_t *pos);

/* A 64-bit hash of LEN bytes (keys here are short: Call-IDs, addresses). */
uint64_t hash_bytes(const void *bytes, size_t len);

#endif
