/* A SIP event's fields, parsed only when its source did not hand its parse on. */
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
