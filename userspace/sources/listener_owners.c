#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "listener_owners.h"
#include "sock_events.h"

#define TCP_LISTEN_STATE 0x0A /* st column of /proc/net/tcp */

struct listener {
	unsigned long inode;
	bool owned;
};

struct inode_set {
	struct listener *listeners; /* sorted by inode */
	size_t len, cap;
};

static int inode_cmp(const void *a, const void *b)
{
	unsigned long x = ((const struct listener *)a)->inode;
	unsigned long y = ((const struct listener *)b)->inode;

	return x < y ? -1 : x > y;
}

static int inode_add(struct inode_set *set, unsigned long inode)
{
	if (set->len == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		struct listener *grown = realloc(set->listeners, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		set->listeners = grown;
		set->cap = cap;
	}
	set->listeners[set->len++] = (struct listener){.inode = inode};
	return 0;
}

static struct listener *inode_find(const struct inode_set *set, unsigned long inode)
{
	const struct listener key = {.inode = inode};

	return set->len ? bsearch(&key, set->listeners, set->len, sizeof(key), inode_cmp) : NULL;
}

/* Listening sockets on traced ports in /proc/PID/net/tcp{,6}: the tables of PID's namespace. */
static int listeners_of_netns(pid_t pid, const struct port_set *ports, struct inode_set *set)
{
	static const char *const tables[] = {"tcp", "tcp6"};
	char path[64], line[512];
	int err = 0;

	for (size_t t = 0; t < 2 && !err; t++) {
		FILE *table;

		snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, tables[t]);
		table = fopen(path, "r");
		if (!table)
			continue; /* no IPv6 in this kernel */
		while (!err && fgets(line, sizeof(line), table)) {
			unsigned port, state;
			unsigned long inode;

			/* "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout
			 * inode" */
			if (sscanf(line,
				   " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*x:%*x %*x:%*x "
				   "%*x %*u %*u %lu",
				   &port, &state, &inode) != 3)
				continue;
			if (state == TCP_LISTEN_STATE && port < PORT_SET_SIZE &&
			    ports->traced[port] && inode)
				err = inode_add(set, inode);
		}
		fclose(table);
	}
	if (!err)
		qsort(set->listeners, set->len, sizeof(*set->listeners), inode_cmp);
	return err;
}

static int pid_cmp(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

/* Every process, in pid order (the order the kernel's iterator used). */
static int pids_list(pid_t **pids, size_t *n)
{
	DIR *proc = opendir("/proc");
	struct dirent *entry;
	size_t cap = 0;

	*pids = NULL;
	*n = 0;
	if (!proc)
		return -errno;
	while ((entry = readdir(proc))) {
		char *end;
		long pid = strtol(entry->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		if (*n == cap) {
			pid_t *grown = realloc(*pids, (cap = cap ? cap * 2 : 256) * sizeof(pid_t));

			if (!grown) {
				closedir(proc);
				return -ENOMEM;
			}
			*pids = grown;
		}
		(*pids)[(*n)++] = pid;
	}
	closedir(proc);
	qsort(*pids, *n, sizeof(pid_t), pid_cmp);
	return 0;
}

static void owner_read(pid_t pid, struct sock_owner *owner)
{
	char path[64];
	FILE *comm;

	memset(owner, 0, sizeof(*owner));
	owner->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	comm = fopen(path, "r");
	if (!comm)
		return;
	if (fgets(owner->comm, sizeof(owner->comm), comm))
		owner->comm[strcspn(owner->comm, "\n")] = '\0';
	fclose(comm);
}

/* Records PID as the owner of the listener behind its descriptor FD. */
static int owner_record(int listeners_fd, pid_t pid, int *pidfd, int fd)
{
	struct sock_owner owner;
	int copy, err = 0;

	if (*pidfd < 0) {
		*pidfd = syscall(SYS_pidfd_open, pid, 0);
		if (*pidfd < 0)
			return -errno;
	}
	copy = syscall(SYS_pidfd_getfd, *pidfd, fd, 0);
	if (copy < 0)
		return -errno;
	owner_read(pid, &owner);
	/* BPF_NOEXIST: a listen() seen by the kernel since the start wins */
	if (bpf_map_update_elem(listeners_fd, &copy, &owner, BPF_NOEXIST) && errno != EEXIST)
		err = -errno;
	close(copy);
	return err;
}

/* Records PID as the owner of its descriptors that are listeners in SET with no owner yet. */
static int process_scan(int listeners_fd, pid_t pid, struct inode_set *set, int *recorded,
			struct pid_list *owners)
{
	char path[64], link[64];
	struct dirent *entry;
	int pidfd = -1, last_err = 0;
	DIR *fds;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	fds = opendir(path);
	if (!fds)
		return 0; /* gone, or a kernel thread */
	while ((entry = readdir(fds))) {
		struct listener *listener;
		unsigned long inode;
		char fd_path[sizeof(path) + sizeof(entry->d_name) + 1];
		ssize_t len;
		int err;

		snprintf(fd_path, sizeof(fd_path), "%s/%s", path, entry->d_name);
		len = readlink(fd_path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) != 1 ||
		    !(listener = inode_find(set, inode)) || listener->owned)
			continue;
		err = owner_record(listeners_fd, pid, &pidfd, atoi(entry->d_name));
		if (err) {
			last_err = err;
			continue;
		}
		listener->owned = true; /* the first holder in pid order keeps it */
		(*recorded)++;
		if (owners->count < PID_LIST_MAX &&
		    (!owners->count || owners->pids[owners->count - 1] != pid))
			owners->pids[owners->count++] = pid;
	}
	closedir(fds);
	if (pidfd >= 0)
		close(pidfd);
	return last_err;
}

static bool in_netns(pid_t pid, uint32_t netns)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	return stat(path, &st) == 0 && st.st_ino == netns;
}

int listener_owners_record(int listeners_fd, const struct port_set *ports, uint32_t netns,
			   struct pid_list *owners, char *why, size_t why_len)
{
	struct inode_set set = {0};
	bool tables_read = false;
	int recorded = 0, err = 0, last_err = 0;
	pid_t *pids;
	size_t n_pids;

	err = pids_list(&pids, &n_pids);
	if (err) {
		snprintf(why, why_len, "cannot list /proc: %s", strerror(-err));
		return err;
	}
	for (size_t i = 0; i < n_pids && !err; i++) {
		int scan_err;

		if (!in_netns(pids[i], netns))
			continue;
		if (!tables_read) {
			err = listeners_of_netns(pids[i], ports, &set);
			tables_read = true;
			if (err || set.len == 0)
				break;
		}
		scan_err = process_scan(listeners_fd, pids[i], &set, &recorded, owners);
		if (scan_err)
			last_err = scan_err;
	}
	free(pids);
	free(set.listeners);
	if (err) {
		snprintf(why, why_len, "cannot read the listening sockets: %s", strerror(-err));
		return err;
	}
	if (last_err && !recorded) {
		snprintf(why, why_len, "cannot take a copy of a listening socket (pidfd_getfd): %s",
			 strerror(-last_err));
		return last_err;
	}
	return recorded;
}
