/* siptrail decode FILE...: raw SIP bytes in, one JSON object per message out (docs/decoder.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "sip_framer.h"
#include "sip_json.h"

struct decode_state {
	bool any_invalid;
	bool out_of_memory;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: siptrail decode FILE...\n\n"
		"Reads each FILE (- for standard input) as a stream of raw SIP bytes (as on a\n"
		"TCP connection) and prints one JSON object per message, keep-alive, skipped\n"
		"garbage or truncated message on standard output.\n"
		"Exit status: 0 all messages valid (warnings allowed), 1 some input invalid,\n"
		"2 usage or I/O error.\n");
}

static void print_frame(const struct sip_frame *frame, void *ctx)
{
	struct decode_state *state = ctx;
	json_t *object = sip_frame_to_json(frame);
	char *line = object ? json_dumps(object, JSON_COMPACT) : NULL;

	if (!line) {
		state->out_of_memory = true;
	} else {
		puts(line);
		free(line);
	}
	json_decref(object);
	if (sip_frame_is_invalid(frame))
		state->any_invalid = true;
}

/* Returns 0, or -errno after reporting the I/O error on stderr. */
static int decode_file(const char *path, struct sip_stream *stream, struct decode_state *state)
{
	bool is_stdin = !strcmp(path, "-");
	FILE *file = is_stdin ? stdin : fopen(path, "rb");
	char chunk[65536];
	size_t n;
	int err = 0;

	if (!file) {
		err = -errno;
		fprintf(stderr, "siptrail decode: cannot open %s: %s\n", path, strerror(errno));
		return err;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), file)) > 0)
		sip_stream_push(stream, chunk, n, print_frame, state);
	if (ferror(file)) {
		err = -EIO;
		fprintf(stderr, "siptrail decode: cannot read %s\n", path);
	}
	sip_stream_finish(stream, print_frame, state);
	if (!is_stdin)
		fclose(file);
	return err;
}

int cmd_decode(int argc, char **argv)
{
	struct decode_state state = {0};
	struct sip_stream stream;
	int first_file = 1, status = EXIT_OK;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc > 1 && !strcmp(argv[1], "--"))
		first_file = 2;
	else if (argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0') {
		fprintf(stderr, "siptrail decode: unknown option '%s'\n", argv[1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (first_file >= argc) {
		fprintf(stderr, "siptrail decode: no FILE given\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (sip_stream_init(&stream, 0)) {
		fprintf(stderr, "siptrail decode: out of memory\n");
		return EXIT_USAGE;
	}
	for (int i = first_file; i < argc; i++)
		if (decode_file(argv[i], &stream, &state))
			status = EXIT_USAGE;
	sip_stream_free(&stream);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "siptrail decode: cannot write standard output: %s\n",
			strerror(errno));
		return EXIT_USAGE;
	}
	if (state.out_of_memory) {
		fprintf(stderr, "siptrail decode: out of memory while printing\n");
		return EXIT_USAGE;
	}
	if (status == EXIT_OK && state.any_invalid)
		status = EXIT_FINDINGS;
	return status;
}
