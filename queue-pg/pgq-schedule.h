/*
 * pgq-schedule.h — the outbound retry schedule: the setting
 * queue_retry_schedule ("5m,10m,20m,40m,1h,2h") parsed into the seconds
 * petrel_queue_defer (schema/005_queue.sql) waits after each attempt.
 * Pure: no I/O, unit-tested in test-pgq-schedule.c.
 */
#ifndef PGQ_SCHEDULE_H
#define PGQ_SCHEDULE_H

#include <stdint.h>

#define PGQ_SCHEDULE_MAX_STEPS 32
/* One step is at most a week: a longer wait is a typo, not a policy. */
#define PGQ_SCHEDULE_MAX_STEP (7 * 86400)

struct pgq_schedule {
	unsigned int count;                          /* >= 1 after a successful parse */
	int64_t steps[PGQ_SCHEDULE_MAX_STEPS];       /* seconds, each in [1, MAX_STEP] */
};

/* Parse comma-separated durations (each as a DURATION setting: 300, 300s,
   5m, 2h, 1d; blanks around items allowed). Returns 0, or -1 with *error_r
   a sentence naming the problem (static storage) and *schedule_r
   untouched. */
int pgq_schedule_parse(const char *text, struct pgq_schedule *schedule_r, const char **error_r);

#endif
