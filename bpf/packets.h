/* Wire capture: the one header shared by bpf/packets.bpf.c (a socket filter on an AF_PACKET
 * socket) and userspace/sources/wire_capture.c. The filter keeps TCP and UDP packets to or from a
 * traced port, whole (its return value is the number of bytes to keep), and drops everything else.
 */
#ifndef SIPTRAIL_PACKETS_H
#define SIPTRAIL_PACKETS_H

/* The loopback device has this index in every network namespace (LOOPBACK_IFINDEX). A packet
 * on lo is seen twice by a packet socket, leaving (PACKET_OUTGOING) and arriving: the filter
 * keeps only the arrival. */
#define WIRE_LOOPBACK_IFINDEX 1

/* IPv6 extension headers the filter walks past before it gives up on a packet. */
#define WIRE_MAX_IPV6_EXT_HEADERS 4

#endif
