/*
 * Reads a siptrail journal (JSON lines, docs/journal.md) into normalized events. A bad line is
 * reported once (file:line: field: problem) and skipped; it is never fatal, and it is counted.
 * A journal rotated by `live --rotate` (journal_file.h) is read as one: FILE.N (the oldest)
 * down to FILE.1, then FILE.
 */
#ifndef SIPTRAIL_JOURNAL_READ_H
#define SIPTRAIL_JOURNAL_READ_H

#include <stdio.h>
#include <jansson.h>

#include "event.h"

struct journal_reader {
	FILE *file;
	const char *name; /* for messages: the file being read */
	const char *path; /* FILE, as opened */
	char *rotated_name;
	unsigned rotated; /* FILE.ROTATED is being read; 0: FILE itself */
	FILE *errors;	  /* where bad lines are reported; NULL: not reported (still counted) */
	unsigned long line_no;
	unsigned long bad_lines;
	char *line;
	size_t line_cap;
	bool owns_file;
};

/* Opens PATH ("-" is stdin), at its oldest rotated file if it has any. Returns 0 or a negative
 * errno. */
int journal_reader_open(struct journal_reader *reader, const char *path, FILE *errors);
void journal_reader_close(struct journal_reader *reader);

/*
 * Reads the next good event into EV (caller releases it with event_release).
 * Returns 1 for an event, 0 at the end, a negative errno on a read error.
 */
int journal_read_next(struct journal_reader *reader, struct event *ev);

/*
 * Parses one journal line. Returns 0, or -EINVAL with a message naming the field in ERR.
 * Blank lines give -ENODATA (skipped silently by the reader).
 */
int journal_parse_line(const char *line, struct event *ev, char *err, size_t err_len);

/* The same for a journal event already parsed as JSON (live feeds the correlator this way, so
 * live and replayed journals take one path). */
int journal_parse_json(json_t *obj, struct event *ev, char *err, size_t err_len);
#endif
