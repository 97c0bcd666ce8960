/* A SIP event's fields, parsed only when its source did not hand its parse on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_event_fields.h"

bool sip_event_keep_parse(struct event *ev, struct sip_decode_scratch *scratch)
{
	if (ev->sip.parsed.given)
		return false;
	sip_parsed_decode(&scratch->msg, ev->sip.raw, ev->sip.raw_len,
			  transport_is_message_based(ev->sip.transport), &ev->sip.parsed);
	return true;
}

const struct sip_fields *sip_event_fields(const struct event *ev,
					  struct sip_decode_scratch *scratch)
{
	const struct sip_parsed *parsed = &ev->sip.parsed;
	struct sip_parsed parsed_now;

	if (!parsed->given) {
		sip_parsed_decode(&scratch->msg, ev->sip.raw, ev->sip.raw_len,
				  transport_is_message_based(ev->sip.transport), &parsed_now);
		parsed = &parsed_now;
	}
	sip_fields_from_parsed(parsed, ev->sip.raw, &scratch->fields);
	return &scratch->fields;
}

bool sip_event_fields_only(struct event *ev, char *room, size_t room_len)
{
	struct sip_parsed *parsed = &ev->sip.parsed;
	struct sip_span *spans[] = {&parsed->call_id, &parsed->from_tag, &parsed->to_tag,
				    &parsed->branch, &parsed->reason};
	size_t start = SIZE_MAX, end = 0, used = 0;

	if (!parsed->given || !ev->sip.raw)
		return false;
	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		if (!spans[i]->len)
			continue; /* read as "" whatever its offset */
		start = spans[i]->offset < start ? spans[i]->offset : start;
		end =
		    spans[i]->offset + spans[i]->len > end ? spans[i]->offset + spans[i]->len : end;
		used += spans[i]->len;
	}
	if (used > room_len)
		return false;
	if (!used)
		start = end = 0;
	if (end - start <= room_len) {
		/* the fields lie close together (most messages: from the Via to the Call-ID), one
		 * copy of their stretch is cheaper than one per field */
		memcpy(room, ev->sip.raw + start, end - start);
		for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++)
			spans[i]->offset -= spans[i]->len ? (uint32_t)start : 0;
		used = end - start;
	} else {
		used = 0;
		for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
			memcpy(room + used, ev->sip.raw + spans[i]->offset, spans[i]->len);
			spans[i]->offset = (uint32_t)used;
			used += spans[i]->len;
		}
	}
	free(ev->sip.raw);
	ev->sip.raw = room;
	ev->sip.raw_len = used;
	return true;
}
