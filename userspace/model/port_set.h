/* A set of TCP ports, parsed from a command-line list such as "5060,5061,7000-7010". */
#ifndef SIPTRAIL_PORT_SET_H
#define SIPTRAIL_PORT_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PORT_SET_SIZE 65536

struct port_set {
	uint8_t traced[PORT_SET_SIZE]; /* 1 = traced; index 0 is never set */
};

/* Parses LIST (comma-separated ports or LOW-HIGH ranges, 1..65535) into *set. Returns 0, or
 * -EINVAL with a description of the bad item in why. */
int port_set_parse(struct port_set *set, const char *list, char *why, size_t why_len);

#endif
