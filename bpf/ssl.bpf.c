// SPDX-License-Identifier: GPL-2.0
/* TLS through the TLS library: uprobes on libssl/libcrypto (OpenSSL 3) plus the socket
 * send/recv tracepoints that tie each SSL object to its TCP connection.
 *
 * State lives per SSL object (ssl_states) and per thread (threads: the SSL call in progress,
 * the last SSL call and the last socket receive, for memory-BIO servers). An SSL object is
 * keyed by its address and network namespace; the owning process is added only when the
 * object sits in private memory, because Kamailio shares one SSL* across processes from
 * shared memory mapped at the same address, while forked workers with private heaps can hold
 * different objects at the same address.
 *
 * The socket tracepoints run on every send and receive of the host, so userspace attaches
 * them only once a process in scope uses libssl (io_hooks_request), and they reject what is
 * not theirs first and cheaply: a thread with no per-thread state returns from a send at once,
 * and from a receive once its process is found unmarked, before the socket is read. A
 * handshake that ran before they were attached is reported once its object is tied to a
 * socket by later I/O (handshake_catch_up). With the socket tracer's maps shared, the two
 * send/receive programs also do its close_notify timing (conn_io.h), so that each of these
 * tracepoints runs one program, not two. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "conn_io.h"
#include "ssl_events.h"
#include "task_pid.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET	    2
#define AF_INET6    10
#define IPPROTO_TCP 6
#define VM_SHARED   0x00000008
/* Other libraries' errors are often raised and popped again (ERR_pop_to_mark) while OpenSSL
 * tries alternatives, so only the SSL library's and the system's are kept. */
#define ERR_LIB_SYS 2
#define ERR_LIB_SSL 20
/* SSL_get_error() values that end a handshake (openssl/ssl.h). */
#define SSL_ERROR_SSL	      1
#define SSL_ERROR_SYSCALL     5
#define SSL_ERROR_ZERO_RETURN 6
/* A memory-BIO server moves the TLS bytes right before or after the SSL call; evidence older
 * than a tenth of a second (kernel_hz / 10 jiffies) is not evidence. Jiffies, as on a VM
 * bpf_ktime_get_ns() (a kvm-clock read) costs more than the rest of a send or receive program. */
#define ADJACENT_WINDOW_PER_SEC 10
/* A handshake call returning success is not the end in TLS 1.3: the client is done once it
 * sends its Finished, before the server has checked the client's certificate (RFC 8446
 * §4.4.2.4), so a rejection arrives as an alert in the client's next SSL_read. The handshake
 * stays unconfirmed until application data is read from the peer, or for this long. */
#define CONFIRM_WINDOW_NS (10ULL * 1000 * 1000 * 1000)
#define RINGBUF_BYTES	  (4 << 20)
#define MAX_CGROUP_DEPTH  16
#define WAKEUP_BYTES	  (RINGBUF_BYTES / 8)

/* traced_ports (traced_ports.h): every byte 1 when no port filter is given. */
/* Only SSL calls made by tasks in this network namespace (0 = every namespace), so siptrail
 * in one namespace does not report another's TLS (libssl is shared by all of them). */
const volatile __u32 traced_netns = 0;
/* --pid and --cgroup: only SSL calls of this process, of tasks in this cgroup v2 directory or
 * below it (0 = any). The socket tracer filters by the socket's creator instead; both name
 * the same process for a SIP program's own connections. The tgid is in siptrail's PID
 * namespace (task_pid.h), as the user gives it. */
const volatile __u32 traced_tgid = 0;
const volatile __u64 traced_cgroup_id = 0;
/* Set by userspace (live_tracer_io_timed_elsewhere) while the send/receive tracepoint programs
 * time TLS sockets' I/O for the close_notify rule (conn_io.h) in the socket tracer's place,
 * its conns and tls_ports maps shared, and the tracer would time some: a port is marked TLS.
 * Until then a send or receive pays one load for it, not the socket's ports and two table
 * lookups. */
__u8 conn_io_on = 0;

/* Where OpenSSL keeps a handshake's secrets in its objects, found by userspace at start
 * (ssl_secret_offsets.h); secrets_known 0: not known, no secrets event. */
const volatile __u8 secrets_known = 0;
const volatile __u8 secrets_hs_known = 0;
const volatile __u32 secret_off_client_random = 0;
const volatile __u32 secret_off_session = 0;
const volatile __u32 secret_off_master_key = 0;
const volatile __u32 secret_off_client_app = 0;
const volatile __u32 secret_off_server_app = 0;
const volatile __u32 secret_off_client_hs = 0;
const volatile __u32 secret_off_server_hs = 0;

/* Set by userspace while SSL_read/SSL_write and SSL_get_error are probed (per-message mode, or
 * for connections older than the start); without them a late failure is seen through the
 * alert's error alone (late_alert_check). */
__u8 data_probes_on = 0;
/* Per-handshake mode: the read/write probes serve only objects first seen established (older
 * than the start, no secrets seen); the others' plaintext comes from the wire's records. */
const volatile __u8 data_old_objects_only = 0;

enum call_fn {
	FN_HANDSHAKE,
	FN_CONNECT,
	FN_ACCEPT,
	FN_READ,
	FN_READ_EX,
	FN_WRITE,
	FN_WRITE_EX,
};

enum hs_state {
	HS_NEW = 1,	/* seen at SSL_new, no handshake call yet */
	HS_RUNNING = 2, /* first handshake (or implicit handshake) call made */
	HS_DONE = 3,
	HS_FAILED = 4,
	HS_UNKNOWN = 5, /* first seen established (siptrail started later): no handshake event */
};

struct ssl_key {
	__u64 ssl;
	__u32 netns;
	__u32 tgid; /* 0 when the SSL object is in shared memory */
};

