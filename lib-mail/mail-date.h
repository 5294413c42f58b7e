/*
 * mail-date.h — RFC 5322 3.3 date-time parsing, including the obsolete
 * forms of 4.3 that real mail still carries: two- and three-digit years,
 * missing seconds, alphabetic zones (UT, GMT, EST, …, military letters),
 * comments anywhere, and a missing zone (read as +0000).
 */
#ifndef MAIL_DATE_H
#define MAIL_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Parse an unfolded Date: value. Returns true with *time_r the instant in
   UTC seconds and *zone_r the zone offset in minutes east of UTC. */
bool mail_date_parse(const void *value, size_t len, time_t *time_r, int *zone_r);

#endif
