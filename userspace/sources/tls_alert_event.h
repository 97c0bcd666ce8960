/* A TLS alert record (RFC 8446 §6) as the event carries it: shared by every source that reads
 * alerts off TLS records (a capture, the wire). */
#ifndef SIPTRAIL_TLS_ALERT_EVENT_H
#define SIPTRAIL_TLS_ALERT_EVENT_H

#include <stdint.h>

#include "event.h"

/* Fills the level byte, the code and its name ("unknown_ca"; "0x.." when TLS has none);
 * `from` is the caller's. */
void tls_alert_event_fill(struct ev_tls_alert *alert, uint8_t level, uint8_t description);

#endif
