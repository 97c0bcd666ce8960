/* One human-readable line per socket event, rendered from its journal JSON so the terminal
 * and the journal cannot disagree. */
#ifndef SIPTRAIL_SOCK_EVENT_TEXT_H
#define SIPTRAIL_SOCK_EVENT_TEXT_H

#include <stdio.h>
#include <jansson.h>

/* Writes the line for a conn_open, conn_close, conn_end or lost event. Returns 0 or a
 * negative errno. */
int sock_event_text_write(FILE *out, const json_t *event);

#endif
