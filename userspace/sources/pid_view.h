/* The PID numbering of siptrail's pids: that of the /proc it reads (listener owners, libssl's
 * mappings) and of the user's `ps` and --pid. On the host, and in a container that shares the
 * host's PIDs, it is the kernel's own; in a container with its own PID namespace and /proc, the
 * container's, which the BPF programs translate to (bpf/task_pid.h). */
#ifndef SIPTRAIL_PID_VIEW_H
#define SIPTRAIL_PID_VIEW_H

#include <stddef.h>
#include <stdint.h>

struct pid_view {
	uint64_t dev, ino; /* the PID namespace's nsfs device and inode; 0: the host's numbering */
};

/* Returns 0 or a negative errno with why. */
int pid_view_of_self(struct pid_view *view, char *why, size_t why_len);

#endif
