/* The calling task's process and thread ids as siptrail's userspace sees them: in the PID
 * namespace of the /proc it reads (the owners of listeners, libssl's mappings) and of the
 * user's `ps` and --pid. Set by userspace before load (sources/pid_view.c). */
#ifndef SIPTRAIL_BPF_TASK_PID_H
#define SIPTRAIL_BPF_TASK_PID_H

/* siptrail's PID namespace (device and inode of /proc/self/ns/pid) when it is not the host's;
 * 0: the host's numbering, what bpf_get_current_pid_tgid() gives. */
const volatile __u64 pid_view_dev = 0;
const volatile __u64 pid_view_ino = 0;

/* tgid << 32 | pid, as bpf_get_current_pid_tgid(); 0 for a task outside siptrail's PID
 * namespace (the host's, a sibling container's, or one nested below it): it has no number
 * there, and the host's would name another process or none. */
static __always_inline __u64 task_pid_tgid(void)
{
	struct bpf_pidns_info ids;

	if (!pid_view_ino)
		return bpf_get_current_pid_tgid();
	if (bpf_get_ns_current_pid_tgid(pid_view_dev, pid_view_ino, &ids, sizeof(ids)))
		return 0;
	return (__u64)ids.tgid << 32 | ids.pid;
}

static __always_inline __u32 task_tgid(void)
{
	return task_pid_tgid() >> 32;
}

#endif
