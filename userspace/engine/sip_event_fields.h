/*
 * The decoded fields of a SIP event: from the parse its source carried (the framer's, struct
 * ev_sip's parsed), else from a parse of its text made here (a journal, a capture's datagram).
 */
#ifndef SIPTRAIL_SIP_EVENT_FIELDS_H
#define SIPTRAIL_SIP_EVENT_FIELDS_H

#include "event.h"
#include "sip_fields.h"

/* Where an event's fields are made: the parser's scratch and the fields, made once and reused
 * for every event (struct sip_message is large). */
struct sip_decode_scratch {
	struct sip_message msg;
	struct sip_fields fields;
};

/* EV's (an EV_SIP) fields, into SCRATCH (valid until its next use): copied out of its text as
 * the carried parse says, or parsed now when none was carried. */
const struct sip_fields *sip_event_fields(const struct event *ev,
					  struct sip_decode_scratch *scratch);

/*
 * Gives EV the parse it came without, made into SCRATCH and kept with the event, so what reads
 * it next (the correlator) does not parse it again. Returns true when it was parsed now
 * (scratch->msg holds that parse), false when it carried one.
 */
bool sip_event_keep_parse(struct event *ev, struct sip_decode_scratch *scratch);

/*
 * Keeps of EV's text (an EV_SIP with a parse) only what sip_event_fields reads, the text of its
 * parse's spans, copied into ROOM (ROOM_LEN bytes) with the spans moved to it; EV's text is
 * freed and EV's raw is ROOM (the caller must not free it). Returns false, EV unchanged, when
 * EV carries no parse or the spans do not fit.
 */
bool sip_event_fields_only(struct event *ev, char *room, size_t room_len);

#endif
