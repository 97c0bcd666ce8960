#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "json_compact.h"

#define JSON_LINE_BYTES 4096

FILE *journal_open(const char *path, char *why, size_t why_len)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	FILE *journal;

	if (fd < 0) {
		snprintf(why, why_len, "cannot open journal %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fchmod(fd, 0600)) {
		snprintf(why, why_len, "cannot set mode 0600 on journal %s: %s", path,
			 strerror(errno));
		close(fd);
		return NULL;
	}
	journal = fdopen(fd, "a");
	if (!journal) {
		snprintf(why, why_len, "cannot open journal %s: %s", path, strerror(errno));
		close(fd);
	}
	return journal;
}

int json_line_write(FILE *out, const json_t *event)
{
	char line[JSON_LINE_BYTES];
	size_t len = json_compact_dump(event, line, sizeof(line) - 1);

	/* what the fast writer leaves to jansson, or what does not fit */
	if (!len)
		len = json_dumpb(event, line, sizeof(line) - 1, JSON_COMPACT);
	/* json_dumpf writes token by token through stdio: measured at twice the cost of
	 * dumping into a buffer and writing once (bench/bench_live_overhead.c). */
	if (len >= sizeof(line) - 1) {
		if (json_dumpf(event, out, JSON_COMPACT) || fputc('\n', out) == EOF)
			return -EIO;
		return 0;
	}
	line[len++] = '\n';
	return fwrite(line, 1, len, out) == len ? 0 : -EIO;
}

int journal_close(FILE *journal)
{
	int err = 0;

	if (fflush(journal) || fsync(fileno(journal)))
		err = -errno;
	if (fclose(journal) && !err)
		err = -errno;
	return err;
}
