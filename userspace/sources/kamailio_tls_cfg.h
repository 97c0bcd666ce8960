/*
 * Kamailio's tls.cfg (the tls module's `config` file): the client profile this host would use
 * to open a connection to a peer, read for `siptrail probe-reverse` (trust store, certificate,
 * key). Profiles are INI sections ([client:default], [client:IP:PORT], [server:...]); keys
 * `certificate`, `private_key`, `ca_list`, `ca_path`, `verify_certificate`. Relative paths are
 * taken from the file's own folder.
 */
#ifndef SIPTRAIL_KAMAILIO_TLS_CFG_H
#define SIPTRAIL_KAMAILIO_TLS_CFG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct tls_client_profile {
	char name[96]; /* the section, e.g. "client:default" */
	char certificate[PATH_MAX], private_key[PATH_MAX], ca_list[PATH_MAX], ca_path[PATH_MAX];
	bool verify_certificate; /* Kamailio's default is no */
};

/*
 * Reads PATH and fills PROFILE with the client profile for PEER_ADDR:PEER_PORT: the section
 * [client:PEER_ADDR:PEER_PORT] when there is one, else [client:default]. Returns 0; -ENOENT
 * (or another errno) when the file cannot be read; -EINVAL for a malformed line or when it has
 * no client profile, with the reason (and line number) in ERR.
 */
int kamailio_tls_cfg_client(const char *path, const char *peer_addr, unsigned peer_port,
			    struct tls_client_profile *profile, char *err, size_t err_len);

#endif
