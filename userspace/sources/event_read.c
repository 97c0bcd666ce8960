/* Journal or captures -> events, one at a time, in input order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_use.h"
#include "event_read.h"
#include "journal_read.h"
#include "progress.h"

static int read_journal(const char *cmd, const char *path, capture_event_fn sink, void *ctx,
			struct event_input_stats *stats)
{
	struct journal_reader reader;
	struct event ev;
	int rc = journal_reader_open(&reader, path, stderr);

	if (rc) {
		fprintf(stderr, "siptrail %s: %s: %s\n", cmd, path, strerror(-rc));
		return rc;
	}
	while ((rc = journal_read_next(&reader, &ev)) == 1) {
		stats->events++;
		if ((rc = sink(ctx, &ev)))
			break;
	}
	stats->bad_lines = reader.bad_lines;
	journal_reader_close(&reader);
	if (rc < 0)
		fprintf(stderr, "siptrail %s: %s: %s\n", cmd, path, strerror(-rc));
	return rc < 0 ? rc : 0;
}

struct capture_read {
	capture_event_fn sink;
	void *ctx;
	struct event_input_stats *stats;
	struct progress progress;
	const uint64_t *before; /* per file in reading order: the sizes of the files before it */
	int sink_rc;
};

static int to_sink(void *ctx, struct event *ev)
{
	struct capture_read *read = ctx;

	read->stats->events++;
	return read->sink_rc = read->sink(read->ctx, ev);
}

static void show_progress(void *ctx, uint32_t file, uint64_t disk_offset)
{
	struct capture_read *read = ctx;

	progress_update(&read->progress, read->before[file] + disk_offset);
}

/* Rotating files are given in any order (a shell glob sorts by name): they are read in order
 * of their first packet. Returns 0 or -EIO (ERR says why). */
static int order_by_first_packet(const char **paths, uint64_t *first_ts, size_t n,
				 struct capture_error *err)
{
	for (size_t i = 0; i < n; i++) {
		int rc = capture_first_ts(paths[i], &first_ts[i], err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			first_ts[i] = 0; /* no packet: anywhere will do */
	}
	for (size_t i = 1; i < n; i++) { /* stable, and n is a day of files */
		for (size_t j = i; j > 0 && first_ts[j - 1] > first_ts[j]; j--) {
			uint64_t ts = first_ts[j];
			const char *path = paths[j];
			first_ts[j] = first_ts[j - 1];
			paths[j] = paths[j - 1];
			first_ts[j - 1] = ts;
			paths[j - 1] = path;
		}
	}
	return 0;
}

/* A rotation loses nothing when each file starts where the last ended: say where not. */
static void report_seams(const char *cmd, const char *const *paths,
			 const struct capture_file_span *spans, size_t n)
{
	const struct capture_file_span *prev = NULL;
	const char *prev_path = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct capture_file_span *span = &spans[i];
		if (!span->packets)
			continue;
		if (prev && span->first_ts_ns < prev->last_ts_ns)
			fprintf(stderr,
				"siptrail %s: %s starts %.3f s before %s ends: the files overlap "
				"(events up to %llu s apart are put in order, older ones judged "
				"late)\n",
				cmd, paths[i], (double)(prev->last_ts_ns - span->first_ts_ns) / 1e9,
				prev_path,
				(unsigned long long)(EVENT_ORDER_WINDOW_NS / 1000000000ull));
		else if (prev && span->first_ts_ns > prev->last_ts_ns + EVENT_READ_GAP_NS)
			fprintf(
			    stderr,
			    "siptrail %s: no packet for %.3f s between the end of %s and the start "
			    "of %s: a gap between the files, or a quiet trunk\n",
			    cmd, (double)(span->first_ts_ns - prev->last_ts_ns) / 1e9, prev_path,
			    paths[i]);
		prev = span;
		prev_path = paths[i];
	}
}

int event_read_captures(const char *cmd, const char *const *given, size_t n,
			const struct capture_source_options *options, capture_event_fn sink,
			void *ctx, const unsigned long *calls_so_far,
			struct event_input_stats *stats, struct capture_error *err)
{
	struct capture_read read = {sink, ctx, stats};
	struct capture_source_run run = {options, to_sink, show_progress, &read};
	const char **paths = calloc(n, sizeof(*paths));
	uint64_t *first_ts = calloc(n, sizeof(*first_ts)), *before = calloc(n, sizeof(*before));
	struct capture_file_span *spans = calloc(n, sizeof(*spans));
	uint64_t total = 0;
	int rc = -ENOMEM;

	stats->from_capture = true;
	if (!paths || !first_ts || !before || !spans) {
		snprintf(err->message, sizeof(err->message), "out of memory");
		goto out;
	}
	memcpy(paths, given, n * sizeof(*paths));
	if (n > 1 && (rc = order_by_first_packet(paths, first_ts, n, err)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		before[i] = total;
		total += stat(paths[i], &st) ? 0 : (uint64_t)st.st_size;
	}
	read.before = before;
	progress_start(&read.progress, paths[0], total);
	read.progress.calls = calls_so_far;
	rc = capture_source_read_files(paths, n, &run, &stats->capture, spans, err);
	progress_end(&read.progress);
	if (rc && rc == read.sink_rc)
		snprintf(err->message, sizeof(err->message), "%s: %s", paths[0], strerror(-rc));
	if (n > 1)
		report_seams(cmd, paths, spans, n);
out:
	free(paths);
	free(first_ts);
	free(before);
	free(spans);
	return rc;
}

static int read_captures(const char *cmd, const char *const *paths, size_t n,
			 const struct capture_source_options *options, capture_event_fn sink,
			 void *ctx, const unsigned long *calls_so_far,
			 struct event_input_stats *stats)
{
	struct capture_error err;
	int rc = event_read_captures(cmd, paths, n, options, sink, ctx, calls_so_far, stats, &err);

	if (rc)
		fprintf(stderr, "siptrail %s: %s\n", cmd, err.message);
	if ((!rc || rc == -EIO) && stats->capture.replay.packets && !stats->capture.use.used) {
		char use[1024]; /* said plainly: nothing of it was used */
		capture_use_text(paths[0], &stats->capture, use, sizeof(use));
		fprintf(stderr, "siptrail %s: %s\n", cmd, use);
	}
	return rc;
}

int event_read_files(const char *cmd, const char *const *paths, size_t n_paths,
		     const struct capture_source_options *options, capture_event_fn sink, void *ctx,
		     const unsigned long *calls_so_far, struct event_input_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	if (n_paths == 1 && (!strcmp(paths[0], "-") || !capture_file_detect(paths[0])))
		return read_journal(cmd, paths[0], sink, ctx, stats);
	for (size_t i = 0; i < n_paths; i++) {
		if (strcmp(paths[i], "-") && capture_file_detect(paths[i]))
			continue;
		if (strcmp(paths[i], "-") && access(paths[i], R_OK)) {
			fprintf(stderr, "siptrail %s: %s: %s\n", cmd, paths[i], strerror(errno));
			return -EIO;
		}
		fprintf(stderr,
			"siptrail %s: %s: not a capture; several inputs are read as one capture "
			"(pcap or pcapng; gzip, zstd or plain), a journal only alone\n",
			cmd, paths[i]);
		return -EINVAL;
	}
	return read_captures(cmd, paths, n_paths, options, sink, ctx, calls_so_far, stats);
}

int event_read(const char *cmd, const char *path, const struct capture_source_options *options,
	       capture_event_fn sink, void *ctx, struct event_input_stats *stats)
{
	return event_read_files(cmd, &path, 1, options, sink, ctx, NULL, stats);
}
