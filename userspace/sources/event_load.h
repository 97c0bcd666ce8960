/*
 * Layer sources/: everything events come from. Live: the socket tracer (live_tracer), the
 * libssl probe (ssl_probe), the wire path (live_wire, wire_*), with what the kernel offers
 * (kernel_facts). Offline: captures (capture_source) and journals, loaded here. Also the
 * pcapng writer the wire path and replay share. It calls journal/, diagnose/, engine/,
 * model/, decoders/ and bpf/'s event headers; never views/ or cli/.
 *
 * The input of the offline commands (explain, calls, correlate, timeline): a journal or a
 * capture file, recognised by its first bytes, streamed event by event, or read whole into a
 * time-ordered list of events. Also the
 * command-line options every command shares for captures (--host, --ports, --ca-file,
 * --ca-path).
 */
#ifndef SIPTRAIL_EVENT_LOAD_H
#define SIPTRAIL_EVENT_LOAD_H

#include <getopt.h>
#include <stdio.h>

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

struct event_list {
	struct event *events;
	size_t count, cap;
	struct event_input_stats input;
};

/* Moves EV to the end of LIST. Returns 0 or -ENOMEM (EV released). */
int event_list_push(struct event_list *list, struct event *ev);
/* Stable sort by time: sources may write events slightly out of order, and inputs may be
 * appended out of order. O(n log n) in general, one pass when already in order. Returns 0 or
 * -ENOMEM (LIST unchanged). */
int event_list_sort(struct event_list *list);
void event_list_free(struct event_list *list);

/* event_read into LIST, sorted (the events before a bad packet are kept in LIST). */
int event_load(const char *cmd, const char *path, const struct capture_source_options *options,
	       struct event_list *list);

/* The same, keeping only the events KEEP says true for (a second pass over the input that
 * needs a few calls' events, not all of them). */
typedef bool (*event_keep_fn)(const struct event *ev, void *ctx);
int event_load_some(const char *cmd, const char *path, const struct capture_source_options *options,
		    event_keep_fn keep, void *ctx, struct event_list *list);

/* getopt_long entries for the capture options; their values are 0x100.. */
enum { OPT_CAPTURE_HOST = 0x100, OPT_CAPTURE_PORTS, OPT_CAPTURE_CA_FILE, OPT_CAPTURE_CA_PATH };
#define CAPTURE_LONG_OPTIONS                                                                       \
	{"host", required_argument, NULL, OPT_CAPTURE_HOST},                                       \
	    {"ports", required_argument, NULL, OPT_CAPTURE_PORTS},                                 \
	    {"ca-file", required_argument, NULL, OPT_CAPTURE_CA_FILE},                             \
	{                                                                                          \
		"ca-path", required_argument, NULL, OPT_CAPTURE_CA_PATH                            \
	}
#define CAPTURE_OPTIONS_HELP                                                                       \
	"  --host IP      this host's address in a capture (repeatable; default: inferred)\n"      \
	"  --ports LIST   only traffic on these ports in a capture, e.g. 5060,5061\n"              \
	"  --ca-file F    trust store for chain verdicts (default: the system's)\n"                \
	"  --ca-path D    trust store directory (c_rehash layout)\n"

/* Applies one of the options above. Returns 1 when OPT was one of them, 0 when not, -1 after
 * reporting a bad value. */
int capture_option(const char *cmd, int opt, const char *arg,
		   struct capture_source_options *options);

#endif
