/*
 * admin-api-stats.c — /api/v1/stats: the dashboard's numbers for the
 * last ?hours= (default 24, at most 31 days): messages received and sent
 * per hour, the queue by state, the top senders and recipients of
 * received mail and the refusals by check and reason
 * (storage-pg/admin-stats.h, admin-queue.h). Superadmins only.
 */
#include "admin-api.h"

#include "admin-queue.h"
#include "admin-stats.h"

#include <errno.h>
#include <stdlib.h>

#define ADMIN_API_STATS_HOURS_DEFAULT 24
#define ADMIN_API_STATS_TOP 10

static void admin_api_stats_hour_append(const struct admin_stats_hour *hour, void *context)
{
	json_array_append_new(context, json_pack("{s:s, s:I, s:I}", "hour", hour->hour,
						 "received", (json_int_t)hour->received,
						 "sent", (json_int_t)hour->sent));
}

static void admin_api_stats_count_append(const char *group, const char *name, long long count,
					 void *context)
{
	json_t *item = json_pack("{s:s, s:I}", group != NULL ? "reason" : "address", name,
				 "count", (json_int_t)count);

	if (group != NULL)
		json_object_set_new(item, "check", json_string(group));
	json_array_append_new(context, item);
}

/* ?hours=, 1..ADMIN_STATS_HOURS_MAX; -1 with the answer set. */
static int admin_api_stats_hours(struct admin_call *call)
{
	const char *text = admin_call_query(call, "hours");
	char *end;
	long n;

	if (text == NULL)
		return ADMIN_API_STATS_HOURS_DEFAULT;
	errno = 0;
	n = strtol(text, &end, 10);
	if (end == text || *end != '\0' || errno != 0 || n < 1 || n > ADMIN_STATS_HOURS_MAX) {
		admin_call_error(call, 422, "invalid", "hours", "hours must be 1 to %d",
				 ADMIN_STATS_HOURS_MAX);
		return -1;
	}
	return (int)n;
}

/* The top lists into doc; false with *error_r. */
static bool admin_api_stats_tops(struct admin_call *call, int hours, json_t *doc,
				 const char **error_r)
{
	static const struct {
		const char *key;
		enum admin_stats_top top;
	} tops[] = {
		{ "top_senders", ADMIN_STATS_TOP_SENDERS },
		{ "top_recipients", ADMIN_STATS_TOP_RECIPIENTS },
		{ "rejects_by_reason", ADMIN_STATS_TOP_REJECTS },
	};

	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		json_t *items = json_array();

		json_object_set_new(doc, tops[i].key, items);
		if (admin_stats_top(call->db, tops[i].top, hours, ADMIN_API_STATS_TOP,
				    admin_api_stats_count_append, items, error_r) < 0)
			return false;
	}
	return true;
}

static void admin_api_stats_get(struct admin_call *call)
{
	int hours = admin_api_stats_hours(call);
	struct admin_queue_totals t;
	json_t *doc, *traffic;
	const char *error;

	if (hours < 0)
		return;
	traffic = json_array();
	doc = json_pack("{s:i, s:o}", "hours", hours, "traffic", traffic);
	if (admin_stats_traffic(call->db, hours, admin_api_stats_hour_append, traffic,
				&error) < 0 ||
	    admin_queue_summary(call->db, &t, NULL, NULL, &error) < 0 ||
	    !admin_api_stats_tops(call, hours, doc, &error)) {
		json_decref(doc);
		admin_call_db_error(call, error, NULL);
		return;
	}
	json_object_set_new(doc, "queue",
			    json_pack("{s:I, s:I, s:I, s:I}", "queued", (json_int_t)t.queued,
				      "deferred", (json_int_t)t.deferred,
				      "delivering", (json_int_t)t.delivering,
				      "done", (json_int_t)t.done));
	call->result = doc;
}

ADMIN_ROUTES(admin_api_stats_routes,
	{ "GET", "/stats", ADMIN_ROLE_SUPER, admin_api_stats_get },
)
