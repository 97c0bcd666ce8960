/* A SIP event's fields, parsed only when its source did not hand them on. */
#include <errno.h>
#include <stdlib.h>

#include "sip_event_fields.h"

const struct sip_fields *sip_event_fields(const struct event *ev,
					  struct sip_decode_scratch *scratch)
{
	char err[160];

	if (ev->sip.fields)
		return ev->sip.fields;
	/* not decoded: the fields say why, and the caller words it (sip_fields_error_text) */
	sip_fields_decode_in(&scratch->msg, ev->sip.raw, ev->sip.raw_len,
			     transport_is_message_based(ev->sip.transport), &scratch->fields, err,
			     sizeof(err));
	return &scratch->fields;
}

int sip_event_keep_fields(struct event *ev, struct sip_decode_scratch *scratch)
{
	const struct sip_fields *decoded;

	if (ev->sip.fields)
		return 0;
	decoded = sip_event_fields(ev, scratch);
	ev->sip.fields = malloc(sizeof(*ev->sip.fields));
	if (!ev->sip.fields)
		return -ENOMEM;
	*ev->sip.fields = *decoded;
	return 1;
}
