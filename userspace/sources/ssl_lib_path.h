/* Where the OpenSSL libraries to probe are: the ones this program runs with, or a given path. */
#ifndef SIPTRAIL_SSL_LIB_PATH_H
#define SIPTRAIL_SSL_LIB_PATH_H

#include <stddef.h>

/* The libssl.so.3 the dynamic loader picked for siptrail itself (the system's, unless
 * LD_LIBRARY_PATH says otherwise), as a real path. Returns 0 or -ENOENT. */
int ssl_lib_path_default(char *path, size_t path_len);

/* The file holding libcrypto's symbols for the libssl at ssl_lib: the libcrypto next to a
 * libssl*.so*, or ssl_lib itself when it is a program with OpenSSL linked in statically.
 * Returns 0 or -ENOENT / -ENAMETOOLONG. */
int ssl_lib_path_crypto_for(const char *ssl_lib, char *path, size_t path_len);

#endif
