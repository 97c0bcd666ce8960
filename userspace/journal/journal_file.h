/*
 * The journal file `live --write` and `replay --write` append to, rotated by size and/or by
 * time when asked (docs/journal.md, "Rotation"): FILE is the one being written, FILE.1 the
 * newest rotated one, FILE.KEEP the oldest kept. Rotation happens between lines, after the
 * file written so far is flushed and synced, so no event is split or lost across it; a
 * rotation that fails leaves the events going to FILE.
 */
#ifndef SIPTRAIL_JOURNAL_FILE_H
#define SIPTRAIL_JOURNAL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#define JOURNAL_KEEP_DEFAULT 10
#define JOURNAL_KEEP_MAX     1000

struct journal_rotation {
	uint64_t max_bytes;  /* 0: no size limit */
	uint64_t max_age_ns; /* a file holds events of at most this span of time; 0: no limit */
	unsigned keep;	     /* rotated files kept besides FILE (1..JOURNAL_KEEP_MAX; 0: default) */
};

struct journal_file {
	FILE *file;
	char *buffer; /* FILE's stdio buffer, JOURNAL_FILE_BUFFER bytes */
	char *path;
	struct journal_rotation rotation;
	FILE *errors;	      /* where failed rotations are reported; NULL: not reported */
	uint64_t bytes;	      /* in FILE, written or found */
	uint64_t first_ts_ns; /* of the first event in FILE this run; 0: none yet */
	unsigned long rotations, rotation_failures;
};

/*
 * Parses --rotate's value: a size (up to 9 digits then K, M or G, an optional B: "64M"), an
 * interval (digits then s, min, h or d: "1h"; "m" is neither), or both separated by a comma
 * ("64M,1d"), into ROTATION (keep left alone). Returns 0 or -EINVAL with the reason in WHY.
 */
int journal_rotation_parse(const char *text, struct journal_rotation *rotation, char *why,
			   size_t why_len);

/*
 * Opens PATH for appending, creating it with mode 0600 (and tightening an existing file to
 * 0600: a journal holds addresses and SIP text). ROTATION NULL or all zero: never rotated.
 * Returns 0 or a negative errno with the reason in WHY.
 */
int journal_file_open(struct journal_file *journal, const char *path,
		      const struct journal_rotation *rotation, FILE *errors, char *why,
		      size_t why_len);

/* Appends LINE (one event's JSON line, LEN bytes with its newline, journal_write.h; the
 * event's time TS_NS). FILE is rotated before the line
 * when TS_NS is a full span past FILE's first event of this run, and after it when FILE
 * reached its size (so a file is at most its size plus one line). Returns 0 or a negative
 * errno (a failed rotation is no error: it is reported to ERRORS and counted). */
int journal_file_write(struct journal_file *journal, const char *line, size_t len, uint64_t ts_ns);

/*
 * SIGHUP, logrotate style: when PATH no longer names the file being written (moved away or
 * removed), that file is flushed, synced and closed and PATH is created anew (mode 0600);
 * otherwise nothing changes. Returns 0, or a negative errno with the reason in WHY, the
 * events then going on into the file already open.
 */
int journal_file_reopen(struct journal_file *journal, char *why, size_t why_len);

/* Hands what is buffered to the kernel (live does at every poll round, so the journal is as
 * fresh as its stdout). Returns 0 or a negative errno. */
int journal_file_flush(struct journal_file *journal);

/* Flushes to disk and closes. Returns 0 or a negative errno. */
int journal_file_close(struct journal_file *journal);

#endif
