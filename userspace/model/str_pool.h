/*
 * Interned strings with reference counts: text that many records repeat (the peer address of
 * every call leg on a trunk) is stored once. Lookups go through a tsearch tree.
 */
#ifndef SIPTRAIL_STR_POOL_H
#define SIPTRAIL_STR_POOL_H

struct str_pool {
	void *root;
	unsigned count; /* distinct strings held */
};

void str_pool_init(struct str_pool *pool);

/* Returns the pooled copy of TEXT with one more reference, or NULL when out of memory. */
const char *str_pool_get(struct str_pool *pool, const char *text);

/* Drops one reference to TEXT (a pointer str_pool_get returned; NULL is ignored). */
void str_pool_put(struct str_pool *pool, const char *text);

#endif
