/* Layer journal/: the journal format, JSON lines to events and events to JSON lines, and the
 * line writer. It calls model/ only (and jansson).
 *
 * JSON lines output: the journal file (`--write FILE`) and `--json` on stdout. */
#ifndef SIPTRAIL_JOURNAL_H
#define SIPTRAIL_JOURNAL_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/* Opens PATH for appending, creating it with mode 0600 (and tightening an existing file to
 * 0600: a journal holds addresses and SIP text). Returns NULL with the reason in why. */
FILE *journal_open(const char *path, char *why, size_t why_len);

/* Writes EVENT as one compact JSON line. Returns 0 or a negative errno. */
int json_line_write(FILE *out, const json_t *event);

/* Flushes to disk and closes. Returns 0 or a negative errno. */
int journal_close(FILE *journal);

#endif
