/* JSON form of decoded SIP frames, as `siptrail decode` prints them (docs/decoder.md). */
#ifndef SIPTRAIL_SIP_JSON_H
#define SIPTRAIL_SIP_JSON_H

#include <jansson.h>

#include "sip_framer.h"

/* One JSON object for a frame; problem offsets are made absolute with frame->stream_offset.
 * Returns NULL only when out of memory. */
json_t *sip_frame_to_json(const struct sip_frame *frame);

/* True when the frame is an invalid message, skipped garbage or a truncated message. */
bool sip_frame_is_invalid(const struct sip_frame *frame);

#endif
