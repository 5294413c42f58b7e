/*
 * test-imap-utf7.c — modified UTF-7 mailbox names (imap-utf7.c).
 */
#include "imap-utf7.h"

#include "test-common.h"
#include "utf8.h"

#include <stdint.h>
#include <stdlib.h>

static const struct {
	const char *utf7, *utf8;
} pairs[] = {
	{ "", "" },
	{ "INBOX", "INBOX" },
	{ "~peter/mail/&U,BTFw-/&ZeVnLIqe-", "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
	  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
	{ "&-", "&" },
	{ "a&-b&-&-", "a&b&&" },
	{ "Entw&APw-rfe", "Entw\xc3\xbc" "rfe" },
	{ "&AOQA9gD8-", "\xc3\xa4\xc3\xb6\xc3\xbc" },
	{ "&AOQ-&-", "\xc3\xa4&" },
	{ "&AOQ- &APY-", "\xc3\xa4 \xc3\xb6" },
	{ "Gel&APY-schte Elemente", "Gel\xc3\xb6schte Elemente" },
	{ "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-", "\xd0\x9e\xd1\x82\xd0\xbf\xd1\x80\xd0"
	  "\xb0\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xbd\xd1\x8b\xd0\xb5" },
	{ "&2D3eAA-", "\xf0\x9f\x98\x80" },                  /* U+1F600, a pair */
	{ "&2D3eANg93gE-", "\xf0\x9f\x98\x80\xf0\x9f\x98\x81" },
	{ "&AAk-", "\t" },                                   /* controls are encoded */
	{ "&AH8-", "\x7f" },
	{ "&,,8-", "\xef\xbf\xbf" },                         /* U+FFFF */
	{ "~!\"#$%'()*+,-./09:;<=>?@AZ[\\]^_`az{|}", "~!\"#$%'()*+,-./09:;<=>?@AZ[\\]^_`az{|}" },
};

static void test_pairs(void)
{
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

		test_assert_int(imap_utf7_to_utf8(pairs[i].utf7, &a), 0);
		test_assert_str(strbuf_cstr(&a), pairs[i].utf8);
		test_assert_int(imap_utf8_to_utf7(pairs[i].utf8, &b), 0);
		test_assert_str(strbuf_cstr(&b), pairs[i].utf7);
		test_assert(imap_utf7_is_valid(pairs[i].utf7));
		strbuf_free(&a);
		strbuf_free(&b);
	}
}

static const char *const invalid_utf7[] = {
	"&",                    /* unterminated */
	"a&AOQ",                /* unterminated run */
	"&AOQ-&",               /* unterminated after a run */
	"&U,BTFw",
	"&AOQ*-",               /* bad base64 character */
	"&AOQ/-",               /* "/" is "," in modified base64 */
	"&AOQ=-",               /* no padding */
	"&AOQ -",
	"&AOR-",                /* left-over bits not zero */
	"&AOQA-",               /* a whole surplus character */
	"&AOQAA-",
	"&AGE-",                /* encoded "a" */
	"&ACY-",                /* encoded "&" */
	"&ACA-",                /* encoded space */
	"&AH4-",                /* encoded "~" */
	"&AAA-",                /* encoded NUL */
	"&AOQ-&APY-",           /* null shift between two runs */
	"&2D0-",                /* high surrogate alone */
	"&2D0AYQ-",             /* high surrogate then a non-surrogate */
	"&2D3YPQ-",             /* high surrogate then a high surrogate */
	"&3gA-",                /* low surrogate alone */
	"&3gDYPQ-",             /* low then high */
	"\xc3\xa4",             /* raw 8-bit */
	"a\tb",                 /* raw control */
	"a\x7f",
	"&ZeVnLIqe",
};

static void test_invalid(void)
{
	for (size_t i = 0; i < sizeof(invalid_utf7) / sizeof(invalid_utf7[0]); i++) {
		struct strbuf out = STRBUF_INIT;

		strbuf_append(&out, "keep");
		if (imap_utf7_to_utf8(invalid_utf7[i], &out) != -1)
			fprintf(stderr, "accepted: \"%s\"\n", invalid_utf7[i]);
		test_assert_str(strbuf_cstr(&out), "keep");
		test_assert(!imap_utf7_is_valid(invalid_utf7[i]));
		strbuf_free(&out);
	}
	test_assert(imap_utf7_is_valid("&-&-"));
	test_assert(imap_utf7_is_valid("&AOQ-&-"));
	test_assert(imap_utf7_is_valid("&AOQ--"));
}

static void test_invalid_utf8(void)
{
	static const char *const bad[] = {
		"\xc3", "a\xc3(", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\xff", "\x80", "ok\xe6\x97",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct strbuf out = STRBUF_INIT;

		strbuf_append(&out, "keep");
		test_assert_int(imap_utf8_to_utf7(bad[i], &out), -1);
		test_assert_str(strbuf_cstr(&out), "keep");
		strbuf_free(&out);
	}
}

/* Every BMP and some astral code points survive UTF-8 -> UTF-7 -> UTF-8,
   alone and after each prefix length (so every bit alignment is seen). */
static void test_round_trip(void)
{
	static const char *const prefixes[] = { "", "\xc3\xa4", "\xc3\xa4\xc3\xb6" };
	int failures = 0;

	for (uint32_t cp = 1; cp <= 0x10ffff && failures < 5; cp += cp < 0x10000 ? 1 : 97) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		for (size_t i = 0; i < 3; i++) {
			struct strbuf u8 = STRBUF_INIT, u7 = STRBUF_INIT, back = STRBUF_INIT;

			strbuf_append(&u8, prefixes[i]);
			utf8_append_codepoint(&u8, cp);
			strbuf_append(&u8, "x");
			if (imap_utf8_to_utf7(strbuf_cstr(&u8), &u7) != 0 ||
			    imap_utf7_to_utf8(strbuf_cstr(&u7), &back) != 0 ||
			    strcmp(strbuf_cstr(&back), strbuf_cstr(&u8)) != 0) {
				fprintf(stderr, "round trip failed for U+%04X: \"%s\"\n",
					(unsigned int)cp, strbuf_cstr(&u7));
				failures++;
			}
			strbuf_free(&u8);
			strbuf_free(&u7);
			strbuf_free(&back);
		}
	}
	test_assert_int(failures, 0);
}

static void test_append(void)
{
	struct strbuf out = STRBUF_INIT;

	strbuf_append(&out, "Shared/");
	test_assert_int(imap_utf8_to_utf7("\xc3\xa4&", &out), 0);
	test_assert_str(strbuf_cstr(&out), "Shared/&AOQ-&-");
	test_assert_int(imap_utf7_to_utf8("/&AOQ-", &out), 0);
	test_assert_str(strbuf_cstr(&out), "Shared/&AOQ-&-/\xc3\xa4");
	strbuf_free(&out);
}

int main(void)
{
	test_run("pairs", test_pairs);
	test_run("invalid", test_invalid);
	test_run("invalid_utf8", test_invalid_utf8);
	test_run("round_trip", test_round_trip);
	test_run("append", test_append);
	return test_end();
}
