#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "json_compact.h"
#include "journal_write.h"

int json_line_write(FILE *out, const json_t *event)
{
	char line[JSON_LINE_BYTES];
	size_t len = json_compact_dump(event, line, sizeof(line) - 1);
	char *long_line;
	int err = 0;

	/* what the fast writer leaves to jansson, or what does not fit */
	if (!len)
		len = json_dumpb(event, line, sizeof(line) - 1, JSON_COMPACT);
	/* json_dumpf writes token by token through stdio: measured at twice the cost of
	 * dumping into a buffer and writing once (bench/bench_live_overhead.c). */
	if (len < sizeof(line) - 1) {
		line[len++] = '\n';
		return fwrite(line, 1, len, out) == len ? 0 : -EIO;
	}
	long_line = json_dumps(event, JSON_COMPACT);
	if (!long_line)
		return -ENOMEM;
	len = strlen(long_line);
	if (fwrite(long_line, 1, len, out) != len || fputc('\n', out) == EOF)
		err = -EIO;
	free(long_line);
	return err;
}
