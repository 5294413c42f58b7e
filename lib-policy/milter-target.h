/*
 * milter-target.h — the "milters" setting: which external milters the
 * node calls, in order, and what a failing one means. Pure: parses the
 * setting's text, opens nothing.
 *
 *   inet:127.0.0.1:8891, unix:/run/milter.sock default_action=accept
 *
 * inet addresses are IP literals ("inet:[::1]:8891" for IPv6, "localhost"
 * for 127.0.0.1): a node never blocks its loop on a name lookup.
 */
#ifndef MILTER_TARGET_H
#define MILTER_TARGET_H

#include <sys/socket.h>

/* What a milter that cannot be reached, times out or breaks the protocol
   means for the mail. */
enum milter_fail_action {
	MILTER_FAIL_DEFAULT,   /* milter_default_action decides */
	MILTER_FAIL_ACCEPT,    /* fail open: go on without it */
	MILTER_FAIL_TEMPFAIL,  /* 451 4.7.1 */
	MILTER_FAIL_REJECT,    /* 554 5.7.1 */
};

struct milter_target {
	char spec[128];                 /* "inet:127.0.0.1:8891", for logs */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	enum milter_fail_action fail;
};

#define MILTER_TARGETS_MAX 8

/* Parse the setting into targets[0..*count_r) (at most MILTER_TARGETS_MAX).
   Returns 0, or -1 with *error_r (static) naming the bad entry. */
int milter_target_parse_list(const char *setting, struct milter_target *targets,
			     unsigned int *count_r, const char **error_r);
/* "accept", "tempfail", "reject" -> the action; -1 for anything else. */
int milter_fail_action_parse(const char *text);

#endif
