#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/utsname.h>

#include "live_privileges.h"

int live_user_lookup(const char *name, struct live_user *user, char *why, size_t why_len)
{
	struct passwd *pw;

	if (strlen(name) >= sizeof(user->name)) {
		snprintf(why, why_len, "bad --user '%s': too long", name);
		return -ENAMETOOLONG;
	}
	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		snprintf(why, why_len, "bad --user '%s': %s", name,
			 errno ? strerror(errno) : "no such user");
		return errno ? -errno : -ENOENT;
	}
	snprintf(user->name, sizeof(user->name), "%s", name);
	user->uid = pw->pw_uid;
	user->gid = pw->pw_gid;
	return 0;
}

static int fail(int err, const char *what, char *why, size_t why_len)
{
	snprintf(why, why_len, "cannot drop privileges: %s: %s", what, strerror(-err));
	return err;
}

/* Linux 6.5 ("bpf: Move unprivileged checks into map_create() and bpf_prog_load()") asks for
 * CAP_BPF only to create maps and load programs; before, every bpf() call did. */
static bool kernel_before_6_5(void)
{
	struct utsname uts;
	unsigned major, minor;

	if (uname(&uts) || sscanf(uts.release, "%u.%u", &major, &minor) != 2)
		return true; /* unknown: keep what an old kernel needs */
	return major < 6 || (major == 6 && minor < 5);
}

static bool kept(cap_value_t cap, bool old_kernel, bool other_user, const struct live_needs *needs)
{
	if (cap == CAP_DAC_READ_SEARCH && needs->reads_key_log)
		return true;
	if (needs->attaches_perf_events && (cap == CAP_SYS_ADMIN || cap == CAP_PERFMON))
		return true;
	if (!old_kernel)
		return false;
	return cap == CAP_BPF || cap == CAP_PERFMON || (other_user && cap == CAP_DAC_READ_SEARCH);
}

static bool held(cap_t caps, cap_value_t cap, cap_flag_t set)
{
	cap_flag_value_t value = CAP_CLEAR;

	return caps && !cap_get_flag(caps, cap, set, &value) && value == CAP_SET;
}

/* The user's uid, gid and groups, the permitted capabilities kept across setuid. */
static int become_user(const struct live_user *user, const char *const owned[], char *why,
		       size_t why_len)
{
	for (size_t i = 0; owned[i]; i++)
		if (chown(owned[i], user->uid, user->gid))
			return fail(-errno, owned[i], why, why_len);
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L))
		return fail(-errno, "PR_SET_KEEPCAPS", why, why_len);
	if (initgroups(user->name, user->gid))
		return fail(-errno, "initgroups", why, why_len);
	if (setgid(user->gid))
		return fail(-errno, "setgid", why, why_len);
	if (setuid(user->uid))
		return fail(-errno, "setuid", why, why_len);
	return prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L)
		   ? fail(-errno, "PR_SET_KEEPCAPS", why, why_len)
		   : 0;
}

int live_privileges_drop(const struct live_user *user, const struct live_needs *needs,
			 const char *const owned[], char *why, size_t why_len)
{
	bool other_user = user->name[0] != '\0', old_kernel = kernel_before_6_5();
	cap_value_t max = (cap_value_t)cap_max_bits();
	cap_t before = cap_get_proc(), caps = cap_init();
	int err = 0;

	if (!before || !caps) {
		err = fail(-errno, "cap_get_proc", why, why_len);
		goto out;
	}
	/* the bounding set first: it takes CAP_SETPCAP, which goes with the rest (without it,
	 * whoever started siptrail chose the bounding set, e.g. systemd's CapabilityBoundingSet) */
	for (cap_value_t cap = 0; held(before, CAP_SETPCAP, CAP_EFFECTIVE) && cap < max; cap++)
		if (!kept(cap, old_kernel, other_user, needs) && cap_drop_bound(cap)) {
			err = fail(-errno, "the bounding set", why, why_len);
			goto out;
		}
	if (other_user && (err = become_user(user, owned, why, why_len)))
		goto out;
	/* what is kept and was there: a capability not permitted at the start cannot come */
	for (cap_value_t cap = 0; cap < max; cap++) {
		if (!kept(cap, old_kernel, other_user, needs) || !held(before, cap, CAP_PERMITTED))
			continue;
		if (cap_set_flag(caps, CAP_PERMITTED, 1, &cap, CAP_SET) ||
		    cap_set_flag(caps, CAP_EFFECTIVE, 1, &cap, CAP_SET))
			err = fail(-errno, "cap_set_flag", why, why_len);
	}
	if (!err && cap_set_proc(caps))
		err = fail(-errno, "capset", why, why_len);
	if (!err && cap_reset_ambient())
		err = fail(-errno, "the ambient set", why, why_len);
out:
	cap_free(before);
	cap_free(caps);
	return err;
}
