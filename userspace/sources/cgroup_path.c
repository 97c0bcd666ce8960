#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "cgroup_path.h"

/* A cgroup v2 directory's inode number is the kernel's cgroup id (kernfs node id). */
int cgroup_path_id(const char *path, uint64_t *id, char *why, size_t why_len)
{
	struct statfs fs;
	struct stat st;

	if (statfs(path, &fs) || stat(path, &st)) {
		snprintf(why, why_len, "cgroup %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fs.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(st.st_mode)) {
		snprintf(why, why_len, "cgroup %s: not a cgroup v2 directory", path);
		return -EINVAL;
	}
	*id = st.st_ino;
	return 0;
}
