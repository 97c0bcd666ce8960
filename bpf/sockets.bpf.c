// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "sock_events.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_set_state, const struct sock *sk, int oldstate, int newstate)
{
	struct sock_event *ev;

	if (BPF_CORE_READ(sk, __sk_common.skc_family) != 2 /* AF_INET */ &&
	    BPF_CORE_READ(sk, __sk_common.skc_family) != 10 /* AF_INET6 */)
		return 0;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev)
		return 0;
	ev->ts_ns = bpf_ktime_get_ns();
	ev->cookie = bpf_get_socket_cookie((void *)sk);
	ev->pid = bpf_get_current_pid_tgid() >> 32;
	ev->oldstate = oldstate;
	ev->newstate = newstate;
	bpf_ringbuf_submit(ev, 0);
	return 0;
}
