/*
 * imap-date.h — IMAP dates (RFC 9051 9: date, date-time): SEARCH
 * BEFORE/ON/SINCE and SENTBEFORE… take a date, APPEND takes and
 * INTERNALDATE returns a date-time. Pure: no locale, no TZ.
 */
#ifndef IMAP_DATE_H
#define IMAP_DATE_H

#include <stdbool.h>
#include <time.h>

/* "dd-Mon-yyyy HH:MM:SS +0000" plus NUL, with room to spare. */
#define IMAP_DATE_TIME_BUFSIZE 32

/* Parse a date ("1-Feb-1994", the day 1 or 2 digits, the month name in
   any case), bare or in DQUOTEs as it arrives. *time_r is 00:00:00 UTC of
   that day; SEARCH compares days, so the caller decides whose midnight it
   means. Returns false for bad syntax or a day that does not exist. */
bool imap_date_parse(const char *str, time_t *time_r);

/* Parse a date-time ("17-Jul-1996 02:44:25 -0700"; the day may be
   " 7" or "7"), bare or in DQUOTEs. *time_r is the instant in UTC
   (the zone applied) and *zone_r the zone in minutes east of UTC (may
   be NULL). Returns false on bad syntax or out-of-range fields. */
bool imap_date_time_parse(const char *str, time_t *time_r, int *zone_r);

/* Format t as a date-time in +0000 without the DQUOTEs, e.g.
   "17-Jul-1996 09:44:25 +0000"; times before year 1 or after 9999 are
   clamped to those years. Returns buf. */
const char *imap_date_time_format(time_t t, char buf[IMAP_DATE_TIME_BUFSIZE]);

#endif
