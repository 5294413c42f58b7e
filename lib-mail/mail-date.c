/*
 * mail-date.c — Date: header parsing (see mail-date.h). A small tokenizer
 * over CFWS feeds a fixed sequence: [day-of-week ","] day month year
 * hour ":" minute [":" second] [zone]; what follows the zone is ignored.
 * Conversion to UTC is done arithmetically (no timegm(), no TZ lookups).
 */
#include "mail-date.h"

#include "rfc822-lexer.h"

#include <string.h>
#include <strings.h>

static const char *const mail_date_months[12] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
};

static const char *const mail_date_days[7] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun",
};

struct mail_date_zone {
	const char *name;
	int minutes;
};

static const struct mail_date_zone mail_date_zones[] = {
	{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 },
	{ "EST", -5 * 60 }, { "EDT", -4 * 60 },
	{ "CST", -6 * 60 }, { "CDT", -5 * 60 },
	{ "MST", -7 * 60 }, { "MDT", -6 * 60 },
	{ "PST", -8 * 60 }, { "PDT", -7 * 60 },
};

static bool mail_date_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool mail_date_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Read a run of letters (at most size - 1 kept); returns its length. */
static size_t mail_date_word(struct rfc822_lexer *lex, char *buf, size_t size)
{
	size_t n = 0;

	rfc822_skip_cfws(lex);
	while (!rfc822_lexer_eof(lex) && mail_date_is_alpha(*lex->p)) {
		if (n + 1 < size)
			buf[n] = (char)*lex->p;
		n++;
		lex->p++;
	}
	buf[n + 1 < size ? n : size - 1] = '\0';
	return n;
}

/* Read 1..max_digits digits; returns the digit count (0 when none). */
static int mail_date_number(struct rfc822_lexer *lex, int max_digits, int *value_r)
{
	int n = 0, value = 0;

	rfc822_skip_cfws(lex);
	while (!rfc822_lexer_eof(lex) && mail_date_is_digit(*lex->p) && n < max_digits) {
		value = value * 10 + (*lex->p - '0');
		lex->p++;
		n++;
	}
	if (n > 0 && !rfc822_lexer_eof(lex) && mail_date_is_digit(*lex->p))
		return 0;   /* too many digits */
	*value_r = value;
	return n;
}

static bool mail_date_skip_char(struct rfc822_lexer *lex, char c)
{
	if (!rfc822_skip_cfws(lex) || *lex->p != c)
		return false;
	lex->p++;
	return true;
}

/* Month name: its three-letter abbreviation or the full English name. */
static int mail_date_month(const char *word, size_t len)
{
	static const char *const full[12] = {
		"january", "february", "march", "april", "may", "june", "july",
		"august", "september", "october", "november", "december",
	};

	for (int i = 0; i < 12; i++) {
		if ((len == 3 && strcasecmp(word, mail_date_months[i]) == 0) ||
		    strcasecmp(word, full[i]) == 0)
			return i;
	}
	return -1;
}

static bool mail_date_is_day_name(const char *word, size_t len)
{
	for (int i = 0; i < 7; i++) {
		if (len >= 3 && strncasecmp(word, mail_date_days[i], 3) == 0)
			return true;
	}
	return false;
}

/* zone = ("+" / "-") 4DIGIT / obs-zone; absent or unknown reads as 0. */
static bool mail_date_zone(struct rfc822_lexer *lex, int *zone_r)
{
	char word[8];
	int value;
	size_t len;

	*zone_r = 0;
	if (!rfc822_skip_cfws(lex))
		return true;
	if (*lex->p == '+' || *lex->p == '-') {
		int sign = *lex->p == '-' ? -1 : 1;

		lex->p++;
		if (rfc822_lexer_eof(lex) || !mail_date_is_digit(*lex->p) ||
		    mail_date_number(lex, 4, &value) != 4 || value % 100 >= 60)
			return false;
		*zone_r = sign * ((value / 100) * 60 + value % 100);
		return true;
	}
	len = mail_date_word(lex, word, sizeof(word));
	for (size_t i = 0; i < sizeof(mail_date_zones) / sizeof(mail_date_zones[0]); i++) {
		if (len < sizeof(word) && strcasecmp(word, mail_date_zones[i].name) == 0) {
			*zone_r = mail_date_zones[i].minutes;
			return true;
		}
	}
	/* military zones and anything else: RFC 5322 4.3 says -0000 */
	return true;
}

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian). */
static long long mail_date_days_from_civil(int year, int month, int day)
{
	int y = year - (month <= 2);
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int mp = (month + 9) % 12;
	int doy = (153 * mp + 2) / 5 + day - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (long long)era * 146097 + doe - 719468;
}

static int mail_date_days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

bool mail_date_parse(const void *value, size_t len, time_t *time_r, int *zone_r)
{
	struct rfc822_lexer lex;
	char word[16];
	size_t word_len;
	int day, month, year, hour, min, sec = 0, zone, digits;

	rfc822_lexer_init(&lex, value, len);
	rfc822_skip_cfws(&lex);
	if (!rfc822_lexer_eof(&lex) && mail_date_is_alpha(*lex.p)) {
		word_len = mail_date_word(&lex, word, sizeof(word));
		if (!mail_date_is_day_name(word, word_len))
			return false;
		(void)mail_date_skip_char(&lex, ',');
	}
	if (mail_date_number(&lex, 2, &day) == 0 || day < 1)
		return false;
	word_len = mail_date_word(&lex, word, sizeof(word));
	if ((month = mail_date_month(word, word_len)) < 0)
		return false;
	month++;
	digits = mail_date_number(&lex, 4, &year);
	if (digits == 2)
		year += year < 50 ? 2000 : 1900;
	else if (digits == 3)
		year += 1900;
	else if (digits != 4)
		return false;
	if (day > mail_date_days_in_month(year, month))
		return false;
	if (mail_date_number(&lex, 2, &hour) == 0 || !mail_date_skip_char(&lex, ':') ||
	    mail_date_number(&lex, 2, &min) == 0)
		return false;
	if (mail_date_skip_char(&lex, ':') && mail_date_number(&lex, 2, &sec) == 0)
		return false;
	if (hour > 23 || min > 59 || sec > 60 || !mail_date_zone(&lex, &zone))
		return false;

	*time_r = (time_t)(mail_date_days_from_civil(year, month, day) * 86400LL +
			   hour * 3600 + min * 60 + sec - zone * 60LL);
	*zone_r = zone;
	return true;
}
