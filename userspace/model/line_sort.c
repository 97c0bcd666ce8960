/* Lines spilled to a temporary file, their index sorted in runs and merged (line_sort.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "line_sort.h"

struct line_entry {
	uint64_t key;
	uint64_t offset; /* in the text file; also the order added, which keeps ties stable */
	uint64_t len;
};

struct line_run {
	uint64_t first; /* entry number in the runs file */
	size_t count;
};

/* The text file's stdio buffer: stdio's own is a page, a write system call every 4 KiB. */
#define TEXT_BUFFER_BYTES (256 << 10)

struct line_sort {
	FILE *text;	   /* the lines, as added */
	char *text_buffer; /* its stdio buffer, freed after it is closed */
	uint64_t text_bytes;
	size_t longest, count;
	struct line_entry *entries; /* the run being filled */
	size_t n_entries, cap_entries, run_lines;
	bool entries_unsorted; /* a key came smaller than the one before it in this run */
	FILE *runs;	       /* the full runs, each sorted; opened at the first */
	struct line_run *run_list;
	size_t n_runs, cap_runs;
};

static int io_error(void)
{
	return errno ? -errno : -EIO;
}

struct line_sort *line_sort_new(size_t run_lines)
{
	struct line_sort *sort = calloc(1, sizeof(*sort));

	if (!sort)
		return NULL;
	sort->run_lines = run_lines ? run_lines : 1;
	sort->text = tmpfile();
	sort->text_buffer = malloc(TEXT_BUFFER_BYTES);
	if (!sort->text || !sort->text_buffer) {
		if (sort->text)
			fclose(sort->text);
		free(sort->text_buffer);
		free(sort);
		return NULL;
	}
	setvbuf(sort->text, sort->text_buffer, _IOFBF, TEXT_BUFFER_BYTES);
	return sort;
}

void line_sort_free(struct line_sort *sort)
{
	if (!sort)
		return;
	fclose(sort->text);
	free(sort->text_buffer);
	if (sort->runs)
		fclose(sort->runs);
	free(sort->entries);
	free(sort->run_list);
	free(sort);
}

