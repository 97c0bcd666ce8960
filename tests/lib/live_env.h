/* Live tests need root and kernel BTF. Anything else is a loud skip, or a failure when
 * SIPTRAIL_REQUIRE_LIVE=1 (CI), never a silent pass. */
#ifndef SIPTRAIL_TESTS_LIVE_ENV_H
#define SIPTRAIL_TESTS_LIVE_ENV_H

#include <stdbool.h>
#include <stdint.h>

/* Call first in every live test: returns only when the test may run for real. */
void live_env_require(void);

/* Moves this process into a new network namespace with its loopback up, so the test's ports
 * are its own whatever else runs on the machine. Returns the namespace's inode number. */
uint32_t live_netns_enter(void);

/* Whether a BPF link on this host runs a program of that name. siptrail attaches the programs
 * that run on every TCP send and receive only once they have work (a TLS port, a libssl
 * user), so that a host whose SIP is plain TCP pays nothing per message. */
bool live_program_linked(const char *name);

#endif
