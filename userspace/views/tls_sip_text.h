/* One human-readable line per TLS or SIP event, from the wire or from libssl (tls_handshake,
 * tls_hello, tls_alert, tls_chain, tls_leaf_changed, sip), rendered from its journal JSON so
 * the terminal and the journal cannot disagree. */
#ifndef SIPTRAIL_TLS_SIP_TEXT_H
#define SIPTRAIL_TLS_SIP_TEXT_H

#include <stdio.h>
#include <jansson.h>

/* Returns 0, -EINVAL for an event that is not a TLS or SIP event, or -EIO. */
int tls_sip_text_write(FILE *out, const json_t *event);

#endif
