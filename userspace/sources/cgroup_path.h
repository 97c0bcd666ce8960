/* cgroup v2 directories named on the command line (--cgroup). */
#ifndef SIPTRAIL_CGROUP_PATH_H
#define SIPTRAIL_CGROUP_PATH_H

#include <stddef.h>
#include <stdint.h>

/* The kernel's id of the cgroup v2 directory PATH. Returns 0, or a negative errno with why
 * naming the path and the reason. */
int cgroup_path_id(const char *path, uint64_t *id, char *why, size_t why_len);

#endif
