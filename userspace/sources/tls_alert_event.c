#include <stdio.h>

#include "tls_alert_event.h"
#include "tls_handshake.h"

void tls_alert_event_fill(struct ev_tls_alert *alert, uint8_t level, uint8_t description)
{
	const char *name = tls_alert_name(description);

	alert->level = level;
	alert->code = description;
	if (name)
		snprintf(alert->description, sizeof(alert->description), "%s", name);
	else
		snprintf(alert->description, sizeof(alert->description), "0x%02x", description);
}
