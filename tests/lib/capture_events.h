/* A capture's events as the offline commands read them, and the comparison of two captures of
 * the same traffic (tunnelled, or over another transport) for the capture tests. */
#ifndef SIPTRAIL_TESTS_CAPTURE_EVENTS_H
#define SIPTRAIL_TESTS_CAPTURE_EVENTS_H

#include <stdint.h>

#include "event_load.h"
#include "pcapng_write.h"

/* A new pcapng file /tmp/siptrail-STEM-XXXXXX (its name into PATH, 64 bytes) of LINKTYPE,
 * written by siptrail's writer; fails the test on error. */
struct pcapng_writer *capture_temp_open(char *path, const char *stem, int linktype);

/* event_load() of PATH with --host HOST (NULL: inferred) and --vxlan-port VXLAN_PORT (0:
 * none); fails the test on error. */
struct event_list capture_events(const char *path, const char *host, uint16_t vxlan_port);

/* GOT has WANT's events: kinds, times and connections; for SIP the direction, addresses,
 * ports and bytes, and the transport TRANSPORT (TRANSPORT_UNKNOWN: WANT's); for connections
 * the addresses, ports, how and by whom they ended. WANT has SIP events. */
void assert_same_events(const struct event_list *want, const struct event_list *got,
			enum transport transport);

#endif
