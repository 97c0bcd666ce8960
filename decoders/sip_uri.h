/* SIP URI pieces the decoder checks or extracts (RFC 3261 §19.1, §25.1; RFC 5118). */
#ifndef SIPTRAIL_SIP_URI_H
#define SIPTRAIL_SIP_URI_H

#include <stdbool.h>
#include <stdint.h>

#include "sip_message.h"

/* host [":" port] as in sent-by and hostport. host excludes the brackets of an IPv6
 * reference. */
struct sip_hostport {
	struct sip_view host;
	bool is_ipv6;
	bool has_port;
	uint16_t port;
};

/* RFC 3261 §25.1 IPv6address (hexpart [":" IPv4address]), without brackets. */
bool sip_ipv6_valid(const char *p, size_t len);

/* Parses host [":" port] at p; stops at the first byte that cannot continue it and returns
 * that position, or NULL when malformed (bad IPv6 reference, empty host, bad port). */
const char *sip_hostport_parse(const char *p, const char *end, struct sip_hostport *hostport);

/* A URI as found in a Request-URI: sip/sips URIs must have a well-formed hostport (so the
 * RFC 5118 §4.2 and §4.10 messages fail), other schemes need "scheme:" and some text. */
bool sip_uri_valid(struct sip_view uri);

/* The hostport of a sip/sips URI into HOSTPORT; false for other schemes or a malformed one. */
bool sip_uri_hostport_of(struct sip_view uri, struct sip_hostport *hostport);

/* The value of a parameter of a sip/sips URI (e.g. "transport"), or an empty view. */
struct sip_view sip_uri_param(struct sip_view uri, const char *name);

#endif
