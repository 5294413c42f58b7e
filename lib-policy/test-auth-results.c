/* Unit tests for auth-results.c: every method, none, and quoting of
   values that are not tokens. */
#include "test-common.h"
#include "auth-results.h"

#include <stdlib.h>

static void check(const struct auth_results *ar, const char *id, const char *want)
{
	struct strbuf out = STRBUF_INIT;

	auth_results_format(ar, id, &out);
	test_assert_str(strbuf_cstr(&out), want);
	strbuf_free(&out);
}

static void test_all_methods(void)
{
	struct auth_results ar = {
		.spf = "pass", .spf_mailfrom = "sender.test",
		.dkim = { { "pass", "sender.test", "s1" }, { "fail", "other.test", "k" } },
		.dkim_count = 2,
		.dmarc = "pass", .dmarc_from = "sender.test", .dmarc_policy = "none",
	};

	check(&ar, "mx.example.test",
	      "mx.example.test;\r\n"
	      "\tspf=pass smtp.mailfrom=sender.test;\r\n"
	      "\tdkim=pass header.d=sender.test header.s=s1;\r\n"
	      "\tdkim=fail header.d=other.test header.s=k;\r\n"
	      "\tdmarc=pass (p=none) header.from=sender.test");
}

static void test_none(void)
{
	struct auth_results ar = { 0 };

	check(&ar, "mx.example.test", "mx.example.test; none");
	ar.dkim_none = true;
	check(&ar, "mx.example.test", "mx.example.test;\r\n\tdkim=none");
	ar.spf = "none";
	ar.spf_helo = "client.test";
	check(&ar, "mx", "mx;\r\n\tspf=none smtp.helo=client.test;\r\n\tdkim=none");
}

static void test_quoting(void)
{
	struct auth_results ar = { .spf = "softfail", .spf_mailfrom = "a b\"c\\d\r\ne;f" };

	check(&ar, "mx", "mx;\r\n\tspf=softfail smtp.mailfrom=\"a b\\\"c\\\\de;f\"");
	ar.spf_mailfrom = "";
	check(&ar, "mx", "mx;\r\n\tspf=softfail smtp.mailfrom=\"\"");
}

static void test_names(void)
{
	static const char *const ours[] = {
		" mx.example.test; dkim=pass", "MX.Example.Test;spf=pass",
		" (forged)\r\n\tmx.example.test 1; none", "\tmx.example.test",
	};
	static const char *const others[] = {
		" other.test; dkim=pass", " mx.example.test.evil; none", " mx.example.tes; none",
		"", " ; none",
	};

	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		test_assert(auth_results_names(ours[i], strlen(ours[i]), "mx.example.test"));
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		test_assert(!auth_results_names(others[i], strlen(others[i]), "mx.example.test"));
	/* only len bytes count */
	test_assert(auth_results_names(" mx.example.test.evil", 16, "mx.example.test"));
}

int main(void)
{
	test_run("all_methods", test_all_methods);
	test_run("none", test_none);
	test_run("quoting", test_quoting);
	test_run("names", test_names);
	return test_end();
}
