/*
 * The decoded fields of a SIP event: those its source carried (the framer's parse, struct
 * ev_sip's fields), else decoded once from its text (a journal, a UDP datagram of a capture).
 */
#ifndef SIPTRAIL_SIP_EVENT_FIELDS_H
#define SIPTRAIL_SIP_EVENT_FIELDS_H

#include "event.h"
#include "sip_fields.h"

/* Where an event's text is decoded when it came without fields: the parser's scratch and the
 * fields, made once and reused for every event (struct sip_message is large). */
struct sip_decode_scratch {
	struct sip_message msg;
	struct sip_fields fields;
};

/* EV's (an EV_SIP) fields: carried, or decoded into SCRATCH (valid until its next use). */
const struct sip_fields *sip_event_fields(const struct event *ev,
					  struct sip_decode_scratch *scratch);

/*
 * Gives EV the fields it came without, decoded into SCRATCH and kept with the event, so what
 * reads it next (the correlator) does not parse it again. Returns 1 when it was parsed now
 * (scratch->msg holds that parse), 0 when it carried its fields, -ENOMEM.
 */
int sip_event_keep_fields(struct event *ev, struct sip_decode_scratch *scratch);

#endif
