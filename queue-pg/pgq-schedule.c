/*
 * pgq-schedule.c — parsing of the retry schedule setting (see
 * pgq-schedule.h). Each item is read by the settings registry's own
 * duration parser, so "5m" means here what it means in every other
 * duration setting.
 */
#include "pgq-schedule.h"

#include "settings.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The bounds of one step, as a duration setting definition. */
static const struct setting_def pgq_schedule_step = {
	"queue_retry_schedule", SETTING_DURATION, "5m", 1, PGQ_SCHEDULE_MAX_STEP,
	"one step of the retry schedule",
};

/* Copy the item [start, end) without surrounding blanks into buf; -1 when
   it does not fit (then it is no valid duration anyway). */
static int pgq_schedule_item(const char *start, const char *end, char *buf, size_t size)
{
	while (start < end && isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	if ((size_t)(end - start) >= size)
		return -1;
	memcpy(buf, start, end - start);
	buf[end - start] = '\0';
	return 0;
}

int pgq_schedule_parse(const char *text, struct pgq_schedule *schedule_r, const char **error_r)
{
	static char error[160];
	struct pgq_schedule schedule = { .count = 0 };
	const char *p = text;

	for (;;) {
		const char *comma = strchr(p, ',');
		const char *end = comma != NULL ? comma : p + strlen(p);
		char item[32];
		long long seconds;

		if (schedule.count == PGQ_SCHEDULE_MAX_STEPS) {
			snprintf(error, sizeof(error), "the retry schedule has more than %d steps",
				 PGQ_SCHEDULE_MAX_STEPS);
			*error_r = error;
			return -1;
		}
		if (pgq_schedule_item(p, end, item, sizeof(item)) < 0 ||
		    settings_parse_number(&pgq_schedule_step, item, &seconds) < 0) {
			snprintf(error, sizeof(error), "retry schedule step %u ('%.*s') is not a "
				 "duration between 1s and 7d", schedule.count + 1,
				 (int)(end - p > 40 ? 40 : end - p), p);
			*error_r = error;
			return -1;
		}
		schedule.steps[schedule.count++] = seconds;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	*schedule_r = schedule;
	return 0;
}
