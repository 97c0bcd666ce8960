#include <errno.h>
#include <stdlib.h>

#include "port_list.h"

int port_list_parse(const char *text, uint16_t *ports, size_t max, size_t *n_ports)
{
	const char *cursor = text;
	char *end;
	long port;

	*n_ports = 0;
	for (;;) {
		if (*cursor < '0' || *cursor > '9')
			return -EINVAL;
		port = strtol(cursor, &end, 10);
		if (port < 1 || port > 65535 || (*end != ',' && *end != '\0'))
			return -EINVAL;
		if (*n_ports == max)
			return -E2BIG;
		ports[(*n_ports)++] = (uint16_t)port;
		if (*end == '\0')
			return 0;
		cursor = end + 1;
	}
}
