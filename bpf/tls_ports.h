/* Ports that carry TLS, shared by the socket tracer and the libssl probe (userspace hands the
 * socket tracer's map to the probe before it loads). The probe marks the traced port of every
 * connection it ties an SSL object to; userspace marks 5061 and the ports where the wire path
 * saw a TLS handshake. The socket tracer times sends and receives (the close_notify idle rule)
 * only on marked ports when a marker runs: elsewhere that per-message work has no use. */
#ifndef SIPTRAIL_BPF_TLS_PORTS_H
#define SIPTRAIL_BPF_TLS_PORTS_H

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8); /* 1 = TLS seen on this port */
} tls_ports SEC(".maps");

static __always_inline bool tls_port_marked(__u32 port)
{
	__u8 *marked = bpf_map_lookup_elem(&tls_ports, &port);

	return marked && *marked;
}

static __always_inline void tls_port_mark(__u32 port)
{
	__u8 *marked = bpf_map_lookup_elem(&tls_ports, &port);

	if (marked && !*marked)
		*marked = 1;
}

#endif
