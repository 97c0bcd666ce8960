/* Where an event's lines go, for `siptrail live` and `siptrail replay`: the terminal (a text
 * line, or the JSON line with --json) and the journal file (the JSON line). The JSON is built
 * only when one of them wants it. */
#ifndef SIPTRAIL_EVENT_OUTPUT_H
#define SIPTRAIL_EVENT_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "event.h"
#include "journal_file.h"

struct event_output {
	FILE *terminal;		      /* NULL: nothing on the terminal */
	bool json;		      /* the terminal gets JSON lines, not text */
	struct journal_file *journal; /* NULL: none */
};

/* Returns 0, -ENOMEM or -EIO. */
int event_output_write(const struct event_output *output, const struct event *ev);

#endif
