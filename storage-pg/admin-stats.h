/*
 * admin-stats.h — traffic statistics for the web admin's dashboard, read
 * from the tables the nodes already write: inbound_messages (mail
 * received), queue_recipients (mail sent: state 'sent', until the cleanup
 * removes it) and block_log (refusals).
 */
#ifndef ADMIN_STATS_H
#define ADMIN_STATS_H

#include "admin-db.h"

/* The longest window asked about: 31 days. */
#define ADMIN_STATS_HOURS_MAX (31 * 24)

struct admin_stats_hour {
	const char *hour;          /* ISO 8601 UTC, the start of the hour */
	long long received;        /* messages accepted (inbound_messages) */
	long long sent;            /* recipients delivered to remote servers */
};

typedef void admin_stats_hour_cb(const struct admin_stats_hour *hour, void *context);

/* Each of the last hours (1..ADMIN_STATS_HOURS_MAX) hours, the oldest
   first, the current one last, hours without traffic included. */
int admin_stats_traffic(struct admin_db *db, int hours, admin_stats_hour_cb *cb, void *context,
			const char **error_r);

enum admin_stats_top {
	ADMIN_STATS_TOP_SENDERS,       /* envelope senders of received mail */
	ADMIN_STATS_TOP_RECIPIENTS,    /* envelope recipients of received mail */
	ADMIN_STATS_TOP_REJECTS,       /* block_log: group is the check, name the reason */
};

typedef void admin_stats_count_cb(const char *group, const char *name, long long count,
				  void *context);

/* The limit most frequent values over the last hours, most first; group
   is NULL except for rejects. */
int admin_stats_top(struct admin_db *db, enum admin_stats_top top, int hours, int limit,
		    admin_stats_count_cb *cb, void *context, const char **error_r);

#endif
