/* Where an event's lines go, for `siptrail live` and `siptrail replay`: the terminal (a text
 * line, or the JSON line with --json) and the journal file (the JSON line). The JSON is built
 * only when one of them wants it. */
#ifndef SIPTRAIL_EVENT_OUTPUT_H
#define SIPTRAIL_EVENT_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "event.h"
#include "journal_file.h"
#include "journal_write.h"

struct event_output {
	FILE *terminal;		      /* NULL: nothing on the terminal */
	bool json;		      /* the terminal gets JSON lines, not text */
	struct journal_file *journal; /* NULL: none */
	struct json_text_memo memo;   /* the last SIP text's JSON */
};

/* Returns 0, -ENOMEM or -EIO. */
int event_output_write(struct event_output *output, const struct event *ev);

/* Frees what the writing kept (the output's streams are the caller's). */
void event_output_release(struct event_output *output);

#endif
