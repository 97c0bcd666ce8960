/*
 * SIP inside TLS can reach `siptrail live` from two sources: the libssl probe's plaintext
 * (`--tls-probes message`, or connections older than the start) and the wire's records
 * decrypted with the session's secrets (`--keylog`, or the secrets the probe reads per
 * handshake). One source per connection: the first to give a SIP message of a connection keeps
 * it, and the other's messages of that connection are dropped (counted), so no message is
 * written twice. Each source is whole for the connections it reads, so the first one loses
 * nothing. The choice outlives the connection's end by SIP_SOURCE_PICK_LINGER_NS: records wait
 * for their secrets up to TLS_DECRYPT_HOLD_NS (and a poll round), so decrypted messages of a
 * connection can come after its end.
 */
#ifndef SIPTRAIL_SIP_SOURCE_PICK_H
#define SIPTRAIL_SIP_SOURCE_PICK_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "hash_map.h"

#define SIP_SOURCE_PICK_LINGER_NS (10ull * 1000000000ull)

struct sip_source_pick_ended {
	uint64_t conn, ts_ns;
};

struct sip_source_pick {
	struct hash_map owners; /* conn -> its source (enum sip_source as a pointer) */
	uint64_t dropped;	/* messages dropped as the other source's */
	/* ended connections in order of their end, forgotten after the linger (a ring) */
	struct sip_source_pick_ended *ended;
	size_t ended_head, ended_count, ended_cap;
};

/* Whether EV goes on: anything but a SIP message from TLS does; a SIP message does when its
 * source is its connection's, which the first message of the connection chooses. Out of
 * memory: it goes on (a duplicate rather than a loss). */
bool sip_source_pick_keep(struct sip_source_pick *pick, const struct event *ev);

/* Connection CONN ended at TS_NS: its choice is forgotten SIP_SOURCE_PICK_LINGER_NS later (at
 * a later end), and so are the choices of connections that ended that long before TS_NS. Out of
 * memory: forgotten at once. */
void sip_source_pick_end(struct sip_source_pick *pick, uint64_t conn, uint64_t ts_ns);

void sip_source_pick_free(struct sip_source_pick *pick);

#endif