struct ssl_state {
	struct ssl_conn conn;
	__u64 hs_start_ns;
	__s64 verify_result;
	struct ssl_err err; /* errors of the last failed call, for a later SSL_get_error() */
	struct ssl_err other;
	__u64 unconfirmed_until_ns; /* HS_DONE and no data read yet: a failure until then is late */
	__u64 end_ns;		    /* when the handshake ended (HS_DONE, HS_FAILED) */
	__s32 last_ret;
	__s32 ssl_error; /* of the end, -1 when SSL_get_error() did not end it */
	__u8 end_by;	 /* enum ssl_hs_end_by */
	__u8 role;
	__u8 hs;
	__u8 begin_sent;
	__u8 end_sent;
	__u8 failed_after_ok; /* the handshake ended ok, then failed before it was confirmed */
};

struct ssl_call {
	struct ssl_key key;
	__u64 buf;
	__u64 count_ptr; /* size_t * of SSL_read_ex/SSL_write_ex */
	__s64 verify_result;
	struct ssl_err err;
	struct ssl_err other;
	__u64 bound_cookie; /* socket the object is mapped to, as this call last knew */
	__u32 fn;
	__u32 depth; /* nested calls on the same SSL (SSL_connect -> SSL_do_handshake) */
};

/* Per thread: the SSL call in progress and the evidence of the socket I/O next to SSL calls. */
struct ssl_thread {
	struct ssl_call call;	   /* valid while in_call */
	struct ssl_key last_ssl;   /* last SSL call that returned, for "call then send" */
	__u64 last_ssl_j;	   /* jiffies */
	struct ssl_conn last_recv; /* last TCP receive, for "recv then call" */
	__u64 last_recv_j;
	struct ssl_key key_cache; /* key of the thread's last SSL object, see ssl_key_cached() */
	__u64 key_cache_exec_id;  /* task->self_exec_id when it was made */
	__u8 in_call;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RINGBUF_BYTES);
} events SEC(".maps");

/* Waking the reader per record costs several microseconds here (an interrupt to itself, a VM
 * exit on a virtual machine), more than the record; the reader polls at least every 100 ms
 * (ssl_probe_poll consumes without a wakeup), so wake it only when the buffer fills up. */
static __u64 wakeup_flag(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP
									    : BPF_RB_NO_WAKEUP;
}

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ssl_key);
	__type(value, struct ssl_state);
} ssl_states SEC(".maps");

/* Task local storage, not a hash keyed by pid_tgid: the socket tracepoints look it up on every
 * TCP send and receive of the host, and a thread without state costs a pointer walk instead of
 * a hash lookup. Entries exist only for threads of processes that use libssl; unlike the LRU
 * hash it replaces, there is no fixed bound and no eviction: an entry lives as long as its
 * thread and is freed by the kernel when the thread is gone (no stale state for a reused
 * thread id). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ssl_thread);
} threads SEC(".maps");

/* Processes seen using libssl, marked on the thread group leader (task local storage as
 * above: freed with the process). A thread's receives are kept as evidence for its next SSL
 * call (memory-BIO servers read the socket first) only in these, so hosts whose SIP is plain
 * TCP pay no map update per receive; a process's very first SSL call gets no "recv before"
 * evidence, but its objects are then mapped by the I/O inside or right after the call. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} ssl_procs SEC(".maps");

static void ssl_proc_mark(struct task_struct *task)
{
	__u8 *mark =
	    bpf_task_storage_get(&ssl_procs, task->group_leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (mark && !*mark)
		*mark = 1; /* written once: the mark is read by every thread of the process */
}

static struct ssl_thread *thread_get(struct task_struct *task, __u64 flags)
{
	return bpf_task_storage_get(&threads, task, 0, flags);
}

/* Whether TASK has task local storage in any map. When not, it has none of ours: a single
 * load in place of a helper call, for the socket tracepoints' common case. Storage is only
 * ever created for the current thread (or, for ssl_procs, by a thread of the same process, a
 * race the hash it replaced had too). */
static __always_inline bool task_may_have_storage(struct task_struct *task)
{
	return !bpf_core_field_exists(task->bpf_storage) || task->bpf_storage;
}

/* The thread's state, or NULL: a single load when the task has no local storage at all. */
static __always_inline struct ssl_thread *thread_of(struct task_struct *task)
{
	return task_may_have_storage(task) ? thread_get(task, 0) : NULL;
}

/* The current thread's SSL call in progress, or NULL. Also for ERR_vset_error and
 * X509_STORE_CTX_get_error, which run outside SSL calls in every libcrypto user. */
static struct ssl_call *call_current(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ssl_thread *thread = thread_of(task);

	return thread && thread->in_call ? &thread->call : NULL;
}

/* Arguments of SSL_get_error/SSL_get_verify_result, kept until the call returns. */
struct pending_args {
	struct ssl_key key;
	__s64 ret; /* SSL_get_error's second argument */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct pending_args);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ssl_data_event);
} data_scratch SEC(".maps");

/* A global (.bss), not an array map: userspace reads it from memory every poll round, with
 * no syscall. */
__u64 ssl_stats[SSL_STAT_MAX] = {};

/* Whether evidence stamped at THEN_J (jiffies) is adjacent to now. */
static __always_inline bool adjacent_j(__u64 then_j, __u64 now_j)
{
	return now_j - then_j <= kernel_hz / ADJACENT_WINDOW_PER_SEC;
}

static void stat_add(enum ssl_stat stat)
{
	if (stat < SSL_STAT_MAX)
		__sync_fetch_and_add(&ssl_stats[stat], 1);
}

/* Set once the request below is in the ring buffer (a full buffer: asked again next time). */
__u8 io_hooks_requested = 0;

