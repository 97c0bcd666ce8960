/* Layer journal/: the journal format, JSON lines to events and events to JSON lines, and the
 * line writer. It calls model/ only (and jansson).
 *
 * JSON lines output: the journal file (`--write FILE`, journal_file.h) and `--json` on stdout. */
#ifndef SIPTRAIL_JOURNAL_H
#define SIPTRAIL_JOURNAL_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/* Writes EVENT as one compact JSON line. Returns 0 or a negative errno. */
int json_line_write(FILE *out, const json_t *event);

/* The same, saying how many bytes went out in WRITTEN (NULL: not wanted). */
int json_line_write_counted(FILE *out, const json_t *event, size_t *written);

#endif
