/*
 * Events -> journal lines (JSON, one object per line; docs/journal.md), the inverse of
 * journal_read. Field names follow the journal contract so `siptrail explain` reads what any
 * source wrote.
 */
#ifndef SIPTRAIL_JOURNAL_WRITE_H
#define SIPTRAIL_JOURNAL_WRITE_H

#include <stdio.h>

#include <jansson.h>

#include "event.h"

/* The event as a JSON object (new reference), NULL when out of memory. */
json_t *event_to_json(const struct event *ev);

#endif