/* A process in scope is about to use libssl (SSL_CTX_new) or uses it: userspace attaches
 * on_sock_send/on_sock_recv, woken at once. Until then a host whose SIP is plain TCP runs
 * nothing of this probe per message. */
static void io_hooks_request(void)
{
	struct ssl_event_head *head;
	__u64 id;

	if (io_hooks_requested)
		return;
	head = bpf_ringbuf_reserve(&events, sizeof(*head), 0);
	if (!head)
		return;
	id = task_pid_tgid();
	__builtin_memset(head, 0, sizeof(*head));
	head->type = SSL_EVENT_IO_HOOKS_WANTED;
	head->pid = id >> 32;
	head->tid = (__u32)id;
	head->ts_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(head->comm, sizeof(head->comm));
	bpf_ringbuf_submit(head, BPF_RB_FORCE_WAKEUP);
	io_hooks_requested = 1;
}

static long vma_is_shared(struct task_struct *task, struct vm_area_struct *vma, void *ctx)
{
	__u32 *shared = ctx;

	*shared = (vma->vm_flags & VM_SHARED) != 0;
	return 0;
}

static void ssl_key_make(const void *ssl, struct ssl_key *key)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 shared = 1; /* lookup failed: assume shared, the key then ignores the process */

	key->ssl = (__u64)ssl;
	key->netns = task->nsproxy->net_ns->ns.inum;
	bpf_find_vma(task, (__u64)ssl, vma_is_shared, &shared, 0);
	key->tgid = shared ? 0 : bpf_get_current_pid_tgid() >> 32;
}

/* ssl_key_make() with the memory lookup (bpf_find_vma, most of an SSL call's probe cost) done
 * once per object and thread: an object's address stays in the same mapping while it lives,
 * SSL_free on the thread forgets it, and an exec (a new address space; task storage outlives
 * it) voids it. The namespace is read each time. */
static void ssl_key_cached(const void *ssl, struct ssl_key *key, struct ssl_thread *thread)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (thread && thread->key_cache.ssl == (__u64)ssl &&
	    thread->key_cache_exec_id == task->self_exec_id) {
		*key = thread->key_cache;
		key->netns = task->nsproxy->net_ns->ns.inum;
		return;
	}
	ssl_key_make(ssl, key);
	if (!thread)
		return;
	thread->key_cache = *key;
	thread->key_cache_exec_id = task->self_exec_id;
}

static void head_fill(struct ssl_event_head *head, __u32 type, const struct ssl_key *key,
		      const struct ssl_conn *conn)
{
	__u64 id = task_pid_tgid();

	head->type = type;
	head->pid = id >> 32;
	head->tid = (__u32)id;
	head->netns = key->netns;
	head->ts_ns = bpf_ktime_get_ns();
	head->ssl = key->ssl;
	head->conn = *conn;
	bpf_get_current_comm(head->comm, sizeof(head->comm));
}

/* Events leave the kernel only for SSL objects mapped to a socket on a traced port. Data and
 * verify events of an object not mapped yet are dropped here and counted; handshake events
 * wait in the object's state for its mapping (handshake_catch_up). */
static bool state_reportable(const struct ssl_state *state)
{
	if (state->conn.cookie == 0) {
		stat_add(SSL_STAT_UNMAPPED);
		return false;
	}
	return state->conn.traced;
}

static __u8 role_of(const struct ssl_state *state)
{
	if (state->role != SSL_ROLE_UNKNOWN)
		return state->role;
	/* No connect/accept call seen: the side that owns the traced port is the server. */
	if (port_traced(state->conn.lport) && !port_traced(state->conn.rport))
		return SSL_ROLE_SERVER;
	if (port_traced(state->conn.rport))
		return SSL_ROLE_CLIENT;
	return SSL_ROLE_UNKNOWN;
}

static bool hs_ended(const struct ssl_state *state)
{
	return state->hs == HS_DONE || state->hs == HS_FAILED;
}

/* The end's details and the call's return value are in STATE. A begin sent after the end (the
 * object was mapped late) carries the handshake's start time, an end its own time. */
static void handshake_emit(const struct ssl_key *key, struct ssl_state *state, __u32 type)
{
	bool end = type == SSL_EVENT_HANDSHAKE_END;
	struct ssl_handshake_event *ev;

	/* unmapped: kept for handshake_catch_up, and counted only if the object goes first */
	if (!state->conn.cookie || !state->conn.traced)
		return;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		stat_add(SSL_STAT_RINGBUF_FULL);
		return;
	}
	head_fill(&ev->head, type, key, &state->conn);
	if (end)
		ev->head.ts_ns = state->end_ns;
	else if (hs_ended(state))
		ev->head.ts_ns = state->hs_start_ns;
	ev->start_ns = state->hs_start_ns;
	ev->verify_result = state->verify_result;
	ev->err = state->err;
	ev->other = state->other;
	ev->ret = state->last_ret;
	ev->ssl_error = end ? state->ssl_error : -1;
	ev->role = role_of(state);
	ev->ok = state->hs == HS_DONE;
	ev->end_by = end ? state->end_by : 0;
	ev->after_handshake = state->failed_after_ok;
	if (end)
		state->end_sent = 1;
	else
		state->begin_sent = 1;
	bpf_ringbuf_submit(ev, wakeup_flag());
}

/* What the object's handshake has not reported yet, once it is mapped to a socket: its begin,
 * and its end when the handshake ran before the I/O that mapped the object (the first
 * handshake of a process racing the attachment of the send/receive hooks). */
static void handshake_catch_up(const struct ssl_key *key, struct ssl_state *state)
{
	if (!state->conn.cookie)
		return;
	if (!state->begin_sent && (state->hs == HS_RUNNING || hs_ended(state)))
		handshake_emit(key, state, SSL_EVENT_HANDSHAKE_BEGIN);
	if (!state->end_sent && hs_ended(state))
		handshake_emit(key, state, SSL_EVENT_HANDSHAKE_END);
}

