/* "5060,5061" -> ports. */
#ifndef SIPTRAIL_PORT_LIST_H
#define SIPTRAIL_PORT_LIST_H

#include <stddef.h>
#include <stdint.h>

/* Parses a comma-separated list of ports 1-65535 into ports (at most max). Returns 0,
 * -EINVAL for a bad item, -E2BIG for more than max. */
int port_list_parse(const char *text, uint16_t *ports, size_t max, size_t *n_ports);

#endif
