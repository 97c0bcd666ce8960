/*
 * The input of the offline commands read event by event: one journal, or capture files read
 * as one capture (rotating files of one trace), recognised by their first bytes, compressed
 * or not (compressed_file.h). Nothing is held: each event goes to the caller's sink.
 */
#ifndef SIPTRAIL_EVENT_READ_H
#define SIPTRAIL_EVENT_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "capture_source.h"
#include "event.h"

/* What reading an input found besides its events. */
struct event_input_stats {
	size_t events;		 /* handed to the sink */
	unsigned long bad_lines; /* journal lines skipped */
	bool from_capture;
	struct capture_source_stats capture;
};

/*
 * Reads PATH ("-": a journal on stdin) and hands each event to SINK in input order (SINK owns
 * it: event_move or event_release; an error from SINK stops the reading and is returned). A
 * capture shows a progress bar on a terminal. Problems are reported on stderr as
 * "siptrail CMD: ..." once. A capture that breaks part way is -EIO after everything before
 * the bad packet was handed over. Returns 0, -EIO, -EINVAL, -ENOMEM or SINK's error.
 */
int event_read(const char *cmd, const char *path, const struct capture_source_options *options,
	       capture_event_fn sink, void *ctx, struct event_input_stats *stats);

/* Seams between rotating files worth a word: a gap longer than this, any overlap. */
#define EVENT_READ_GAP_NS (60ull * 1000000000ull)
/* The streaming commands put events in time order within this much event time
 * (journal_replay.h); files that overlap by more lose order. */
#define EVENT_ORDER_WINDOW_NS (5ull * 1000000000ull)
/* ... but one input is held only this much while it keeps in time order within it
 * (reorder_window_hold): a capture's packets from several CPUs, a TCP segment retransmitted
 * after the minimum RTO (200 ms), a live journal (up to ~250 ms, diag_stream.h). Several
 * files are held the whole window: rotating files may overlap. */
#define EVENT_ORDER_HOLD_NS (500ull * 1000000ull)

/*
 * The same over several inputs: one journal alone, or captures (each pcap or pcapng, plain,
 * gzip or zstd), read as one capture in order of their first packets (rotating files of one trace:
 * connections go on from file to file). A gap of more than EVENT_READ_GAP_NS between one
 * file's last packet and the next one's first, or an overlap, is reported on stderr. The
 * progress bar shows CALLS_SO_FAR when not NULL.
 */
int event_read_files(const char *cmd, const char *const *paths, size_t n_paths,
		     const struct capture_source_options *options, capture_event_fn sink, void *ctx,
		     const unsigned long *calls_so_far, struct event_input_stats *stats);

/*
 * Captures only (what event_read_files does with captures, for replay): PATHS read as one
 * capture in order of their first packets, with the progress bar and the seams between files
 * reported. STATS must start zeroed. Returns 0, or a negative errno with ERR saying why (not
 * reported).
 */
int event_read_captures(const char *cmd, const char *const *paths, size_t n_paths,
			const struct capture_source_options *options, capture_event_fn sink,
			void *ctx, const unsigned long *calls_so_far,
			struct event_input_stats *stats, struct capture_error *err);

#endif