/* Handshake events an object takes with it when freed before it was ever mapped. */
static void handshake_lost_count(const struct ssl_state *state)
{
	if (state->conn.cookie)
		return;
	if (!state->begin_sent && (state->hs == HS_RUNNING || hs_ended(state)))
		stat_add(SSL_STAT_UNMAPPED);
	if (!state->end_sent && hs_ended(state))
		stat_add(SSL_STAT_UNMAPPED);
}

static void handshake_end(const struct ssl_key *key, struct ssl_state *state, bool ok, __u8 end_by,
			  __s32 ssl_error)
{
	state->hs = ok ? HS_DONE : HS_FAILED;
	state->end_ns = bpf_ktime_get_ns();
	state->end_by = end_by;
	state->ssl_error = ssl_error;
	state->end_sent = 0;
	state->unconfirmed_until_ns = ok ? state->end_ns + CONFIRM_WINDOW_NS : 0;
	handshake_catch_up(key, state);
}

/* Reads the secrets the handshake just derived out of the SSL object, in the process that
 * finished it (the object's address is valid there), for userspace to decrypt the wire's
 * records. Connections on untraced ports are left alone; one not tied to a socket yet goes
 * out (userspace knows it by its client random). */
static void secrets_emit(const struct ssl_key *key, const struct ssl_state *state)
{
	const __u8 *ssl = (const __u8 *)key->ssl;
	struct ssl_secrets_event *ev;
	const __u8 *session = NULL;

	if (!secrets_known || (state->conn.cookie && !state->conn.traced))
		return;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		stat_add(SSL_STAT_RINGBUF_FULL);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	head_fill(&ev->head, SSL_EVENT_SECRETS, key, &state->conn);
	ev->role = role_of(state);
	if (!bpf_probe_read_user(ev->client_random, sizeof(ev->client_random),
				 ssl + secret_off_client_random))
		ev->read |= SSL_SECRETS_RANDOM;
	if (!bpf_probe_read_user(&session, sizeof(session), ssl + secret_off_session) && session &&
	    !bpf_probe_read_user(ev->master_key, sizeof(ev->master_key),
				 session + secret_off_master_key))
		ev->read |= SSL_SECRETS_MASTER_KEY;
	if (!bpf_probe_read_user(ev->client_app, sizeof(ev->client_app),
				 ssl + secret_off_client_app) &&
	    !bpf_probe_read_user(ev->server_app, sizeof(ev->server_app),
				 ssl + secret_off_server_app))
		ev->read |= SSL_SECRETS_APP;
	if (secrets_hs_known &&
	    !bpf_probe_read_user(ev->client_hs, sizeof(ev->client_hs),
				 ssl + secret_off_client_hs) &&
	    !bpf_probe_read_user(ev->server_hs, sizeof(ev->server_hs), ssl + secret_off_server_hs))
		ev->read |= SSL_SECRETS_HS;
	/* woken at once: the wire's records of this connection wait for these */
	bpf_ringbuf_submit(ev, BPF_RB_FORCE_WAKEUP);
}

/* A read or write after the handshake returned success: data read from the peer confirms the
 * handshake; an SSL-library error before that (an alert received, e.g. unknown_ca for the
 * client's certificate) is the peer rejecting it late and ends it a second time, failed. */
static void late_failure_check(const struct ssl_key *key, struct ssl_state *state,
			       const struct ssl_call *call, bool succeeded, long ret)
{
	if (!state->unconfirmed_until_ns)
		return;
	if (bpf_ktime_get_ns() > state->unconfirmed_until_ns) {
		state->unconfirmed_until_ns = 0;
		return;
	}
	if (succeeded) {
		if (call->fn == FN_READ || call->fn == FN_READ_EX)
			state->unconfirmed_until_ns = 0;
		return;
	}
	if (call->err.lib != ERR_LIB_SSL)
		return;
	state->failed_after_ok = 1;
	state->last_ret = ret;
	state->err = call->err;
	state->other = call->other;
	handshake_end(key, state, false, SSL_HS_END_RETURN, -1);
}

static void ssl_bind(const struct ssl_key *key, const struct ssl_conn *conn, __u8 source)
{
	struct ssl_state *state = bpf_map_lookup_elem(&ssl_states, key);

	if (!state || state->conn.cookie == conn->cookie)
		return;
	/* Only I/O inside the SSL call is proof enough to move a mapped object. */
	if (state->conn.cookie && source != SSL_BIND_IN_CALL)
		return;
	state->conn = *conn;
	state->conn.bind_source = source;
	handshake_catch_up(key, state);
	/* TLS on this connection: the socket tracer times its I/O from now on (tls_ports.h) */
	if (port_traced(conn->lport))
		tls_port_mark(conn->lport);
	if (port_traced(conn->rport))
		tls_port_mark(conn->rport);
}

static struct ssl_state *state_lookup_or_init(const struct ssl_key *key, __u8 hs)
{
	struct ssl_state *state = bpf_map_lookup_elem(&ssl_states, key);
	struct ssl_state fresh = {.verify_result = -1, .hs = hs};

	if (state)
		return state;
	bpf_map_update_elem(&ssl_states, key, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&ssl_states, key);
}

static bool fn_is_handshake(__u32 fn)
{
	return fn == FN_HANDSHAKE || fn == FN_CONNECT || fn == FN_ACCEPT;
}

