/* libFuzzer target for the journal reader (JSON lines -> struct event): any bytes as a journal
 * read through journal_read_next from memory (fmemopen), so bad lines, NUL bytes and lines of
 * any length are reached. Each event read is written back (event_to_json) and read again: the
 * writer must accept whatever the reader gives, and the reader must give the same event back
 * (the same JSON a second time), or the target aborts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal_read.h"
#include "journal_write.h"

static char *written(const struct event *ev)
{
	json_t *obj = event_to_json(ev);
	char *text;

	if (!obj)
		abort(); /* the writer refused an event the reader made */
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (!text)
		abort();
	return text;
}

static void round_trip(const struct event *ev)
{
	char *first = written(ev), *second, err[256];
	struct event back;

	if (journal_parse_line(first, &back, err, sizeof(err))) {
		fprintf(stderr, "written line not read back: %s\n%s\n", err, first);
		abort();
	}
	second = written(&back);
	if (strcmp(first, second)) {
		fprintf(stderr, "read back differently:\n%s\n%s\n", first, second);
		abort();
	}
	event_release(&back);
	free(first);
	free(second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal_reader reader;
	struct event ev;

	if (!size)
		return 0;
	memset(&reader, 0, sizeof(reader));
	reader.name = reader.path = "fuzz";
	reader.file = fmemopen((void *)data, size, "r");
	if (!reader.file)
		return 0;
	while (journal_read_next(&reader, &ev) == 1) {
		round_trip(&ev);
		event_release(&ev);
	}
	fclose(reader.file);
	journal_reader_close(&reader);
	return 0;
}
