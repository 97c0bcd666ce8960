#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port_set.h"

/* Reads one port number at *pos, advancing past it. */
static int port_parse_one(const char **pos, long *port)
{
	char *end;

	if (**pos < '0' || **pos > '9')
		return -EINVAL;
	errno = 0;
	*port = strtol(*pos, &end, 10);
	if (errno || *port < 1 || *port > 65535)
		return -EINVAL;
	*pos = end;
	return 0;
}

int port_set_parse(struct port_set *set, const char *list, char *why, size_t why_len)
{
	const char *pos = list;
	long low, high;

	memset(set, 0, sizeof(*set));
	if (!*list) {
		snprintf(why, why_len, "empty port list");
		return -EINVAL;
	}
	while (*pos) {
		const char *item = pos;

		if (port_parse_one(&pos, &low))
			goto bad;
		high = low;
		if (*pos == '-') {
			pos++;
			if (port_parse_one(&pos, &high) || high < low)
				goto bad;
		}
		if (*pos != ',' && *pos != '\0')
			goto bad;
		for (long port = low; port <= high; port++)
			set->traced[port] = 1;
		if (*pos == ',' && *++pos == '\0')
			goto bad;
		continue;
	bad:
		snprintf(why, why_len,
			 "bad port list '%s' at '%s' (want PORT or LOW-HIGH, 1..65535, "
			 "comma-separated)",
			 list, item);
		return -EINVAL;
	}
	return 0;
}
