/* One human-readable line per wire event (tls_hello, tls_alert, tls_chain, tls_leaf_changed,
 * sip), rendered from its journal JSON so the terminal and the journal cannot disagree. */
#ifndef SIPTRAIL_WIRE_EVENT_TEXT_H
#define SIPTRAIL_WIRE_EVENT_TEXT_H

#include <stdio.h>
#include <jansson.h>

/* Returns 0, -EINVAL for an event that is not a wire event, or -EIO. */
int wire_event_text_write(FILE *out, const json_t *event);

#endif
