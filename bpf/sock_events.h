/* Socket lifetime events: the one header shared by bpf/sockets.bpf.c and userspace/. */
#ifndef SIPTRAIL_SOCK_EVENTS_H
#define SIPTRAIL_SOCK_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

struct sock_event {
	__u64 ts_ns;
	__u64 cookie;
	__u32 pid;
	__u16 oldstate;
	__u16 newstate;
};

#endif