size_t line_sort_count(const struct line_sort *sort)
{
	return sort->count;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct line_entry *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Sorts the run in memory, unless it came in order: lines added as calls retire are often in
 * order of start already (sorting them anyway was 4 % of `calls`' instructions). */
static void sort_entries(struct line_sort *sort)
{
	if (sort->entries_unsorted)
		qsort(sort->entries, sort->n_entries, sizeof(*sort->entries), entry_cmp);
	sort->entries_unsorted = false;
}

/* The entries in memory, sorted, become a run in the runs file. */
static int spill_run(struct line_sort *sort)
{
	struct line_run run = {0, sort->n_entries};

	if (!sort->runs && !(sort->runs = tmpfile()))
		return io_error();
	if (sort->n_runs == sort->cap_runs) {
		size_t cap = sort->cap_runs ? sort->cap_runs * 2 : 8;
		struct line_run *grown = realloc(sort->run_list, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		sort->run_list = grown;
		sort->cap_runs = cap;
	}
	if (sort->n_runs) {
		const struct line_run *last = &sort->run_list[sort->n_runs - 1];
		run.first = last->first + last->count;
	}
	sort_entries(sort);
	if (fwrite(sort->entries, sizeof(*sort->entries), sort->n_entries, sort->runs) !=
	    sort->n_entries)
		return io_error();
	sort->run_list[sort->n_runs++] = run;
	sort->n_entries = 0;
	return 0;
}

int line_sort_add(struct line_sort *sort, uint64_t key, const char *text, size_t len)
{
	int rc;

	if (sort->n_entries == sort->run_lines && (rc = spill_run(sort)))
		return rc;
	if (sort->n_entries == sort->cap_entries) {
		size_t cap = sort->cap_entries ? sort->cap_entries * 2 : 64;
		struct line_entry *grown;
		if (cap > sort->run_lines)
			cap = sort->run_lines;
		grown = realloc(sort->entries, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		sort->entries = grown;
		sort->cap_entries = cap;
	}
	if (fwrite(text, 1, len, sort->text) != len)
		return io_error();
	if (sort->n_entries && key < sort->entries[sort->n_entries - 1].key)
		sort->entries_unsorted = true; /* equal keys: in order of offset, as added */
	sort->entries[sort->n_entries++] = (struct line_entry){key, sort->text_bytes, len};
	sort->text_bytes += len;
	sort->count++;
	if (len > sort->longest)
		sort->longest = len;
	return 0;
}

/* The text file read back through a window: lines in order of key are mostly in nearly the
 * order they were added, so one read brings many (a read per line was 3 % of `calls`' CPU
 * and a system call per call). */
#define TEXT_WINDOW_BYTES (1 << 20)

struct text_window {
	char *bytes;
	size_t cap;	/* at least the longest line */
	uint64_t start; /* offset of bytes[0] in the text file */
	size_t len;
};

/* The LEN bytes at OFFSET (LEN at most cap), from the window or read into it. Returns NULL
 * with errno set. */
static const char *text_at(struct text_window *w, int fd, uint64_t offset, size_t len)
{
	ssize_t got;

	if (offset >= w->start && offset + len <= w->start + w->len)
		return w->bytes + (offset - w->start);
	got = pread(fd, w->bytes, w->cap, (off_t)offset);
	if (got < (ssize_t)len) {
		errno = got < 0 ? errno : EIO;
		return NULL;
	}
	w->start = offset;
	w->len = (size_t)got;
	return w->bytes;
}

/* One sorted run being merged: its next entries, read a block at a time (or, for the run
 * still in memory, all of them). */
#define MERGE_BLOCK_ENTRIES 2048

struct run_cursor {
	const struct line_run *run; /* NULL: the entries in memory */
	struct line_entry *block;
	size_t in_block, at_block; /* entries in block, the next one */
	size_t taken;		   /* entries of the run taken before block */
	size_t count;
};

/* The cursor's next entry, NULL when the run is done. Returns -errno through *rc. */
static const struct line_entry *cursor_peek(struct run_cursor *c, int fd, int *rc)
{
	if (c->at_block < c->in_block)
		return &c->block[c->at_block];
	if (!c->run || c->taken + c->in_block == c->count)
		return NULL;
	c->taken += c->in_block;
	c->in_block =
	    c->count - c->taken < MERGE_BLOCK_ENTRIES ? c->count - c->taken : MERGE_BLOCK_ENTRIES;
	c->at_block = 0;
	size_t bytes = c->in_block * sizeof(*c->block);
	off_t at = (off_t)((c->run->first + c->taken) * sizeof(*c->block));
	if (pread(fd, c->block, bytes, at) != (ssize_t)bytes) {
		*rc = io_error();
		return NULL;
	}
	return c->block;
}

static int write_line(struct text_window *window, int fd, const struct line_entry *entry, FILE *out)
{
	const char *text = text_at(window, fd, entry->offset, entry->len);

	if (!text)
		return io_error();
	fwrite(text, 1, entry->len, out);
	putc('\n', out);
	return 0;
}

/* Merges the runs and the entries in memory (sorted) into OUT. */
static int merge_runs(struct line_sort *sort, struct text_window *window, FILE *out)
{
	size_t n = sort->n_runs + 1;
	struct run_cursor *cursors = calloc(n, sizeof(*cursors));
	int runs_fd = fileno(sort->runs), text_fd = fileno(sort->text), rc = 0;

	if (!cursors)
		return -ENOMEM;
	for (size_t i = 0; i < sort->n_runs && !rc; i++) {
		cursors[i].run = &sort->run_list[i];
		cursors[i].count = sort->run_list[i].count;
		cursors[i].block = malloc(MERGE_BLOCK_ENTRIES * sizeof(*cursors[i].block));
		if (!cursors[i].block)
			rc = -ENOMEM;
	}
	cursors[n - 1] =
	    (struct run_cursor){NULL, sort->entries, sort->n_entries, 0, 0, sort->n_entries};
	while (!rc) {
		struct run_cursor *min = NULL;
		const struct line_entry *min_entry = NULL;
		for (size_t i = 0; i < n && !rc; i++) {
			const struct line_entry *e = cursor_peek(&cursors[i], runs_fd, &rc);
			if (e && (!min_entry || entry_cmp(e, min_entry) < 0)) {
				min = &cursors[i];
				min_entry = e;
			}
		}
		if (!min || rc)
			break;
		rc = write_line(window, text_fd, min_entry, out);
		min->at_block++;
	}
	for (size_t i = 0; i < sort->n_runs; i++)
		free(cursors[i].block);
	free(cursors);
	return rc;
}

int line_sort_write(struct line_sort *sort, FILE *out)
{
	struct text_window window = {0};
	int rc = 0;

	if (fflush(sort->text) || (sort->runs && fflush(sort->runs)))
		return io_error();
	sort_entries(sort);
	window.cap = sort->longest > TEXT_WINDOW_BYTES ? sort->longest : TEXT_WINDOW_BYTES;
	window.bytes = malloc(window.cap);
	if (!window.bytes)
		return -ENOMEM;
	if (sort->n_runs)
		rc = merge_runs(sort, &window, out);
	else
		for (size_t i = 0; i < sort->n_entries && !rc; i++)
			rc = write_line(&window, fileno(sort->text), &sort->entries[i], out);
	free(window.bytes);
	return rc;
}