/* The --pid and --cgroup filters, for the calling task. */
static bool task_traced(void)
{
	if (traced_tgid && task_tgid() != traced_tgid)
		return false;
	if (!traced_cgroup_id)
		return true;
	for (int level = 0; level < MAX_CGROUP_DEPTH; level++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(level);

		if (id == traced_cgroup_id)
			return true;
		if (!id) /* deeper than the task's own cgroup */
			break;
	}
	return false;
}

/* The calling task passes --pid, --cgroup and the network namespace filter. */
static bool task_in_scope(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return (!traced_netns || task->nsproxy->net_ns->ns.inum == traced_netns) && task_traced();
}

static int call_enter(const void *ssl, enum call_fn fn, const void *buf, const void *count_ptr)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ssl_thread *thread = thread_get(task, 0);
	struct ssl_state *state;
	struct ssl_key key;
	__u64 now;

	if (thread && thread->in_call && thread->call.key.ssl == (__u64)ssl) {
		thread->call.depth++;
		return 0;
	}
	if (!task_in_scope())
		return 0;
	io_hooks_request();
	ssl_key_cached(ssl, &key, thread);
	if (!thread) {
		thread = thread_get(task, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!thread)
			return 0;
		thread->key_cache = key;
		thread->key_cache_exec_id = task->self_exec_id;
		/* A thread with a record is in a marked process: marked once, here. */
		ssl_proc_mark(task);
	}
	now = bpf_ktime_get_ns();
	thread->call = (struct ssl_call){
	    .key = key,
	    .buf = (__u64)buf,
	    .count_ptr = (__u64)count_ptr,
	    .verify_result = -1,
	    .fn = fn,
	};
	thread->in_call = 1;

	state = state_lookup_or_init(&key, fn_is_handshake(fn) ? HS_NEW : HS_UNKNOWN);
	if (!state)
		return 0;
	if (fn == FN_CONNECT)
		state->role = SSL_ROLE_CLIENT;
	else if (fn == FN_ACCEPT)
		state->role = SSL_ROLE_SERVER;
	if (state->hs == HS_NEW) {
		state->hs = HS_RUNNING;
		state->hs_start_ns = now;
	}
	if (thread->last_recv.cookie) {
		if (adjacent_j(thread->last_recv_j, bpf_jiffies64()))
			ssl_bind(&key, &thread->last_recv, SSL_BIND_RECV_BEFORE);
		thread->last_recv.cookie = 0; /* evidence for this call only */
	}
	/* SSL objects are not used by two threads at once, so no other binding can come
	 * between; the call's I/O on this socket then needs no state lookup. */
	thread->call.bound_cookie = state->conn.cookie;
	handshake_catch_up(&key, state);
	return 0;
}

static void data_emit(const struct ssl_key *key, const struct ssl_state *state,
		      const struct ssl_call *call, __u64 total_len)
{
	__u32 zero = 0;
	struct ssl_data_event *ev = bpf_map_lookup_elem(&data_scratch, &zero);
	__u32 len = total_len < SSL_DATA_MAX ? total_len : SSL_DATA_MAX;

	if (!ev || (data_old_objects_only && state->hs != HS_UNKNOWN) || !state_reportable(state))
		return;
	head_fill(&ev->head, SSL_EVENT_DATA, key, &state->conn);
	ev->total_len = total_len > 0xffffffffULL ? 0xffffffffU : total_len;
	ev->dir = (call->fn == FN_READ || call->fn == FN_READ_EX) ? SSL_DIR_IN : SSL_DIR_OUT;
	ev->truncated = total_len > len;
	barrier_var(len);
	if (len > SSL_DATA_MAX)
		len = SSL_DATA_MAX;
	if (bpf_probe_read_user(ev->data, len, (const void *)call->buf) != 0)
		len = 0;
	ev->len = len;
	if (bpf_ringbuf_output(&events, ev, offsetof(struct ssl_data_event, data) + len,
			       wakeup_flag()) != 0)
		stat_add(SSL_STAT_RINGBUF_FULL);
}

/* Bytes moved by the call, or 0 when it failed. */
static __u64 call_transferred(const struct ssl_call *call, long ret)
{
	__u64 count = 0;

	if (call->fn == FN_READ || call->fn == FN_WRITE)
		return ret > 0 ? ret : 0;
	if (ret != 1)
		return 0;
	bpf_probe_read_user(&count, sizeof(count), (const void *)call->count_ptr);
	return count;
}

static int call_exit(long ret)
{
	struct ssl_thread *thread = thread_get(bpf_get_current_task_btf(), 0);
	struct ssl_state *state;
	struct ssl_call call;
	bool succeeded;

	if (!thread || !thread->in_call)
		return 0;
	if (thread->call.depth) {
		thread->call.depth--;
		return 0;
	}
	call = thread->call;
	thread->in_call = 0;
	thread->last_ssl = call.key;
	thread->last_ssl_j = bpf_jiffies64();

	state = bpf_map_lookup_elem(&ssl_states, &call.key);
	if (!state)
		return 0;
	succeeded = fn_is_handshake(call.fn) ? ret == 1 : call_transferred(&call, ret) > 0;
	if (state->hs == HS_RUNNING) {
		if (call.verify_result >= 0)
			state->verify_result = call.verify_result;
		state->last_ret = ret;
		if (succeeded) {
			state->err = (struct ssl_err){};
			state->other = (struct ssl_err){};
			handshake_end(&call.key, state, true, SSL_HS_END_RETURN, -1);
			secrets_emit(&call.key, state);
		} else {
			state->err = call.err;
			state->other = call.other;
			/* An SSL-library error raised inside the call is fatal; a bare -1 may be
			 * WANT_READ/WANT_WRITE, left to SSL_get_error() or SSL_free(); without
			 * SSL_get_error probed, a system error raised inside is fatal too. */
			if (call.err.lib || (!data_probes_on && call.other.lib))
				handshake_end(&call.key, state, false, SSL_HS_END_RETURN, -1);
		}
	}
	/* Also for the read or write that ran the handshake inside: its data confirms it. */
	if (state->hs == HS_DONE && !fn_is_handshake(call.fn))
		late_failure_check(&call.key, state, &call, succeeded, ret);
	if (!fn_is_handshake(call.fn) && succeeded)
		data_emit(&call.key, state, &call, call_transferred(&call, ret));
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_do_handshake_enter, void *ssl)
{
	return call_enter(ssl, FN_HANDSHAKE, NULL, NULL);
}

