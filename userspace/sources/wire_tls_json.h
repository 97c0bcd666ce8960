/* The bodies of the wire path's TLS events (docs/journal.md): the fields that do not depend on
 * which end is local. wire_event_to_json adds event, ts_ns, conn and from/role. */
#ifndef SIPTRAIL_WIRE_TLS_JSON_H
#define SIPTRAIL_WIRE_TLS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "leaf_tracker.h"
#include "tls_chain.h"
#include "tls_handshake.h"

struct wire_hello {
	const char *sni; /* NULL when the ClientHello had none */
	const uint16_t *offered;
	size_t offered_count;
	bool server_hello_seen; /* else version and cipher are unknown (null) */
	uint16_t version, cipher_suite;
	bool hello_retry;
};

/* Each returns a new object, or NULL when out of memory. */
json_t *wire_hello_json(const struct wire_hello *hello);
json_t *wire_alert_json(uint8_t level, uint8_t description);
json_t *wire_chain_json(const char *sni, const struct tls_cert_info *certs, size_t count,
			const struct tls_chain_result *result);
json_t *wire_leaf_changed_json(const char *peer_addr, int peer_port, const char *sni,
			       const struct leaf_seen *before, const struct tls_cert_info *now);

#endif
