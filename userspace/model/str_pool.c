/* Reference-counted interned strings: the tree holds pointers to the text of each entry. */
#include <search.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "str_pool.h"

struct pooled {
	unsigned refs;
	char text[];
};

static int text_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static struct pooled *pooled_of(const char *text)
{
	return (struct pooled *)(text - offsetof(struct pooled, text));
}

void str_pool_init(struct str_pool *pool)
{
	pool->root = NULL;
	pool->count = 0;
}

const char *str_pool_get(struct str_pool *pool, const char *text)
{
	void *node = tfind(text, &pool->root, text_cmp);
	struct pooled *entry;
	size_t len;

	if (!node) {
		len = strlen(text);
		entry = malloc(sizeof(*entry) + len + 1);
		if (!entry)
			return NULL;
		entry->refs = 0;
		memcpy(entry->text, text, len + 1);
		node = tsearch(entry->text, &pool->root, text_cmp);
		if (!node) {
			free(entry);
			return NULL;
		}
		pool->count++;
	}
	entry = pooled_of(*(const char **)node);
	entry->refs++;
	return entry->text;
}

void str_pool_put(struct str_pool *pool, const char *text)
{
	struct pooled *entry;

	if (!text)
		return;
	entry = pooled_of(text);
	if (--entry->refs)
		return;
	tdelete(entry->text, &pool->root, text_cmp);
	pool->count--;
	free(entry);
}
