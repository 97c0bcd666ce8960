/* Capped heap copies of evidence text. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "heap_text.h"

const char heap_text_empty[] = "";

void heap_text_free(const char **field)
{
	if (*field && *field != heap_text_empty)
		free((char *)*field);
	*field = heap_text_empty;
}

int heap_text_set(const char **field, const char *value, size_t max_len)
{
	char *copy;

	heap_text_free(field);
	if (!value || !value[0])
		return 0;
	copy = strndup(value, max_len);
	if (!copy)
		return -ENOMEM;
	*field = copy;
	return 0;
}
