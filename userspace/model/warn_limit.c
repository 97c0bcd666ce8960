/* First few warnings of each kind printed, the rest counted. */
#include "warn_limit.h"

static unsigned slot(unsigned kind)
{
	return kind < WARN_LIMIT_KINDS ? kind : WARN_LIMIT_KINDS - 1;
}

bool warn_limit_take(struct warn_limit *limit, unsigned kind, bool *last_shown)
{
	unsigned long seen = ++limit->seen[slot(kind)];

	*last_shown = seen == WARN_LIMIT_SHOWN;
	return seen <= WARN_LIMIT_SHOWN;
}

unsigned long warn_limit_hidden(const struct warn_limit *limit, unsigned kind)
{
	unsigned long seen = limit->seen[slot(kind)];

	return seen > WARN_LIMIT_SHOWN ? seen - WARN_LIMIT_SHOWN : 0;
}
