#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <zlib.h>
#include <bpf/btf.h>

#include "kernel_facts.h"

/* The frequencies Linux can be built with (kernel/Kconfig.hz); a measurement snaps to one. */
static const unsigned known_hz[] = {100, 250, 300, 1000};
/* Long enough that one jiffy of jitter cannot move a measurement to the wrong HZ. */
#define HZ_SAMPLE_NS 200000000L

const struct btf *kernel_btf(void)
{
	static struct btf *vmlinux;

	if (!vmlinux)
		vmlinux = btf__load_vmlinux_btf();
	return vmlinux;
}

/* SIPTRAIL_HIDE_TRACEPOINTS (comma-separated names) makes tracepoints look absent, so the
 * degraded paths of older kernels are tested on this one too. */
static bool tracepoint_hidden(const char *name)
{
	const char *hidden = getenv("SIPTRAIL_HIDE_TRACEPOINTS");
	size_t len = strlen(name);

	for (const char *at = hidden; at && (at = strstr(at, name)); at += len)
		if ((at == hidden || at[-1] == ',') && (at[len] == ',' || at[len] == '\0'))
			return true;
	return false;
}

bool kernel_has_tracepoint(const char *name)
{
	const struct btf *vmlinux = kernel_btf();
	char type_name[128];

	if (!vmlinux || tracepoint_hidden(name))
		return false;
	snprintf(type_name, sizeof(type_name), "btf_trace_%s", name);
	return btf__find_by_name_kind(vmlinux, type_name, BTF_KIND_TYPEDEF) >= 0;
}

/* CONFIG_HZ from a kernel config file; gzread reads plain files as well as gzip. */
static int hz_from_config(const char *path, unsigned *hz)
{
	gzFile config = gzopen(path, "r");
	char line[256];
	int err = -ENOENT;

	if (!config)
		return errno ? -errno : -ENOMEM;
	while (gzgets(config, line, sizeof(line))) {
		if (sscanf(line, "CONFIG_HZ=%u", hz) == 1 && *hz > 0) {
			err = 0;
			break;
		}
	}
	gzclose(config);
	return err;
}

/* One reading of jiffies and the monotonic clock (ns) from /proc/timer_list, which prints
 * both ("now at N nsecs" first, "jiffies: N" for each tick device later). */
static int timer_list_read(uint64_t *jiffies, uint64_t *now_ns)
{
	FILE *list = fopen("/proc/timer_list", "r");
	char line[256];
	bool have_now = false, have_jiffies = false;

	if (!list)
		return -errno;
	while (fgets(line, sizeof(line), list) && !(have_now && have_jiffies)) {
		unsigned long long value;

		if (!have_now && sscanf(line, "now at %llu nsecs", &value) == 1) {
			*now_ns = value;
			have_now = true;
		} else if (!have_jiffies && sscanf(line, " jiffies: %llu", &value) == 1) {
			*jiffies = value;
			have_jiffies = true;
		}
	}
	fclose(list);
	return have_now && have_jiffies ? 0 : -ENODATA;
}

static int hz_measured(unsigned *hz)
{
	const struct timespec pause = {0, HZ_SAMPLE_NS};
	uint64_t j0, t0, j1, t1;
	double rate, best_diff = 1e9;
	int err;

	if ((err = timer_list_read(&j0, &t0)))
		return err;
	nanosleep(&pause, NULL);
	if ((err = timer_list_read(&j1, &t1)))
		return err;
	if (t1 <= t0 || j1 <= j0)
		return -ENODATA;
	rate = (double)(j1 - j0) * 1e9 / (double)(t1 - t0);
	for (size_t i = 0; i < sizeof(known_hz) / sizeof(known_hz[0]); i++) {
		double diff = rate > known_hz[i] ? rate - known_hz[i] : known_hz[i] - rate;

		if (diff < best_diff) {
			best_diff = diff;
			*hz = known_hz[i];
		}
	}
	/* A tickless kernel catches up on jiffies late: more than 10 % off is not a reading. */
	return best_diff <= *hz / 10.0 ? 0 : -ERANGE;
}

static int kernel_hz_find(unsigned *hz, char *source, size_t source_len)
{
	struct utsname uts = {0};
	char path[sizeof(uts.release) + 16];
	int err;

	if (uname(&uts) == 0) {
		snprintf(path, sizeof(path), "/boot/config-%s", uts.release);
		if (hz_from_config(path, hz) == 0) {
			snprintf(source, source_len, "%s", path);
			return 0;
		}
	}
	if (hz_from_config("/proc/config.gz", hz) == 0) {
		snprintf(source, source_len, "/proc/config.gz");
		return 0;
	}
	err = hz_measured(hz);
	if (err == 0) {
		snprintf(source, source_len, "measured from /proc/timer_list");
		return 0;
	}
	snprintf(source, source_len,
		 "no kernel config file (/boot/config-%s, /proc/config.gz) and no reading from "
		 "/proc/timer_list (%s)",
		 uts.release, strerror(-err));
	return err;
}

/* Found once per process: the measurement sleeps 200 ms, and check then live's tracer ask. */
int kernel_hz(unsigned *hz, char *source, size_t source_len)
{
	static unsigned found_hz;
	static char found_source[256];
	static int found_err = 1; /* 1: not looked for yet */

	if (found_err == 1)
		found_err = kernel_hz_find(&found_hz, found_source, sizeof(found_source));
	*hz = found_hz;
	snprintf(source, source_len, "%s", found_source);
	return found_err;
}
