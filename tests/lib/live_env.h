/* Live tests need root and kernel BTF. Anything else is a loud skip, or a failure when
 * SIPTRAIL_REQUIRE_LIVE=1 (CI), never a silent pass. */
#ifndef SIPTRAIL_TESTS_LIVE_ENV_H
#define SIPTRAIL_TESTS_LIVE_ENV_H

/* Call first in every live test: returns only when the test may run for real. */
void live_env_require(void);

#endif
