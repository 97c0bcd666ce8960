/* gzip through zlib's gzFile behind fopencookie(3), so libpcap, the pcapng reader and the
 * journal reader, which all read a FILE, need no change. */
#include "compressed_file.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#define GZ_BUFFER_BYTES (256 << 10) /* as the plain readers' stdio buffer */

bool compressed_file_is_gzip(const char *path)
{
	uint8_t magic[2];
	FILE *f = fopen(path, "rb");
	bool gzip;

	if (!f)
		return false;
	gzip = fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
	fclose(f);
	return gzip;
}

static ssize_t gz_read(void *cookie, char *buf, size_t size)
{
	unsigned chunk = size > INT32_MAX ? INT32_MAX : (unsigned)size;
	int n = gzread(cookie, buf, chunk);

	if (n < 0) {
		errno = EIO; /* a corrupt or cut stream */
		return -1;
	}
	return n;
}

static int gz_seek(void *cookie, off64_t *offset, int whence)
{
	/* zlib seeks a reading stream by rewinding and decompressing up to the offset: slow
	 * but correct, and only used to rewind after a look at the magic number */
	z_off_t at = gzseek(cookie, (z_off_t)*offset, whence);

	if (at < 0) {
		errno = EINVAL;
		return -1;
	}
	*offset = at;
	return 0;
}

static int gz_close(void *cookie)
{
	return gzclose_r(cookie) == Z_OK ? 0 : EOF;
}

FILE *compressed_fopen(const char *path)
{
	static const cookie_io_functions_t gz_io = {
	    .read = gz_read, .seek = gz_seek, .close = gz_close};
	gzFile gz;
	FILE *f;

	if (!compressed_file_is_gzip(path))
		return fopen(path, "rb");
	gz = gzopen(path, "rb");
	if (!gz)
		return NULL; /* errno set by open(2), or ENOMEM */
	gzbuffer(gz, GZ_BUFFER_BYTES);
	f = fopencookie(gz, "rb", gz_io);
	if (!f)
		gzclose_r(gz);
	return f;
}
