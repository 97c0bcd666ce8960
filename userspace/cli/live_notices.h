/* What `siptrail live` loses when one of its optional sources cannot open on this host, in
 * one wording for live (which prints it at start) and check (which lists it beforehand). */
#ifndef SIPTRAIL_LIVE_NOTICES_H
#define SIPTRAIL_LIVE_NOTICES_H

#include <stdbool.h>
#include <stdio.h>

#include "notices.h"

/* The libssl probe did not open (why); wire: whether the packet capture runs instead. */
void live_notice_no_tls(struct notices *notices, const char *why, bool wire);

/* One line per loss, as live prints them at start: "siptrail live: without ...". */
void live_notices_print(FILE *out, const struct notices *notices);

/* The packet capture did not open (why). */
void live_notice_no_wire(struct notices *notices, const char *why);

#endif