SEC("uprobe")
int BPF_KPROBE(ssl_connect_enter, void *ssl)
{
	return call_enter(ssl, FN_CONNECT, NULL, NULL);
}

SEC("uprobe")
int BPF_KPROBE(ssl_accept_enter, void *ssl)
{
	return call_enter(ssl, FN_ACCEPT, NULL, NULL);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_enter, void *ssl, void *buf)
{
	return call_enter(ssl, FN_READ, buf, NULL);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_enter, void *ssl, void *buf, __u64 num, __u64 *readbytes)
{
	return call_enter(ssl, FN_READ_EX, buf, readbytes);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_enter, void *ssl, const void *buf)
{
	return call_enter(ssl, FN_WRITE, buf, NULL);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_enter, void *ssl, const void *buf, __u64 num, __u64 *written)
{
	return call_enter(ssl, FN_WRITE_EX, buf, written);
}

/* One return probe serves every call above: the call's kind is in the per-thread state. */
SEC("uprobe")
int BPF_KRETPROBE(ssl_call_exit, long ret)
{
	return call_exit((int)ret);
}

SEC("uprobe")
int BPF_KRETPROBE(ssl_new_exit, void *ssl)
{
	struct ssl_state fresh = {.verify_result = -1, .hs = HS_NEW};
	struct ssl_key key;

	if (!ssl)
		return 0;
	ssl_key_make(ssl, &key);
	bpf_map_update_elem(&ssl_states, &key, &fresh, BPF_ANY);
	ssl_proc_mark(bpf_get_current_task_btf());
	if (task_in_scope())
		io_hooks_request();
	return 0;
}

/* The earliest sign of a TLS user: a context is made before any connection. */
SEC("uprobe")
int BPF_KPROBE(ssl_ctx_new_enter)
{
	if (task_in_scope())
		io_hooks_request();
	return 0;
}

static int role_set(const void *ssl, __u8 role)
{
	struct ssl_state *state;
	struct ssl_key key;

	ssl_key_make(ssl, &key);
	state = state_lookup_or_init(&key, HS_NEW);
	if (state)
		state->role = role;
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_set_connect_state_enter, void *ssl)
{
	return role_set(ssl, SSL_ROLE_CLIENT);
}

SEC("uprobe")
int BPF_KPROBE(ssl_set_accept_state_enter, void *ssl)
{
	return role_set(ssl, SSL_ROLE_SERVER);
}

SEC("uprobe")
int BPF_KPROBE(ssl_free_enter, void *ssl)
{
	struct ssl_thread *thread = thread_get(bpf_get_current_task_btf(), 0);
	struct ssl_state *state;
	struct ssl_key key;

	if (!ssl)
		return 0;
	ssl_key_cached(ssl, &key, thread);
	if (thread && thread->key_cache.ssl == (__u64)ssl)
		thread->key_cache.ssl = 0; /* the address may next hold another object */
	state = bpf_map_lookup_elem(&ssl_states, &key);
	if (!state)
		return 0;
	if (state->hs == HS_RUNNING)
		handshake_end(&key, state, false, SSL_HS_END_FREE, -1);
	handshake_lost_count(state);
	bpf_map_delete_elem(&ssl_states, &key);
	return 0;
}

static int pending_save(const void *ssl, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_args args = {.ret = ret};

	ssl_key_cached(ssl, &args.key, thread_get(bpf_get_current_task_btf(), 0));
	bpf_map_update_elem(&pending, &id, &args, BPF_ANY);
	return 0;
}

/* The state of the SSL object whose SSL_get_error/SSL_get_verify_result just returned. */
static struct ssl_state *pending_state(struct pending_args *args)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_args *saved = bpf_map_lookup_elem(&pending, &id);

	if (!saved)
		return NULL;
	*args = *saved;
	bpf_map_delete_elem(&pending, &id);
	return bpf_map_lookup_elem(&ssl_states, &args->key);
}

SEC("uprobe")
int BPF_KPROBE(ssl_get_error_enter, void *ssl, int ret)
{
	return pending_save(ssl, ret);
}

SEC("uprobe")
int BPF_KRETPROBE(ssl_get_error_exit, long ssl_error)
{
	struct pending_args args;
	struct ssl_state *state;
	int code = ssl_error;

	state = pending_state(&args);
	if (!state || state->hs != HS_RUNNING)
		return 0;
	/* SSL_ERROR_SYSCALL for a return of 0 is not always fatal: s_client asks about its
	 * SSL_write(ssl, buf, 0) during the handshake. A socket error returns -1. */
	if (code == SSL_ERROR_SSL || code == SSL_ERROR_ZERO_RETURN ||
	    (code == SSL_ERROR_SYSCALL && args.ret < 0))
		handshake_end(&args.key, state, false, SSL_HS_END_GET_ERROR, code);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_get_verify_result_enter, void *ssl)
{
	return pending_save(ssl, 0);
}

