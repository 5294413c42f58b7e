/*
 * test-mail-date.c — Date: header parsing (mail-date.c).
 */
#include "mail-date.h"

#include "test-common.h"

#include <stdbool.h>

static const struct {
	const char *date;
	bool valid;
	long long time;
	int zone;
} tests[] = {
	{ "Tue, 5 Mar 2024 10:11:12 +0100", true, 1709629872, 60 },
	{ "5 Mar 2024 10:11:12 +0100", true, 1709629872, 60 },
	{ "Tue,5 Mar 2024 10:11:12 +0100", true, 1709629872, 60 },
	{ "Tuesday, 05 Mar 2024 10:11:12 +0100", true, 1709629872, 60 },
	{ "  Tue, 05 mar 2024 10:11 +0100  ", true, 1709629860, 60 },
	{ "Mon, 1 Jan 2024 00:00:00 -0000", true, 1704067200, 0 },
	{ "Mon, 1 Jan 2024 00:00:00 +1400", true, 1704067200 - 14 * 3600, 14 * 60 },
	{ "Mon, 1 Jan 2024 00:00:00 -1230", true, 1704067200 + 12 * 3600 + 1800, -750 },
	{ "Mon, 1 Jan 2024 00:00:00 EST", true, 1704085200, -300 },
	{ "Mon, 1 Jan 2024 00:00:00 pdt", true, 1704092400, -420 },
	{ "Mon, 1 Jan 2024 00:00:00 GMT", true, 1704067200, 0 },
	{ "Mon, 1 Jan 2024 00:00:00 UT", true, 1704067200, 0 },
	{ "Mon, 1 Jan 2024 00:00:00 A", true, 1704067200, 0 },
	{ "Mon, 1 Jan 2024 00:00:00 CEST", true, 1704067200, 0 },
	{ "Mon, 1 Jan 2024 00:00:00", true, 1704067200, 0 },
	{ "Mon (day), 1 (one) Jan 2024 00:00:00 +0000 (UTC)", true, 1704067200, 0 },
	{ "1 January 2024 00:00:00 +0000", true, 1704067200, 0 },
	{ "Thu, 1 Feb 2024 00:00:00 +0000 extra words", true, 1706745600, 0 },
	{ "1 Jan 99 00:00 GMT", true, 915148800, 0 },
	{ "1 Jan 49 00:00:00 +0000", true, 2493072000LL, 0 },
	{ "1 Jan 50 00:00:00 +0000", true, -631152000, 0 },
	{ "1 Jan 103 00:00:00 +0000", true, 1041379200, 0 },
	{ "29 Feb 2024 12:00:00 +0000", true, 1709208000, 0 },
	{ "31 Dec 2016 23:59:60 +0000", true, 1483228800, 0 },
	{ "", false, 0, 0 },
	{ "garbage", false, 0, 0 },
	{ "Mon, ", false, 0, 0 },
	{ "Xyz, 1 Jan 2024 00:00:00 +0000", false, 0, 0 },
	{ "29 Feb 2023 12:00:00 +0000", false, 0, 0 },
	{ "31 Apr 2024 12:00:00 +0000", false, 0, 0 },
	{ "0 Jan 2024 00:00:00 +0000", false, 0, 0 },
	{ "32 Jan 2024 00:00:00 +0000", false, 0, 0 },
	{ "001 Jan 2024 00:00:00 +0000", false, 0, 0 },
	{ "1 Foo 2024 00:00:00 +0000", false, 0, 0 },
	{ "1 Ja 2024 00:00:00 +0000", false, 0, 0 },
	{ "1 Jan 2024 24:00:00 +0000", false, 0, 0 },
	{ "1 Jan 2024 00:60:00 +0000", false, 0, 0 },
	{ "1 Jan 2024 00:00:61 +0000", false, 0, 0 },
	{ "1 Jan 2024 00:00:00 +0060", false, 0, 0 },
	{ "1 Jan 2024 00:00:00 +01", false, 0, 0 },
	{ "1 Jan 2024 00:00:00 + 0100", false, 0, 0 },
	{ "1 Jan 2024", false, 0, 0 },
	{ "1 Jan 2024 00", false, 0, 0 },
	{ "1 Jan 2024 00:", false, 0, 0 },
	{ "1 Jan 2024 00:00:", false, 0, 0 },
	{ "1 Jan 20245 00:00:00", false, 0, 0 },
	{ "1 Jan 1 00:00:00", false, 0, 0 },
};

static void test_dates(void)
{
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		time_t t = 0;
		int zone = 0;
		bool valid = mail_date_parse(tests[i].date, strlen(tests[i].date), &t, &zone);

		if (valid != tests[i].valid)
			fprintf(stderr, "date: %s\n", tests[i].date);
		test_assert_int(valid, tests[i].valid);
		if (valid && tests[i].valid) {
			test_assert_int(t, tests[i].time);
			test_assert_int(zone, tests[i].zone);
		}
	}
}

int main(void)
{
	test_run("dates", test_dates);
	return test_end();
}
