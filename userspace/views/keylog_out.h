/* Secrets read from libssl at handshake time, written as an NSS key log file (the
 * SSLKEYLOGFILE format Wireshark reads): "LABEL <client random hex> <secret hex>" lines.
 * --keylog-out of live and tls-trace. The file holds keys: made 0600. */
#ifndef SIPTRAIL_KEYLOG_OUT_H
#define SIPTRAIL_KEYLOG_OUT_H

#include <stddef.h>
#include <stdio.h>

#include "tls_event.h"

/* Opens PATH for appending (created 0600, made 0600 when it exists). Returns the stream, or
 * NULL with why saying what failed. */
FILE *keylog_out_open(const char *path, char *why, size_t why_len);

/* One line per secret, flushed (a reader may be decrypting the capture as it grows). Returns 0
 * or a negative errno. */
int keylog_out_write(FILE *out, const struct tls_secrets *secrets);

#endif
