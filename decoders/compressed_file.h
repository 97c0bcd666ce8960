/* Files that may be gzip- or zstd-compressed (tcpdump -G/-C rotations are often compressed
 * afterwards), opened so that callers read the plain bytes through stdio whatever is on disk. */
#ifndef SIPTRAIL_COMPRESSED_FILE_H
#define SIPTRAIL_COMPRESSED_FILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Opens PATH for reading: a gzip file (RFC 1952 magic 1f 8b) or a zstd one (RFC 8878 magic
 * 28 b5 2f fd) is decompressed as it is read (zlib, libzstd), any other file is read as it is.
 * The stream can be rewound (fseek to 0); its positions count plain bytes. When DISK_BYTES is
 * not NULL, *DISK_BYTES is set to a counter of the compressed bytes read so far (valid until
 * the stream is closed; what a progress bar set against the file's size wants), or to NULL for
 * a plain file, whose positions are its bytes. Returns NULL with errno set. */
FILE *compressed_fopen(const char *path, const uint64_t **disk_bytes);

#endif
