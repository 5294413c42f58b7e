/*
 * listeners.c — binding the configured listeners (see listeners.h).
 */
#include "listeners.h"

#include "log.h"
#include "net.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

bool listeners_supported(enum listener_kind kind)
{
	return kind == LISTENER_SMTP || kind == LISTENER_SUBMISSION || kind == LISTENER_SMTPS ||
	       kind == LISTENER_LMTP || kind == LISTENER_IMAP || kind == LISTENER_IMAPS ||
	       kind == LISTENER_POP3 || kind == LISTENER_POP3S || kind == LISTENER_ADMIN;
}

int listeners_open(const struct petrel_config *config, struct listeners *listeners_r,
		   const char **error_r)
{
	static char error[512];
	unsigned int workers = config->workers;

	listeners_r->workers = workers;
	listeners_r->fds = xmalloc(sizeof(int) * workers * LISTENER_COUNT);
	for (unsigned int i = 0; i < workers * LISTENER_COUNT; i++)
		listeners_r->fds[i] = -1;

	for (int kind = 0; kind < LISTENER_COUNT; kind++) {
		const char *addr_text = config->listen[kind];
		struct sockaddr_storage addr;
		socklen_t len;
		const char *err;

		if (addr_text == NULL)
			continue;
		if (!listeners_supported(kind)) {
			log_warning("master", NULL, "event=listener_skipped listener=%s address=%s "
				    "reason=\"protocol not available in this build yet\"",
				    config_listener_name(kind), addr_text);
			continue;
		}
		if (net_parse_address(addr_text, &addr, &len, &err) < 0) {
			snprintf(error, sizeof(error), "listener %s: %s",
				 config_listener_name(kind), err);
			goto fail;
		}
		for (unsigned int w = 0; w < workers; w++) {
			int fd = net_listen(&addr, len, true, &err);

			if (fd < 0) {
				snprintf(error, sizeof(error), "listener %s on %s: %s",
					 config_listener_name(kind), addr_text, err);
				goto fail;
			}
			listeners_r->fds[w * LISTENER_COUNT + kind] = fd;
		}
		log_info("master", NULL, "event=listening listener=%s address=%s",
			 config_listener_name(kind), addr_text);
	}
	return 0;
fail:
	listeners_close_others(listeners_r, -1);
	free(listeners_r->fds);
	listeners_r->fds = NULL;
	*error_r = error;
	return -1;
}

int listeners_fd(const struct listeners *listeners, unsigned int worker,
		 enum listener_kind kind)
{
	return listeners->fds[worker * LISTENER_COUNT + kind];
}

void listeners_close_others(struct listeners *listeners, int worker)
{
	for (unsigned int w = 0; w < listeners->workers; w++) {
		if ((int)w == worker)
			continue;
		for (int kind = 0; kind < LISTENER_COUNT; kind++) {
			int *fd = &listeners->fds[w * LISTENER_COUNT + kind];

			if (*fd >= 0) {
				close(*fd);
				*fd = -1;
			}
		}
	}
}
