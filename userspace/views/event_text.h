/* One human-readable line per event, for `siptrail live` and `siptrail replay` without --json:
 * sockets (conn_open, conn_close, conn_end), losses, TLS from the wire or libssl
 * (tls_handshake, tls_hello, tls_alert, tls_chain, tls_leaf_changed) and SIP. Written from the
 * same event the journal line is written from, so the terminal and the journal cannot
 * disagree. */
#ifndef SIPTRAIL_EVENT_TEXT_H
#define SIPTRAIL_EVENT_TEXT_H

#include <stdio.h>

#include "event.h"

/* Returns 0 or -EIO. */
int event_text_write(FILE *out, const struct event *ev);

#endif
