/* A decoded certificate and a chain verdict (decoders/tls_chain.h) as the event carries them:
 * shared by every source that reads chains (a capture, the wire). */
#ifndef SIPTRAIL_TLS_CERT_EVENT_H
#define SIPTRAIL_TLS_CERT_EVENT_H

#include "event.h"
#include "tls_chain.h"

/* Fills cert (zeroed by the caller) with copies of info's fields. Returns 0 or -ENOMEM (what
 * was copied stays in cert, for event_release). */
int ev_cert_from_info(struct ev_cert *cert, const struct tls_cert_info *info);

enum chain_verdict chain_verdict_of(enum tls_chain_verdict verdict);

#endif
