/*
 * imap-date.c — IMAP date and date-time parsing and formatting (see
 * imap-date.h). The month table is our own and the conversion uses
 * timegm()/gmtime_r(), so neither the locale nor TZ changes a result.
 */
#include "imap-date.h"

#include <stdint.h>
#include <string.h>

_Static_assert(sizeof(time_t) >= 8, "imap-date needs a 64-bit time_t");

/* 0001-01-01 00:00:00 and 9999-12-31 23:59:59 UTC */
#define IMAP_DATE_MIN_TIME (-62135596800LL)
#define IMAP_DATE_MAX_TIME 253402300799LL

static const char imap_date_months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

struct imap_date_fields {
	int day, month, year;   /* month 0..11 */
	int hour, min, sec, zone;
};

static bool imap_date_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The month named by the three letters at s, in any case (ASCII only, so
   no locale's case rules apply), or -1. */
static int imap_date_month(const char *s)
{
	for (int i = 0; i < 12; i++) {
		int j;

		for (j = 0; j < 3; j++) {
			if ((s[j] | 0x20) != (imap_date_months[i][j] | 0x20))
				break;
		}
		if (j == 3)
			return i;
	}
	return -1;
}

/* Exactly n digits. */
static bool imap_date_digits(const char **p, int n, int *value_r)
{
	int value = 0;

	for (int i = 0; i < n; i++) {
		if (!imap_date_is_digit((*p)[i]))
			return false;
		value = value * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*value_r = value;
	return true;
}

static bool imap_date_is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int imap_date_days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return month == 1 && imap_date_is_leap(year) ? 29 : days[month];
}

/* date-text = date-day "-" date-month "-" date-year, the day 1*2DIGIT
   (date-day-fixed's leading space is skipped by the caller). */
static bool imap_date_text(const char **p, struct imap_date_fields *f)
{
	const char *s = *p;

	if (!imap_date_digits(&s, 1, &f->day))
		return false;
	if (imap_date_is_digit(*s))
		f->day = f->day * 10 + (*s++ - '0');
	if (*s++ != '-')
		return false;
	if ((f->month = imap_date_month(s)) < 0)
		return false;
	s += 3;
	if (*s++ != '-' || !imap_date_digits(&s, 4, &f->year) || f->year < 1)
		return false;
	if (f->day < 1 || f->day > imap_date_days_in_month(f->year, f->month))
		return false;
	*p = s;
	return true;
}

/* time SP zone: "HH:MM:SS +HHMM". */
static bool imap_date_clock(const char **p, struct imap_date_fields *f)
{
	const char *s = *p;
	int sign, zone;

	if (!imap_date_digits(&s, 2, &f->hour) || *s++ != ':' ||
	    !imap_date_digits(&s, 2, &f->min) || *s++ != ':' ||
	    !imap_date_digits(&s, 2, &f->sec) || *s++ != ' ')
		return false;
	if (f->hour > 23 || f->min > 59 || f->sec > 60)
		return false;
	if (*s != '+' && *s != '-')
		return false;
	sign = *s++ == '-' ? -1 : 1;
	if (!imap_date_digits(&s, 4, &zone) || zone / 100 > 23 || zone % 100 > 59)
		return false;
	f->zone = sign * ((zone / 100) * 60 + zone % 100);
	*p = s;
	return true;
}

static time_t imap_date_to_time(const struct imap_date_fields *f)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = f->year - 1900;
	tm.tm_mon = f->month;
	tm.tm_mday = f->day;
	tm.tm_hour = f->hour;
	tm.tm_min = f->min;
	tm.tm_sec = f->sec;
	return timegm(&tm) - (time_t)f->zone * 60;
}

/* Strip one pair of surrounding DQUOTEs; false if only one is there. */
static bool imap_date_unquote(const char *str, const char **start_r, size_t *len_r)
{
	size_t len = strlen(str);

	if (len > 0 && str[0] == '"') {
		if (len < 2 || str[len - 1] != '"')
			return false;
		str++;
		len -= 2;
	} else if (len > 0 && str[len - 1] == '"') {
		return false;
	}
	*start_r = str;
	*len_r = len;
	return true;
}

/* Unquote str and read its date part into f; *p_r is left after it. */
static bool imap_date_begin(const char *str, bool leading_space, struct imap_date_fields *f,
			    const char **start_r, size_t *len_r, const char **p_r)
{
	memset(f, 0, sizeof(*f));
	if (!imap_date_unquote(str, start_r, len_r))
		return false;
	*p_r = *start_r;
	if (leading_space && **p_r == ' ')
		(*p_r)++;
	return imap_date_text(p_r, f);
}

bool imap_date_parse(const char *str, time_t *time_r)
{
	struct imap_date_fields f;
	const char *p, *start;
	size_t len;

	if (!imap_date_begin(str, false, &f, &start, &len, &p) || (size_t)(p - start) != len)
		return false;
	*time_r = imap_date_to_time(&f);
	return true;
}

bool imap_date_time_parse(const char *str, time_t *time_r, int *zone_r)
{
	struct imap_date_fields f;
	const char *p, *start;
	size_t len;

	if (!imap_date_begin(str, true, &f, &start, &len, &p) || *p++ != ' ' ||
	    !imap_date_clock(&p, &f) || (size_t)(p - start) != len)
		return false;
	*time_r = imap_date_to_time(&f);
	if (zone_r != NULL)
		*zone_r = f.zone;
	return true;
}

/* Write value as exactly n digits at p; returns the end. */
static char *imap_date_put_digits(char *p, int value, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + value % 10);
		value /= 10;
	}
	return p + n;
}

const char *imap_date_time_format(time_t t, char buf[IMAP_DATE_TIME_BUFSIZE])
{
	struct tm tm;
	char *p = buf;

	if ((long long)t < IMAP_DATE_MIN_TIME)
		t = (time_t)IMAP_DATE_MIN_TIME;
	else if ((long long)t > IMAP_DATE_MAX_TIME)
		t = (time_t)IMAP_DATE_MAX_TIME;
	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));   /* not reached within the clamp */
	p = imap_date_put_digits(p, tm.tm_mday, 2);
	*p++ = '-';
	memcpy(p, imap_date_months[tm.tm_mon], 3);
	p += 3;
	*p++ = '-';
	p = imap_date_put_digits(p, tm.tm_year + 1900, 4);
	*p++ = ' ';
	p = imap_date_put_digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = imap_date_put_digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = imap_date_put_digits(p, tm.tm_sec, 2);
	memcpy(p, " +0000", 7);
	return buf;
}
