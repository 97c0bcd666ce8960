#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "journal_file.h"

#define NSEC_PER_SEC	 1000000000ULL
#define ROTATE_MAX_COUNT 999999999ULL

/* stdio's own buffer for a file is its block size (4 KiB on ext4): a write() every 5 lines of a
 * trunk's SIP, 125 a second at 50 calls/s, each tens of us of CPU on a VM. glibc ignores
 * setvbuf's size without a buffer, hence one of our own. */
#define JOURNAL_FILE_BUFFER (64 << 10)

struct rotate_unit {
	const char *name;
	uint64_t factor;
	bool is_size;
};

static const struct rotate_unit rotate_units[] = {
    {"K", 1ULL << 10, true},	       {"KB", 1ULL << 10, true},
    {"M", 1ULL << 20, true},	       {"MB", 1ULL << 20, true},
    {"G", 1ULL << 30, true},	       {"GB", 1ULL << 30, true},
    {"s", NSEC_PER_SEC, false},	       {"min", 60 * NSEC_PER_SEC, false},
    {"h", 3600 * NSEC_PER_SEC, false}, {"d", 86400 * NSEC_PER_SEC, false},
};

/* One "64M" or "1h" of --rotate, LEN bytes at TEXT. */
static int rotation_part_parse(const char *text, size_t len, struct journal_rotation *rotation,
			       char *why, size_t why_len)
{
	uint64_t count = 0;
	size_t digits = 0;

	while (digits < len && isdigit((unsigned char)text[digits]) && count <= ROTATE_MAX_COUNT)
		count = count * 10 + (uint64_t)(text[digits++] - '0');
	for (size_t i = 0; digits && count && count <= ROTATE_MAX_COUNT &&
			   i < sizeof(rotate_units) / sizeof(rotate_units[0]);
	     i++) {
		const struct rotate_unit *unit = &rotate_units[i];
		uint64_t *limit = unit->is_size ? &rotation->max_bytes : &rotation->max_age_ns;

		/* case matters: "m" is left unknown, minutes or megabytes */
		if (strlen(unit->name) != len - digits ||
		    strncmp(unit->name, text + digits, len - digits))
			continue;
		if (*limit) {
			snprintf(why, why_len, "bad --rotate '%.*s': a second %s", (int)len, text,
				 unit->is_size ? "size" : "interval");
			return -EINVAL;
		}
		*limit = count * unit->factor;
		return 0;
	}
	snprintf(why, why_len,
		 "bad --rotate '%.*s' (want a size such as 64M or 1G, an interval such as 30min, "
		 "1h or 1d, or both: 64M,1d)",
		 (int)len, text);
	return -EINVAL;
}

int journal_rotation_parse(const char *text, struct journal_rotation *rotation, char *why,
			   size_t why_len)
{
	const char *comma = strchr(text, ',');
	int err;

	rotation->max_bytes = 0;
	rotation->max_age_ns = 0;
	err = rotation_part_parse(text, comma ? (size_t)(comma - text) : strlen(text), rotation,
				  why, why_len);
	if (!err && comma)
		err = rotation_part_parse(comma + 1, strlen(comma + 1), rotation, why, why_len);
	return err;
}

static bool rotates(const struct journal_rotation *rotation)
{
	return rotation->max_bytes || rotation->max_age_ns;
}

