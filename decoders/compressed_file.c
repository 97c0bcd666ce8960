/* gzip through zlib's gzFile, zstd through libzstd's streaming decoder, behind fopencookie(3),
 * so libpcap, the pcapng reader and the journal reader, which all read a FILE, need no
 * change. */
#include "compressed_file.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

#define GZ_BUFFER_BYTES (256 << 10) /* as the plain readers' stdio buffer */

enum compression { PLAIN, GZIP, ZSTD };

static enum compression compression_of(const char *path)
{
	static const uint8_t zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
	uint8_t magic[4] = {0};
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return PLAIN; /* fopen below says why */
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		return GZIP;
	return n == 4 && !memcmp(magic, zstd_magic, 4) ? ZSTD : PLAIN;
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

struct zstd_stream {
	FILE *file; /* the compressed bytes */
	ZSTD_DStream *dstream;
	ZSTD_inBuffer in;
	void *in_buf;
	size_t in_cap;
	uint64_t position; /* plain bytes handed out */
	bool in_frame;	   /* the decoder wants more of a frame: the file must not end here */
};

static ssize_t zstd_read(void *cookie, char *buf, size_t size)
{
	struct zstd_stream *z = cookie;
	ZSTD_outBuffer out = {buf, size, 0};

	while (out.pos < out.size) {
		size_t rc;
		if (z->in.pos == z->in.size) {
			z->in.size = fread(z->in_buf, 1, z->in_cap, z->file);
			z->in.pos = 0;
			if (!z->in.size)
				break; /* end of the file */
		}
		rc = ZSTD_decompressStream(z->dstream, &out, &z->in);
		if (ZSTD_isError(rc)) {
			errno = EIO; /* a corrupt stream */
			return -1;
		}
		z->in_frame = rc != 0;
	}
	if (!out.pos && z->in_frame) {
		errno = EIO; /* the file ends inside a frame: cut short */
		return -1;
	}
	z->position += out.pos;
	return (ssize_t)out.pos;
}

/* Only a rewind (to 0) or asking where we are: what the readers do. */
static int zstd_seek(void *cookie, off64_t *offset, int whence)
{
	struct zstd_stream *z = cookie;

	if (whence == SEEK_CUR && *offset == 0) {
		*offset = (off64_t)z->position;
		return 0;
	}
	if (whence != SEEK_SET || *offset != 0) {
		errno = EINVAL;
		return -1;
	}
	rewind(z->file);
	ZSTD_DCtx_reset(z->dstream, ZSTD_reset_session_only);
	z->in.pos = z->in.size = 0;
	z->position = 0;
	z->in_frame = false;
	return 0;
}

static int zstd_close(void *cookie)
{
	struct zstd_stream *z = cookie;
	int rc = fclose(z->file);

	ZSTD_freeDStream(z->dstream);
	free(z->in_buf);
	free(z);
	return rc;
}

static FILE *zstd_fopen(const char *path)
{
	static const cookie_io_functions_t zstd_io = {
	    .read = zstd_read, .seek = zstd_seek, .close = zstd_close};
	struct zstd_stream *z = calloc(1, sizeof(*z));
	FILE *f = NULL;

	if (!z)
		return NULL;
	z->file = fopen(path, "rb");
	z->dstream = ZSTD_createDStream();
	z->in_cap = ZSTD_DStreamInSize();
	z->in_buf = malloc(z->in_cap);
	z->in.src = z->in_buf;
	if (!z->file || !z->dstream || !z->in_buf || !(f = fopencookie(z, "rb", zstd_io))) {
		int why = z->file ? ENOMEM : errno; /* fopen's reason, else memory */
		if (z->file)
			fclose(z->file);
		ZSTD_freeDStream(z->dstream);
		free(z->in_buf);
		free(z);
		errno = why;
	}
	return f;
}

static FILE *gz_fopen(const char *path)
{
	static const cookie_io_functions_t gz_io = {
	    .read = gz_read, .seek = gz_seek, .close = gz_close};
	gzFile gz = gzopen(path, "rb");
	FILE *f;

	if (!gz)
		return NULL; /* errno set by open(2), or ENOMEM */
	gzbuffer(gz, GZ_BUFFER_BYTES);
	f = fopencookie(gz, "rb", gz_io);
	if (!f)
		gzclose_r(gz);
	return f;
}

FILE *compressed_fopen(const char *path)
{
	switch (compression_of(path)) {
	case GZIP:
		return gz_fopen(path);
	case ZSTD:
		return zstd_fopen(path);
	default:
		return fopen(path, "rb");
	}
}
