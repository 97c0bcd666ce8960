/* TLS-library events as journal lines (docs/journal contract: "tls_handshake", "sip"). */
#ifndef SIPTRAIL_TLS_EVENT_JSON_H
#define SIPTRAIL_TLS_EVENT_JSON_H

#include <jansson.h>

#include "tls_event.h"

/* A new JSON object for ev, or NULL for kinds the journal does not carry (handshake begin,
 * late verify result) or when out of memory. */
json_t *tls_event_to_json(const struct tls_event *ev);

#endif
