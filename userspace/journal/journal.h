/* Layer journal/: the journal format, JSON lines to events and events to JSON lines, and the
 * line writer. It calls model/ only (and jansson).
 *
 * JSON lines output: the journal file (`--write FILE`, journal_file.h) and `--json` on stdout. */
#ifndef SIPTRAIL_JOURNAL_H
#define SIPTRAIL_JOURNAL_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/* Writes EVENT (a JSON object that is no struct event: a diagnosis, a summary) as one compact
 * JSON line. Returns 0 or a negative errno. Events have their own writer (journal_write.h). */
int json_line_write(FILE *out, const json_t *event);

#endif
