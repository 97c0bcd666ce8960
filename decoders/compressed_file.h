/* Files that may be gzip-compressed (tcpdump -G/-C rotations are often gzipped afterwards),
 * opened so that callers read the plain bytes through stdio whatever is on disk. */
#ifndef SIPTRAIL_COMPRESSED_FILE_H
#define SIPTRAIL_COMPRESSED_FILE_H

#include <stdbool.h>
#include <stdio.h>

/* Opens PATH for reading: a gzip file (RFC 1952 magic 1f 8b) is decompressed as it is read
 * (zlib), any other file is read as it is. The stream can be rewound (fseek to 0); its
 * positions count plain bytes. Returns NULL with errno set. */
FILE *compressed_fopen(const char *path);

/* True when PATH starts with the gzip magic. */
bool compressed_file_is_gzip(const char *path);

#endif
