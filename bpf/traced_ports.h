/* The traced-port table every BPF object filters with, set by userspace before load. */
#ifndef SIPTRAIL_BPF_TRACED_PORTS_H
#define SIPTRAIL_BPF_TRACED_PORTS_H

/* 1 = the port is traced (local or remote), indexed by port: one load per check. */
const volatile __u8 traced_ports[65536];

static __always_inline bool port_traced(__u16 port)
{
	return traced_ports[port];
}

/* A port as it sits in a header or in skc_dport. The verifiers of 6.1 and 6.12 forget a
 * value's range after a byte swap and refuse it as an index, so the swapped port is masked
 * again; barrier_var() keeps the compiler from dropping the mask it knows to be useless. */
static __always_inline __u16 port_from_net(__be16 port)
{
	__u32 host = bpf_ntohs(port);

	barrier_var(host);
	return host & 0xffff;
}

static __always_inline bool net_port_traced(__be16 port)
{
	return traced_ports[port_from_net(port)];
}

#endif