SEC("uprobe")
int BPF_KRETPROBE(ssl_get_verify_result_exit, long verify_result)
{
	struct ssl_verify_event *ev;
	struct pending_args args;
	struct ssl_state *state;

	state = pending_state(&args);
	if (!state || state->verify_result == verify_result)
		return 0;
	state->verify_result = verify_result;
	/* A handshake event already went out; report a verify failure it did not carry. */
	if (state->hs != HS_DONE || verify_result == 0 || !state_reportable(state))
		return 0;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		stat_add(SSL_STAT_RINGBUF_FULL);
		return 0;
	}
	head_fill(&ev->head, SSL_EVENT_VERIFY, &args.key, &state->conn);
	ev->verify_result = verify_result;
	bpf_ringbuf_submit(ev, wakeup_flag());
	return 0;
}

/* OpenSSL's reasons for a received alert: SSL_AD_REASON_OFFSET + the alert's code. */
#define SSL_AD_REASON_OFFSET 1000
#define SSL_AD_CODE_MAX	     255

/* Without the read probes, a TLS 1.3 peer's late rejection (an alert read after the handshake
 * call returned success, RFC 8446 §4.4.2.4) shows only as the alert's error raised outside
 * any probed call. It is the late failure of the thread's last handshaken object when that
 * object is tied to the socket the thread just received on, within the confirm window. */
static void late_alert_check(int reason)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ssl_thread *thread = thread_of(task);
	struct ssl_state *state;

	if (data_probes_on || !thread || !thread->last_recv.cookie || !thread->key_cache.ssl ||
	    reason < SSL_AD_REASON_OFFSET || reason > SSL_AD_REASON_OFFSET + SSL_AD_CODE_MAX)
		return;
	if (!adjacent_j(thread->last_recv_j, bpf_jiffies64()))
		return;
	state = bpf_map_lookup_elem(&ssl_states, &thread->key_cache);
	if (!state || state->hs != HS_DONE || state->conn.cookie != thread->last_recv.cookie ||
	    bpf_ktime_get_ns() > state->unconfirmed_until_ns)
		return;
	state->failed_after_ok = 1;
	state->last_ret = -1;
	state->err = (struct ssl_err){.lib = ERR_LIB_SSL, .reason = reason};
	state->other = (struct ssl_err){};
	handshake_end(&thread->key_cache, state, false, SSL_HS_END_RETURN, -1);
}

static int error_record(int lib, int reason)
{
	struct ssl_call *call = call_current();

	if (!call) {
		if (lib == ERR_LIB_SSL)
			late_alert_check(reason);
		return 0;
	}
	if (lib == ERR_LIB_SSL) {
		call->err.lib = lib;
		call->err.reason = reason;
	} else if (lib == ERR_LIB_SYS && !call->other.lib) {
		call->other.lib = lib;
		call->other.reason = reason;
	}
	return 0;
}

/* OpenSSL 3: ERR_raise()/SSLfatal() end in ERR_vset_error (ERR_set_error calls it). */
SEC("uprobe")
int BPF_KPROBE(err_vset_error_enter, int lib, int reason)
{
	return error_record(lib, reason);
}

/* OpenSSL 1.1 and builds that still export it: ERR_put_error(lib, func, reason, file, line). */
SEC("uprobe")
int BPF_KPROBE(err_put_error_enter, int lib, int func, int reason)
{
	return error_record(lib, reason);
}

/* libssl reads the chain's verify result with X509_STORE_CTX_get_error() after
 * X509_verify_cert(); the last value inside the SSL call is the final one. */
SEC("uprobe")
int BPF_KRETPROBE(x509_store_ctx_get_error_exit, long verify_result)
{
	struct ssl_call *call = call_current();

	if (call)
		call->verify_result = (int)verify_result;
	return 0;
}

/* A socket field. The send/receive tracepoints give a BTF pointer, read with plain loads (a
 * BPF_CORE_READ is a helper call each, on every message); the syscall fallback reaches the
 * socket through the task's file table, where only CO-RE reads are allowed. BTF_SK is a
 * constant in every caller, so each program keeps one of the two. */
#define SK_FIELD(sk, btf_sk, field) ((btf_sk) ? (sk)->field : BPF_CORE_READ(sk, field))

static __always_inline __u64 sk_cookie(struct sock *sk, bool btf_sk)
{
	/* Tracepoint programs have no bpf_get_socket_cookie; the socket tracer made the cookie
	 * when the connection opened, and it is kept in the socket. */
	return btf_sk ? bpf_get_socket_cookie(sk)
		      : BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
}

/* The rest of CONN after sock_tcp_read(). */
static __always_inline void conn_fill(struct ssl_conn *conn, struct sock *sk, bool btf_sk)
{
	conn->cookie = sk_cookie(sk, btf_sk);
	if (btf_sk && conn->family == AF_INET) {
		*(__u32 *)conn->laddr = sk->__sk_common.skc_rcv_saddr;
		*(__u32 *)conn->raddr = sk->__sk_common.skc_daddr;
	} else if (btf_sk) {
		*(struct in6_addr *)conn->laddr = sk->__sk_common.skc_v6_rcv_saddr;
		*(struct in6_addr *)conn->raddr = sk->__sk_common.skc_v6_daddr;
	} else if (conn->family == AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)conn->laddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)conn->raddr, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO((struct in6_addr *)conn->laddr, sk,
				   __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)conn->raddr, sk, __sk_common.skc_v6_daddr);
	}
}

/* Whether the current thread's process was seen using libssl (mark on its leader). */
static __always_inline bool proc_uses_ssl(struct task_struct *task)
{
	struct task_struct *leader = task->group_leader;

	return task_may_have_storage(leader) && bpf_task_storage_get(&ssl_procs, leader, 0, 0);
}

