/*
 * log.h — one line per event on stderr, where journald picks it up.
 *
 * Lines read "LEVEL component[session]: text" with key=value details in the
 * text, e.g. "info smtp[7f3a91c2]: event=connect ip=192.0.2.1". The process
 * role (master, worker 1, petrelctl) is set once with log_set_role().
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERROR };

void log_set_level(enum log_level level);
/* "debug", "info", "warning"/"warn", "error"; -1 when unknown. */
int log_level_parse(const char *name);
void log_set_role(const char *role);
bool log_enabled(enum log_level level);

/* session may be NULL. */
void log_msg(enum log_level level, const char *component, const char *session,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define log_debug(c, s, ...) do { if (log_enabled(LOG_DEBUG)) log_msg(LOG_DEBUG, c, s, __VA_ARGS__); } while (0)
#define log_info(c, s, ...) log_msg(LOG_INFO, c, s, __VA_ARGS__)
#define log_warning(c, s, ...) log_msg(LOG_WARNING, c, s, __VA_ARGS__)
#define log_error(c, s, ...) log_msg(LOG_ERROR, c, s, __VA_ARGS__)

#endif
