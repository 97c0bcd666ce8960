/*
 * Lines printed in order of a key after all of them are known (`siptrail calls` prints its
 * calls in order of start, known as they retire): the text goes to a temporary file as it
 * comes, and only a 24-byte index entry per line stays in memory, up to a run of them; each
 * full run is sorted and written to a second temporary file, and the runs are merged when
 * the lines are written. Memory is bounded by the run, not by the number of lines (a week of
 * captures).
 */
#ifndef SIPTRAIL_LINE_SORT_H
#define SIPTRAIL_LINE_SORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LINE_SORT_RUN_LINES (1u << 19) /* 12 MiB of index in memory at most */

struct line_sort;

/* At most RUN_LINES index entries in memory. NULL with errno set (no temporary file, no
 * memory). */
struct line_sort *line_sort_new(size_t run_lines);

/* Adds the LEN bytes of TEXT (a line without its newline) under KEY. Returns 0 or a negative
 * errno. */
int line_sort_add(struct line_sort *sort, uint64_t key, const char *text, size_t len);

size_t line_sort_count(const struct line_sort *sort);

/* Writes every line and a newline to OUT in order of key, equal keys in the order added.
 * Once. Returns 0 or a negative errno. */
int line_sort_write(struct line_sort *sort, FILE *out);

void line_sort_free(struct line_sort *sort);

#endif
