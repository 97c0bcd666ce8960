#include <errno.h>
#include <signal.h>

#include "live_signals.h"

static volatile sig_atomic_t stop_requested, reopen_requested;

static void on_signal(int signo)
{
	if (signo == SIGHUP)
		reopen_requested = 1;
	else
		stop_requested = 1;
}

int live_signals_install(void)
{
	struct sigaction action = {.sa_handler = on_signal};

	sigemptyset(&action.sa_mask);
	if (sigaction(SIGINT, &action, NULL) || sigaction(SIGTERM, &action, NULL) ||
	    sigaction(SIGHUP, &action, NULL))
		return -errno;
	return 0;
}

bool live_stop_requested(void)
{
	return stop_requested;
}

bool live_reopen_requested(void)
{
	if (!reopen_requested)
		return false;
	reopen_requested = 0;
	return true;
}