/* Family, ports and whether they are traced; false for a socket that is not TCP over IP. */
static __always_inline bool sock_tcp_read(struct sock *sk, bool btf_sk, struct ssl_conn *conn)
{
	conn->family = SK_FIELD(sk, btf_sk, __sk_common.skc_family);
	if ((conn->family != AF_INET && conn->family != AF_INET6) ||
	    SK_FIELD(sk, btf_sk, sk_protocol) != IPPROTO_TCP)
		return false;
	conn->lport = SK_FIELD(sk, btf_sk, __sk_common.skc_num);
	conn->rport = port_from_net(SK_FIELD(sk, btf_sk, __sk_common.skc_dport));
	conn->traced = port_traced(conn->lport) || port_traced(conn->rport);
	return true;
}

/* A receive by a thread with no state yet, in a process that uses libssl: kept as evidence
 * for the thread's next SSL call when the socket is traced. */
static __always_inline void recv_note_first(struct task_struct *task, struct sock *sk, bool btf_sk)
{
	struct ssl_conn conn = {};
	struct ssl_thread *thread;

	if (!sock_tcp_read(sk, btf_sk, &conn) || !conn.traced)
		return;
	thread = thread_get(task, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!thread)
		return;
	conn_fill(&conn, sk, btf_sk);
	thread->last_recv = conn;
	thread->last_recv_j = bpf_jiffies64();
}

static __always_inline int on_sock_io(struct task_struct *task, struct ssl_thread *thread,
				      struct sock *sk, bool btf_sk, bool is_send)
{
	struct ssl_conn conn = {};
	__u64 now_j;

	/* The common case on a host: no SSL call in flight on this thread nor evidence kept. A
	 * send is then evidence for nothing; a receive only in a process using libssl. */
	if (!thread) {
		if (!is_send && proc_uses_ssl(task))
			recv_note_first(task, sk, btf_sk);
		return 0;
	}
	/* The common case in a libssl process between SSL calls (every message of a trunk whose
	 * handshakes are probed): a send with no SSL call before it to tie, whose only effect
	 * is to void the receive evidence; the socket's fields are read only if there is some. */
	if (is_send && !thread->in_call && !thread->last_ssl.ssl && !thread->last_recv.cookie)
		return 0;
	if (!sock_tcp_read(sk, btf_sk, &conn))
		return 0;
	if (thread->in_call) {
		/* Mapped even when untraced, so the object's events are known to be dropped. I/O
		 * on the socket the object is already mapped to changes nothing: skipped. */
		conn.cookie = sk_cookie(sk, btf_sk);
		if (conn.cookie == thread->call.bound_cookie)
			return 0;
		conn_fill(&conn, sk, btf_sk);
		ssl_bind(&thread->call.key, &conn, SSL_BIND_IN_CALL);
		thread->call.bound_cookie = conn.cookie;
		return 0;
	}
	if (!conn.traced || (is_send && !thread->last_ssl.ssl)) {
		/* Every other TCP socket of a libssl process, and a send with no SSL call before
		 * it: they only void evidence. */
		thread->last_ssl.ssl = 0;
		thread->last_recv.cookie = 0;
		return 0;
	}
	conn_fill(&conn, sk, btf_sk);
	now_j = bpf_jiffies64();
	if (is_send && adjacent_j(thread->last_ssl_j, now_j))
		ssl_bind(&thread->last_ssl, &conn, SSL_BIND_SEND_AFTER);
	/* Only the socket I/O right next to an SSL call is evidence for it. */
	thread->last_ssl.ssl = 0;
	if (is_send) {
		thread->last_recv.cookie = 0;
		return 0;
	}
	thread->last_recv = conn;
	thread->last_recv_j = now_j;
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(on_sock_send, struct sock *sk, int ret, int flags)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (conn_io_on)
		conn_note_send(sk, ret);
	return on_sock_io(task, thread_of(task), sk, true, true);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_sock_recv, struct sock *sk, int ret, int flags)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (conn_io_on)
		conn_note_recv(sk, ret, flags);
	return on_sock_io(task, thread_of(task), sk, true, false);
}

/* Kernels without the two tracepoints above (6.1 and older): the same evidence from the
 * entry of the socket I/O system calls libssl users make (OpenSSL's socket BIO reads and
 * writes; Kamailio reads and calls sendto), the socket found through the task's file table.
 * These fire for every read and write of the host, files and pipes too, so a thread that
 * cannot be of use returns before the table is read. */
#define S_IFMT	 00170000
#define S_IFSOCK 0140000

static __always_inline struct sock *sock_of_fd(struct task_struct *task, unsigned long fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *file = NULL;
	struct socket *sock;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

static __always_inline int on_fd_io(unsigned long fd, bool is_send)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ssl_thread *thread = thread_of(task);
	struct sock *sk;

	/* what on_sock_io would return at once for, before the file table walk */
	if (!thread && (is_send || !proc_uses_ssl(task)))
		return 0;
	sk = sock_of_fd(task, fd);
	return sk ? on_sock_io(task, thread, sk, false, is_send) : 0;
}

SEC("tracepoint/syscalls/sys_enter_write")
int on_sys_write(struct trace_event_raw_sys_enter *ctx)
{
	return on_fd_io(ctx->args[0], true);
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int on_sys_sendto(struct trace_event_raw_sys_enter *ctx)
{
	return on_fd_io(ctx->args[0], true);
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int on_sys_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	return on_fd_io(ctx->args[0], true);
}

SEC("tracepoint/syscalls/sys_enter_read")
int on_sys_read(struct trace_event_raw_sys_enter *ctx)
{
	return on_fd_io(ctx->args[0], false);
}

SEC("tracepoint/syscalls/sys_enter_recvfrom")
int on_sys_recvfrom(struct trace_event_raw_sys_enter *ctx)
{
	return on_fd_io(ctx->args[0], false);
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int on_sys_recvmsg(struct trace_event_raw_sys_enter *ctx)
{
	return on_fd_io(ctx->args[0], false);
}
