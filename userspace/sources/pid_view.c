#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pid_view.h"

/* The initial PID namespace's inode (PROC_PID_INIT_INO, include/linux/proc_ns.h). */
#define HOST_PID_NS_INO 0xEFFFFFFCU

/* Whether /proc numbers processes as this process's own PID namespace does: /proc/self names
 * the reader by its number in the namespace /proc was mounted for. A container that mounted
 * the host's /proc (or none of its own) reads the host's numbers. */
static bool proc_is_own(void)
{
	char link[32];
	ssize_t len = readlink("/proc/self", link, sizeof(link) - 1);

	if (len <= 0)
		return false;
	link[len] = '\0';
	return strtol(link, NULL, 10) == getpid();
}

int pid_view_of_self(struct pid_view *view, char *why, size_t why_len)
{
	struct stat st;

	*view = (struct pid_view){0};
	if (stat("/proc/self/ns/pid", &st)) {
		snprintf(why, why_len, "cannot read /proc/self/ns/pid: %s", strerror(errno));
		return -errno;
	}
	if (st.st_ino == HOST_PID_NS_INO || !proc_is_own())
		return 0;
	view->dev = st.st_dev;
	view->ino = st.st_ino;
	return 0;
}
