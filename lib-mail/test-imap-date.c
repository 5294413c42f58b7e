/*
 * test-imap-date.c — IMAP date and date-time parsing and formatting
 * (imap-date.c).
 */
#include "imap-date.h"

#include "test-common.h"

#include <stdint.h>
#include <stdlib.h>

static const struct {
	const char *str;
	bool valid;
	long long time;
	int zone;
} date_times[] = {
	{ "17-Jul-1996 02:44:25 -0700", true, 837596665, -420 },
	{ "\"17-Jul-1996 02:44:25 -0700\"", true, 837596665, -420 },
	{ "17-jul-1996 02:44:25 -0700", true, 837596665, -420 },
	{ "17-JUL-1996 09:44:25 +0000", true, 837596665, 0 },
	{ "18-Jul-1996 00:14:25 +1430", true, 837596665, 870 },
	{ " 7-Jul-1996 09:44:25 +0000", true, 836732665, 0 },
	{ "7-Jul-1996 09:44:25 +0000", true, 836732665, 0 },
	{ "07-Jul-1996 09:44:25 +0000", true, 836732665, 0 },
	{ "\" 7-Jul-1996 09:44:25 +0000\"", true, 836732665, 0 },
	{ "01-Jan-1970 00:00:00 +0000", true, 0, 0 },
	{ "01-Jan-1970 00:00:00 +0100", true, -3600, 60 },
	{ "31-Dec-1969 23:59:59 -0000", true, -1, 0 },
	{ "29-Feb-2024 12:00:00 +0000", true, 1709208000, 0 },
	{ "29-Feb-2000 00:00:00 +0000", true, 951782400, 0 },
	{ "31-Dec-2016 23:59:60 +0000", true, 1483228800, 0 },
	{ "01-Jan-2100 00:00:00 +2359", true, 4102444800LL - 86340, 1439 },
	{ "31-Dec-9999 23:59:59 +0000", true, 253402300799LL, 0 },
	{ "01-Jan-0001 00:00:00 +0000", true, -62135596800LL, 0 },
	{ "", false, 0, 0 },
	{ "\"\"", false, 0, 0 },
	{ "\"", false, 0, 0 },
	{ "\"17-Jul-1996 02:44:25 -0700", false, 0, 0 },
	{ "17-Jul-1996 02:44:25 -0700\"", false, 0, 0 },
	{ "17-Jul-1996", false, 0, 0 },
	{ "17-Jul-1996 02:44:25", false, 0, 0 },
	{ "17-Jul-1996 02:44 -0700", false, 0, 0 },
	{ "17-Jul-1996 2:44:25 -0700", false, 0, 0 },
	{ "17-Jul-1996 02:44:25 -700", false, 0, 0 },
	{ "17-Jul-1996 02:44:25 0700", false, 0, 0 },
	{ "17-Jul-1996 02:44:25 -07000", false, 0, 0 },
	{ "17-Jul-1996 02:44:25 -0700 ", false, 0, 0 },
	{ "17-Jul-1996  02:44:25 -0700", false, 0, 0 },
	{ "17-Jul-1996 02:44:25  -0700", false, 0, 0 },
	{ "  7-Jul-1996 09:44:25 +0000", false, 0, 0 },
	{ "17-Jul-96 02:44:25 -0700", false, 0, 0 },
	{ "17-Jul-01996 02:44:25 -0700", false, 0, 0 },
	{ "117-Jul-1996 02:44:25 -0700", false, 0, 0 },
	{ "17 Jul 1996 02:44:25 -0700", false, 0, 0 },
	{ "17-July-1996 02:44:25 -0700", false, 0, 0 },
	{ "17-Jux-1996 02:44:25 -0700", false, 0, 0 },
	{ "17-Ju-1996 02:44:25 -0700", false, 0, 0 },
	{ "00-Jul-1996 02:44:25 -0700", false, 0, 0 },
	{ "32-Jul-1996 02:44:25 -0700", false, 0, 0 },
	{ "31-Apr-1996 02:44:25 -0700", false, 0, 0 },
	{ "29-Feb-2023 02:44:25 -0700", false, 0, 0 },
	{ "29-Feb-1900 02:44:25 -0700", false, 0, 0 },
	{ "01-Jan-0000 00:00:00 +0000", false, 0, 0 },
	{ "17-Jul-1996 24:00:00 -0700", false, 0, 0 },
	{ "17-Jul-1996 02:60:25 -0700", false, 0, 0 },
	{ "17-Jul-1996 02:44:61 -0700", false, 0, 0 },
	{ "17-Jul-1996 02:44:25 -0760", false, 0, 0 },
	{ "17-Jul-1996 02:44:25 +2400", false, 0, 0 },
	{ "17-Jul-1996 02:44:25 GMT", false, 0, 0 },
	{ "17-Jul-1996 02:4a:25 -0700", false, 0, 0 },
	{ "Wed, 17 Jul 1996 02:44:25 -0700", false, 0, 0 },
};

