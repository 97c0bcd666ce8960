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

struct gz_stream {
	gzFile gz;
	uint64_t disk_bytes; /* compressed bytes used so far */
};

static ssize_t gz_read(void *cookie, char *buf, size_t size)
{
	struct gz_stream *g = cookie;
	unsigned chunk = size > INT32_MAX ? INT32_MAX : (unsigned)size;
	int n = gzread(g->gz, buf, chunk);
	z_off_t at = gzoffset(g->gz);

	if (n < 0) {
		errno = EIO; /* a corrupt or cut stream */
		return -1;
	}
	g->disk_bytes = at < 0 ? g->disk_bytes : (uint64_t)at;
	return n;
}

static int gz_seek(void *cookie, off64_t *offset, int whence)
{
	struct gz_stream *g = cookie;
	/* zlib seeks a reading stream by rewinding and decompressing up to the offset: slow
	 * but correct, and only used to rewind after a look at the magic number */
	z_off_t at = gzseek(g->gz, (z_off_t)*offset, whence);

	if (at < 0) {
		errno = EINVAL;
		return -1;
	}
	*offset = at;
	g->disk_bytes = gzoffset(g->gz) < 0 ? 0 : (uint64_t)gzoffset(g->gz);
	return 0;
}

static int gz_close(void *cookie)
{
	struct gz_stream *g = cookie;
	int rc = gzclose_r(g->gz) == Z_OK ? 0 : EOF;

	free(g);
	return rc;
}

struct zstd_stream {
	FILE *file; /* the compressed bytes */
	ZSTD_DStream *dstream;
	ZSTD_inBuffer in;
	void *in_buf;
	size_t in_cap;
	uint64_t position;   /* plain bytes handed out */
	uint64_t disk_bytes; /* compressed bytes read */
	bool in_frame;	     /* the decoder wants more of a frame: the file must not end here */
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
			z->disk_bytes += z->in.size;
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
	z->position = z->disk_bytes = 0;
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

static FILE *zstd_fopen(const char *path, const uint64_t **disk_bytes)
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
	} else if (disk_bytes) {
		*disk_bytes = &z->disk_bytes;
	}
	return f;
}

static FILE *gz_fopen(const char *path, const uint64_t **disk_bytes)
{
	static const cookie_io_functions_t gz_io = {
	    .read = gz_read, .seek = gz_seek, .close = gz_close};
	struct gz_stream *g = calloc(1, sizeof(*g));
	FILE *f = NULL;

	if (!g)
		return NULL;
	g->gz = gzopen(path, "rb");
	if (!g->gz) {
		free(g);
		return NULL; /* errno set by open(2), or ENOMEM */
	}
	gzbuffer(g->gz, GZ_BUFFER_BYTES);
	f = fopencookie(g, "rb", gz_io);
	if (!f) {
		gzclose_r(g->gz);
		free(g);
	} else if (disk_bytes) {
		*disk_bytes = &g->disk_bytes;
	}
	return f;
}

FILE *compressed_fopen(const char *path, const uint64_t **disk_bytes)
{
	if (disk_bytes)
		*disk_bytes = NULL;
	switch (compression_of(path)) {
	case GZIP:
		return gz_fopen(path, disk_bytes);
	case ZSTD:
		return zstd_fopen(path, disk_bytes);
	default:
		return fopen(path, "rb");
	}
}