/* Opens journal->path for appending, mode 0600, with a buffer of its own, and learns its size. */
static int file_open(struct journal_file *journal, char *why, size_t why_len)
{
	int fd = open(journal->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	struct stat st;
	int err;

	if (fd < 0) {
		err = -errno;
		snprintf(why, why_len, "cannot open journal %s: %s", journal->path,
			 strerror(errno));
		return err;
	}
	if (fchmod(fd, 0600) || fstat(fd, &st)) {
		err = -errno;
		snprintf(why, why_len, "cannot set mode 0600 on journal %s: %s", journal->path,
			 strerror(errno));
		close(fd);
		return err;
	}
	journal->buffer = malloc(JOURNAL_FILE_BUFFER);
	journal->file = journal->buffer ? fdopen(fd, "a") : NULL;
	if (!journal->file) {
		err = journal->buffer ? -errno : -ENOMEM;
		snprintf(why, why_len, "cannot open journal %s: %s", journal->path, strerror(-err));
		free(journal->buffer);
		journal->buffer = NULL;
		close(fd);
		return err;
	}
	setvbuf(journal->file, journal->buffer, _IOFBF, JOURNAL_FILE_BUFFER);
	journal->bytes = (uint64_t)st.st_size;
	journal->first_ts_ns = 0;
	return 0;
}

/* Closes FILE, then frees BUFFER, its stdio buffer. */
static int file_close(FILE *file, char *buffer)
{
	int err = 0;

	if (fflush(file) || fsync(fileno(file)))
		err = -errno;
	if (fclose(file) && !err)
		err = -errno;
	free(buffer);
	return err;
}

int journal_file_open(struct journal_file *journal, const char *path,
		      const struct journal_rotation *rotation, FILE *errors, char *why,
		      size_t why_len)
{
	int err;

	*journal = (struct journal_file){.errors = errors};
	if (rotation && rotates(rotation)) {
		journal->rotation = *rotation;
		if (!journal->rotation.keep)
			journal->rotation.keep = JOURNAL_KEEP_DEFAULT;
	}
	journal->path = strdup(path);
	if (!journal->path) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	err = file_open(journal, why, why_len);
	if (err) {
		free(journal->path);
		journal->path = NULL;
	}
	return err;
}

/* PATH.N into BUF. */
static int numbered_path(char *buf, size_t buf_len, const char *path, unsigned n)
{
	int len = snprintf(buf, buf_len, "%s.%u", path, n);

	return len < 0 || (size_t)len >= buf_len ? -ENAMETOOLONG : 0;
}

/* FILE.(KEEP-1) .. FILE.1 move up one, the oldest beyond KEEP goes, FILE becomes FILE.1. */
static int shift_files(const struct journal_file *journal, char *why, size_t why_len)
{
	size_t buf_len = strlen(journal->path) + 16;
	char *from = malloc(buf_len), *to = malloc(buf_len);
	int err = from && to ? 0 : -ENOMEM;

	for (unsigned n = journal->rotation.keep; !err && n >= 1; n--) {
		if (n == 1)
			snprintf(from, buf_len, "%s", journal->path);
		else
			err = numbered_path(from, buf_len, journal->path, n - 1);
		if (!err)
			err = numbered_path(to, buf_len, journal->path, n);
		if (!err && rename(from, to) && errno != ENOENT) {
			err = -errno;
			snprintf(why, why_len, "cannot rename %s to %s: %s", from, to,
				 strerror(errno));
		}
	}
	if (err == -ENOMEM || err == -ENAMETOOLONG)
		snprintf(why, why_len, "cannot rotate %s: %s", journal->path, strerror(-err));
	free(from);
	free(to);
	return err;
}

/* Rotates without closing FILE until its successor is open: when a step fails, the events go
 * on into the file already open (whatever its name is by then), and the next try waits for
 * another full size or span. The oldest file goes by being renamed over. */
static int rotate(struct journal_file *journal)
{
	FILE *old = journal->file;
	char *old_buffer = journal->buffer;
	char why[512];
	int err;

	if (fflush(old) || fsync(fileno(old)))
		return -errno;
	err = shift_files(journal, why, sizeof(why));
	if (!err)
		err = file_open(journal, why, sizeof(why));
	if (err) {
		journal->file = old;
		journal->buffer = old_buffer;
		journal->bytes = 0;
		journal->first_ts_ns = 0;
		journal->rotation_failures++;
		if (journal->errors)
			fprintf(journal->errors, "siptrail: journal not rotated: %s\n", why);
		return 0;
	}
	journal->rotations++;
	return file_close(old, old_buffer);
}

int journal_file_reopen(struct journal_file *journal, char *why, size_t why_len)
{
	FILE *old = journal->file;
	char *old_buffer = journal->buffer;
	struct stat now, open_file;
	int err;

	if (fstat(fileno(old), &open_file)) {
		err = -errno;
		snprintf(why, why_len, "cannot reopen journal %s: %s", journal->path,
			 strerror(errno));
		return err;
	}
	if (!stat(journal->path, &now) && now.st_dev == open_file.st_dev &&
	    now.st_ino == open_file.st_ino)
		return 0;
	err = file_open(journal, why, why_len);
	if (err) {
		journal->file = old;
		journal->buffer = old_buffer;
		return err;
	}
	err = file_close(old, old_buffer);
	if (err)
		snprintf(why, why_len, "cannot flush the journal moved away from %s: %s",
			 journal->path, strerror(-err));
	return err;
}

int journal_file_write(struct journal_file *journal, const char *line, size_t len, uint64_t ts_ns)
{
	const struct journal_rotation *rotation = &journal->rotation;
	int err;

	/* first_ts_ns is 0 before FILE's first event of this run */
	if (rotation->max_age_ns && journal->first_ts_ns && ts_ns > journal->first_ts_ns &&
	    ts_ns - journal->first_ts_ns >= rotation->max_age_ns && (err = rotate(journal)))
		return err;
	if (fwrite(line, 1, len, journal->file) != len)
		return -EIO;
	journal->bytes += len;
	if (!journal->first_ts_ns)
		journal->first_ts_ns = ts_ns;
	if (rotation->max_bytes && journal->bytes >= rotation->max_bytes)
		return rotate(journal);
	return 0;
}

int journal_file_flush(struct journal_file *journal)
{
	return fflush(journal->file) ? -errno : 0;
}

int journal_file_close(struct journal_file *journal)
{
	int err = journal->file ? file_close(journal->file, journal->buffer) : 0;

	journal->file = NULL;
	journal->buffer = NULL;
	free(journal->path);
	journal->path = NULL;
	return err;
}
