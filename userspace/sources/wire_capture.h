/* The packets of the wire path: loads bpf/packets.bpf.c with the traced ports and attaches it
 * to a packet ring on every interface of this network namespace. */
#ifndef SIPTRAIL_WIRE_CAPTURE_H
#define SIPTRAIL_WIRE_CAPTURE_H

#include <stddef.h>

#include "packet_ring.h"
#include "port_set.h"

struct wire_capture;

/* Returns 0 or a negative errno with what failed in why. */
int wire_capture_open(const struct port_set *ports, struct wire_capture **out, char *why,
		      size_t why_len);
int wire_capture_fd(const struct wire_capture *capture);
size_t wire_capture_drain(struct wire_capture *capture, packet_fn fn, void *ctx);
int wire_capture_stats(struct wire_capture *capture, struct packet_ring_stats *stats);
/* NULL is fine. */
void wire_capture_close(struct wire_capture *capture);

#endif
