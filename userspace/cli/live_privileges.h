/*
 * What siptrail live keeps once its programs are loaded and attached (docs/operations.md,
 * "Least privilege"): the capabilities it still uses, and with --user a user of its own.
 *
 * After the start it still attaches programs: the per-message socket programs when TLS shows
 * up on a port, the libssl I/O programs when a process first uses libssl. From Linux 6.5 that
 * takes no capability (BPF links of programs already loaded), nor does anything else it does:
 * reading its ring buffers and packet socket, updating its maps, the sock_diag sweep of its own
 * network namespace, HEP. So nothing is kept. Before 6.5 every bpf() call needs CAP_BPF, and
 * the system call tracepoints that stand in for the missing sock_send_length need CAP_PERFMON
 * and, for a user other than root, CAP_DAC_READ_SEARCH (libbpf reads their ids from tracefs,
 * mode 0700); those are kept there. Debian's kernels (perf_event_paranoid 3, a Debian patch)
 * refuse any perf_event_open without CAP_SYS_ADMIN, so while those tracepoints are still to be
 * attached CAP_SYS_ADMIN stays too (seen in the 6.1 guest of the kernel matrix: EACCES). With
 * --keylog, CAP_DAC_READ_SEARCH is kept on every kernel: the key log belongs to the TLS server's
 * user, often mode 0600, and is opened again every round as it grows or is replaced. Everything
 * else leaves the permitted, effective, inheritable, ambient and bounding sets.
 */
#ifndef SIPTRAIL_LIVE_PRIVILEGES_H
#define SIPTRAIL_LIVE_PRIVILEGES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LIVE_USER_NAME_MAX 64

struct live_user {
	char name[LIVE_USER_NAME_MAX]; /* empty: stay root */
	uid_t uid;
	gid_t gid;
};

/* What the run goes on doing that takes a capability on every kernel. */
struct live_needs {
	bool reads_key_log; /* --keylog: another user's file, reopened as it grows */
	/* the libssl I/O programs are system call tracepoints (no sock_send_length), attached
	 * through perf_event_open when a process first uses libssl */
	bool attaches_perf_events;
};

/* Looks NAME up (passwd). Returns 0 or -ENOENT/-ENAMETOOLONG with the reason in WHY. */
int live_user_lookup(const char *name, struct live_user *user, char *why, size_t why_len);

/*
 * Drops what live no longer needs (NEEDS: what it keeps doing). With USER's name set: OWNED (paths,
 * NULL-terminated) are given to that user, then the process takes the user's uid, gid and groups.
 * Returns 0 or a negative errno with the reason in WHY.
 */
int live_privileges_drop(const struct live_user *user, const struct live_needs *needs,
			 const char *const owned[], char *why, size_t why_len);

#endif
