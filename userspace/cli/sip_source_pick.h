/*
 * SIP inside TLS can reach `siptrail live` from two sources: the libssl probe's plaintext
 * (`--tls-probes message`, or connections older than the start) and the wire's records
 * decrypted with the session's secrets (`--keylog`, or the secrets the probe reads per
 * handshake). One source per connection: the first to give a SIP message of a connection keeps
 * it to its end, and the other's messages of that connection are dropped (counted), so no
 * message is written twice. Each source is whole for the connections it reads, so the first
 * one loses nothing.
 */
#ifndef SIPTRAIL_SIP_SOURCE_PICK_H
#define SIPTRAIL_SIP_SOURCE_PICK_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "hash_map.h"

struct sip_source_pick {
	struct hash_map owners; /* conn -> its source (enum sip_source as a pointer) */
	uint64_t dropped;	/* messages dropped as the other source's */
};

/* Whether EV goes on: anything but a SIP message from TLS does; a SIP message does when its
 * source is its connection's, which the first message of the connection chooses. Out of
 * memory: it goes on (a duplicate rather than a loss). */
bool sip_source_pick_keep(struct sip_source_pick *pick, const struct event *ev);

/* The connection ended: its choice is forgotten. */
void sip_source_pick_end(struct sip_source_pick *pick, uint64_t conn);

void sip_source_pick_free(struct sip_source_pick *pick);

#endif
