/*
 * log.c — line-oriented logging to stderr (see log.h).
 *
 * Each line is formatted into one buffer and written with a single write()
 * so lines from several worker processes sharing stderr never interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static enum log_level log_min_level = LOG_INFO;
static char log_role[32] = "petrel";

static const char *const log_level_names[] = { "debug", "info", "warning", "error" };

void log_set_level(enum log_level level)
{
	log_min_level = level;
}

int log_level_parse(const char *name)
{
	if (strcasecmp(name, "warn") == 0)
		return LOG_WARNING;
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(name, log_level_names[i]) == 0)
			return i;
	}
	return -1;
}

void log_set_role(const char *role)
{
	snprintf(log_role, sizeof(log_role), "%s", role);
}

bool log_enabled(enum log_level level)
{
	return level >= log_min_level;
}

void log_msg(enum log_level level, const char *component, const char *session,
	     const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int len;

	if (!log_enabled(level))
		return;
	if (session != NULL)
		len = snprintf(line, sizeof(line), "%s %s %s[%s]: ",
			       log_level_names[level], log_role, component, session);
	else
		len = snprintf(line, sizeof(line), "%s %s %s: ",
			       log_level_names[level], log_role, component);
	va_start(ap, fmt);
	len += vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(line) - 2)
		len = sizeof(line) - 2;
	/* Client-supplied text may carry control characters: keep one event per line. */
	for (int i = 0; i < len; i++) {
		if ((unsigned char)line[i] < 0x20)
			line[i] = '?';
	}
	line[len++] = '\n';
	if (write(STDERR_FILENO, line, len) < 0) {
		/* nowhere left to report it */
	}
}