static void test_date_time_parse(void)
{
	for (size_t i = 0; i < sizeof(date_times) / sizeof(date_times[0]); i++) {
		time_t t = 12345;
		int zone = 12345;
		bool ok = imap_date_time_parse(date_times[i].str, &t, &zone);

		if (ok != date_times[i].valid) {
			fprintf(stderr, "\"%s\": expected %s\n", date_times[i].str,
				date_times[i].valid ? "valid" : "invalid");
			test_assert(ok == date_times[i].valid);
		} else if (ok) {
			test_assert_int(t, date_times[i].time);
			test_assert_int(zone, date_times[i].zone);
		}
	}
	time_t t = 0;
	test_assert(imap_date_time_parse("17-Jul-1996 02:44:25 -0700", &t, NULL));
	test_assert_int(t, 837596665);
}

static const struct {
	const char *str;
	bool valid;
	long long time;
} dates[] = {
	{ "1-Feb-1994", true, 760060800 },
	{ "01-Feb-1994", true, 760060800 },
	{ "\"1-Feb-1994\"", true, 760060800 },
	{ "1-fEB-1994", true, 760060800 },
	{ "31-Dec-1969", true, -86400 },
	{ "29-Feb-2024", true, 1709164800 },
	{ "1-Jan-1970", true, 0 },
	{ "", false, 0 },
	{ "\"1-Feb-1994", false, 0 },
	{ "1-Feb-1994\"", false, 0 },
	{ " 1-Feb-1994", false, 0 },
	{ "1-Feb-1994 ", false, 0 },
	{ "1-Feb-1994 00:00:00 +0000", false, 0 },
	{ "001-Feb-1994", false, 0 },
	{ "1-Feb-94", false, 0 },
	{ "1-Feb-19940", false, 0 },
	{ "1-Fe-1994", false, 0 },
	{ "1-Febr-1994", false, 0 },
	{ "0-Feb-1994", false, 0 },
	{ "30-Feb-2024", false, 0 },
	{ "31-Jun-2024", false, 0 },
	{ "1/Feb/1994", false, 0 },
	{ "1-2-1994", false, 0 },
};

static void test_date_parse(void)
{
	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		time_t t = 12345;
		bool ok = imap_date_parse(dates[i].str, &t);

		if (ok != dates[i].valid) {
			fprintf(stderr, "\"%s\": expected %s\n", dates[i].str,
				dates[i].valid ? "valid" : "invalid");
			test_assert(ok == dates[i].valid);
		} else if (ok) {
			test_assert_int(t, dates[i].time);
		}
	}
}

static void test_format(void)
{
	char buf[IMAP_DATE_TIME_BUFSIZE];

	test_assert_str(imap_date_time_format(837596665, buf), "17-Jul-1996 09:44:25 +0000");
	test_assert_str(buf, "17-Jul-1996 09:44:25 +0000");
	test_assert_str(imap_date_time_format(0, buf), "01-Jan-1970 00:00:00 +0000");
	test_assert_str(imap_date_time_format(-1, buf), "31-Dec-1969 23:59:59 +0000");
	test_assert_str(imap_date_time_format(1709208000, buf), "29-Feb-2024 12:00:00 +0000");
	test_assert_str(imap_date_time_format(253402300799LL, buf),
			"31-Dec-9999 23:59:59 +0000");
	test_assert_str(imap_date_time_format(253402300800LL * 4, buf),
			"31-Dec-9999 23:59:59 +0000");
	test_assert_str(imap_date_time_format(-62135596800LL - 1, buf),
			"01-Jan-0001 00:00:00 +0000");
	test_assert_str(imap_date_time_format((time_t)INT64_MIN, buf),
			"01-Jan-0001 00:00:00 +0000");
}

/* Formatting then parsing gives the same instant, whatever TZ says. */
static void test_round_trip(void)
{
	char buf[IMAP_DATE_TIME_BUFSIZE];
	int failures = 0;

	setenv("TZ", "America/Los_Angeles", 1);
	tzset();
	for (long long t = -5000000000LL; t < 5000000000LL && failures < 5; t += 86399 * 7 + 13) {
		time_t back = 0;
		int zone = 1;

		imap_date_time_format((time_t)t, buf);
		if (!imap_date_time_parse(buf, &back, &zone) || back != t || zone != 0) {
			fprintf(stderr, "round trip failed for %lld: %s\n", t, buf);
			failures++;
		}
	}
	test_assert_int(failures, 0);
	unsetenv("TZ");
	tzset();
}

int main(void)
{
	test_run("date_time_parse", test_date_time_parse);
	test_run("date_parse", test_date_parse);
	test_run("format", test_format);
	test_run("round_trip", test_round_trip);
	return test_end();
}
