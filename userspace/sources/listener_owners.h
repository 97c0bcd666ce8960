/* The owners of listening sockets that are older than the trace. */
#ifndef SIPTRAIL_LISTENER_OWNERS_H
#define SIPTRAIL_LISTENER_OWNERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "port_set.h"

#define PID_LIST_MAX 32

/* Processes, in pid order. */
struct pid_list {
	pid_t pids[PID_LIST_MAX];
	size_t count;
};

/* Finds each TCP listening socket on a traced port in network namespace NETNS (inode number)
 * and the first process, in pid order, that holds it, and records that process in
 * LISTENERS_FD (the sockets object's listeners socket storage, keyed by a socket descriptor),
 * so that the connections it accepts are credited to it like those of a listener made during
 * the trace (bpf/sockets.bpf.c). The kernel's own task-file iterator could do this, but newer
 * verifiers refuse the socket it reaches (untrusted_ptr), so userspace does it through
 * pidfd_getfd(2). The owners go into OWNERS (the first PID_LIST_MAX). Returns the number of
 * listeners recorded, or a negative errno with why in why when not one of those found could
 * be recorded. */
int listener_owners_record(int listeners_fd, const struct port_set *ports, uint32_t netns,
			   struct pid_list *owners, char *why, size_t why_len);

#endif
