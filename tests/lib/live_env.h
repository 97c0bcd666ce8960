/* Live tests need root and kernel BTF. Anything else is a loud skip, or a failure when
 * SIPTRAIL_REQUIRE_LIVE=1 (CI), never a silent pass. */
#ifndef SIPTRAIL_TESTS_LIVE_ENV_H
#define SIPTRAIL_TESTS_LIVE_ENV_H

#include <stdbool.h>

/* Call first in every live test: returns only when the test may run for real. */
void live_env_require(void);

/* Whether a BPF link on this host runs a program of that name. siptrail attaches the programs
 * that run on every TCP send and receive only once they have work (a TLS port, a libssl
 * user), so that a host whose SIP is plain TCP pays nothing per message. */
bool live_program_linked(const char *name);

#endif
