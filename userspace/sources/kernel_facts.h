/* What the running kernel offers siptrail, found at run time rather than assumed: its
 * tracepoints (vmlinux BTF) and its HZ. Shared by the loaders and `siptrail check`. */
#ifndef SIPTRAIL_KERNEL_FACTS_H
#define SIPTRAIL_KERNEL_FACTS_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

/* The kernel's BTF, loaded once and kept; NULL (errno set) when the kernel has none. */
const struct btf *kernel_btf(void);

/* Whether a tp_btf program can attach to tracepoint NAME: vmlinux BTF has btf_trace_NAME, and
 * the name is not in $SIPTRAIL_HIDE_TRACEPOINTS (for tests of the degraded paths). */
bool kernel_has_tracepoint(const char *name);

/* The kernel's timer frequency (CONFIG_HZ), which turns tcp_sock's jiffies into times. Read
 * from /boot/config-$(uname -r) or /proc/config.gz, or else measured against the monotonic
 * clock from /proc/timer_list. Returns 0 and writes where it came from into source (a short
 * phrase), or a negative errno with why it could not be found. */
int kernel_hz(unsigned *hz, char *source, size_t source_len);

#endif
