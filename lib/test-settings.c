/*
 * test-settings.c — unit tests for the settings registry, value parsing and
 * the effective-value cache with server -> domain -> account inheritance.
 */
#include "settings.h"

#include "test-common.h"

#include <limits.h>

static void test_registry(void)
{
	size_t count;
	const struct setting_def *all = settings_all(&count);
	long long n;

	test_assert(count >= 15);
	for (size_t i = 0; i < count; i++) {
		const char *error = NULL;

		if (i > 0)
			test_assert(strcmp(all[i - 1].name, all[i].name) < 0);
		test_assert(settings_find(all[i].name) == &all[i]);
		test_assert(all[i].description != NULL && all[i].description[0] != '\0');
		/* Every default is valid against its own definition. */
		test_assert_int(settings_validate(&all[i], all[i].default_value, &error), 0);
	}
	test_assert(settings_find("no_such_setting") == NULL);
	test_assert(settings_find("") == NULL);

	test_assert_int(settings_parse_number(settings_find("message_size_limit"), "30M", &n), 0);
	test_assert_int(n, 31457280);
	test_assert_str(settings_find("recipient_delimiter")->default_value, "+");
	test_assert_str(settings_find("smtp_hostname")->default_value, "");
	test_assert_int(settings_find("smtp_max_recipients")->type, SETTING_INT);
	test_assert_int(settings_find("smtp_data_timeout")->type, SETTING_DURATION);
	test_assert_int(settings_find("quota_exceeded_permanent")->type, SETTING_BOOL);
	test_assert_int(settings_find("delivery_batch_max")->max, 10000);
}

static long long parse(const char *name, const char *value)
{
	long long n = LLONG_MIN;

	if (settings_parse_number(settings_find(name), value, &n) < 0)
		return -1;
	return n;
}

static void test_parse_bool(void)
{
	const char *yes[] = { "yes", "YES", "true", "On", "1" };
	const char *no[] = { "no", "False", "off", "0" };

	for (size_t i = 0; i < 5; i++)
		test_assert_int(parse("smtp_vrfy_enabled", yes[i]), 1);
	for (size_t i = 0; i < 4; i++)
		test_assert_int(parse("smtp_vrfy_enabled", no[i]), 0);
	test_assert_int(parse("smtp_vrfy_enabled", ""), -1);
	test_assert_int(parse("smtp_vrfy_enabled", "2"), -1);
	test_assert_int(parse("smtp_vrfy_enabled", "yess"), -1);
}

static void test_parse_size(void)
{
	test_assert_int(parse("message_size_limit", "1048576"), 1048576);
	test_assert_int(parse("message_size_limit", "512K"), 524288);
	test_assert_int(parse("message_size_limit", "512k"), 524288);
	test_assert_int(parse("message_size_limit", "512KB"), 524288);
	test_assert_int(parse("message_size_limit", "30mb"), 31457280);
	test_assert_int(parse("message_size_limit", "1G"), 1073741824);
	test_assert_int(parse("message_size_limit", "2048B"), 2048);
	test_assert_int(parse("message_size_limit", "1024"), 1024);
	/* bounds */
	test_assert_int(parse("message_size_limit", "1023"), -1);
	test_assert_int(parse("message_size_limit", "2G"), -1);
	/* syntax */
	test_assert_int(parse("message_size_limit", ""), -1);
	test_assert_int(parse("message_size_limit", "M"), -1);
	test_assert_int(parse("message_size_limit", "-1M"), -1);
	test_assert_int(parse("message_size_limit", "+1M"), -1);
	test_assert_int(parse("message_size_limit", "10T"), -1);
	test_assert_int(parse("message_size_limit", "10MBB"), -1);
	test_assert_int(parse("message_size_limit", " 10M"), -1);
	test_assert_int(parse("message_size_limit", "10 M"), -1);
	test_assert_int(parse("message_size_limit", "1.5M"), -1);
	test_assert_int(parse("message_size_limit", "99999999999999999999"), -1);
	test_assert_int(parse("message_size_limit", "9999999999999999G"), -1);
}

static void test_parse_duration_int(void)
{
	test_assert_int(parse("smtp_command_timeout", "300"), 300);
	test_assert_int(parse("smtp_command_timeout", "300s"), 300);
	test_assert_int(parse("smtp_command_timeout", "5m"), 300);
	test_assert_int(parse("smtp_command_timeout", "1h"), 3600);
	test_assert_int(parse("smtp_session_timeout", "1d"), 86400);
	test_assert_int(parse("smtp_command_timeout", "2h"), -1);
	test_assert_int(parse("smtp_command_timeout", "0"), -1);
	test_assert_int(parse("smtp_command_timeout", "5x"), -1);
	test_assert_int(parse("smtp_command_timeout", "5ms"), -1);

	test_assert_int(parse("smtp_max_recipients", "1"), 1);
	test_assert_int(parse("smtp_max_recipients", "100000"), 100000);
	test_assert_int(parse("smtp_max_recipients", "0"), -1);
	test_assert_int(parse("smtp_max_recipients", "100001"), -1);
	test_assert_int(parse("smtp_max_recipients", "10K"), -1);
	test_assert_int(parse("smtp_max_connections_per_ip", "0"), 0);
	test_assert_int(parse("smtp_max_connections_per_ip", "-1"), -1);
	test_assert_int(parse("smtp_max_line_length", "511"), -1);
	test_assert_int(parse("smtp_max_line_length", "512"), 512);
	test_assert_int(parse("alias_max_depth", "101"), -1);
	/* strings have no number */
	test_assert_int(parse("recipient_delimiter", "+"), -1);
}

static void test_validate(void)
{
	const char *error = NULL;

	test_assert_int(settings_validate(settings_find("smtp_max_recipients"), "abc", &error), -1);
	test_assert_str(error, "invalid value 'abc' for smtp_max_recipients: expected an integer");
	test_assert_int(settings_validate(settings_find("smtp_max_recipients"), "0", &error), -1);
	test_assert_str(error, "smtp_max_recipients must be between 1 and 100000");
	test_assert_int(settings_validate(settings_find("smtp_data_timeout"), "2h", &error), -1);
	test_assert_str(error, "smtp_data_timeout must be between 1 and 3600 seconds");
	test_assert_int(settings_validate(settings_find("smtp_vrfy_enabled"), "maybe", &error), -1);
	test_assert(strstr(error, "yes or no") != NULL);
	test_assert_int(settings_validate(settings_find("recipient_delimiter"), "-", &error), 0);
	test_assert_int(settings_validate(settings_find("recipient_delimiter"), "", &error), 0);
	test_assert_int(settings_validate(settings_find("smtp_hostname"), "a\nb", &error), -1);
	test_assert_int(settings_validate(settings_find("smtp_hostname"), "mx.example.test", &error), 0);
}

static void test_scope_names(void)
{
	test_assert_str(settings_scope_name(SETTING_SCOPE_SERVER), "server");
	test_assert_str(settings_scope_name(SETTING_SCOPE_DOMAIN), "domain");
	test_assert_str(settings_scope_name(SETTING_SCOPE_ACCOUNT), "account");
	test_assert_int(settings_scope_parse("account"), SETTING_SCOPE_ACCOUNT);
	test_assert_int(settings_scope_parse("server"), SETTING_SCOPE_SERVER);
	test_assert_int(settings_scope_parse("global"), -1);
}

static void test_inheritance(void)
{
	struct settings_cache *cache = settings_cache_new();
	const char *name = "smtp_max_recipients";

	/* default */
	test_assert_str(settings_get(cache, name, 5, 7), "100");
	test_assert_int(settings_get_number(cache, name, 5, 7), 100);
	/* server overrides default */
	settings_cache_put(cache, SETTING_SCOPE_SERVER, 0, name, "200");
	test_assert_int(settings_get_number(cache, name, 5, 7), 200);
	test_assert_int(settings_get_number(cache, name, 0, 0), 200);
	/* domain overrides server, for that domain only */
	settings_cache_put(cache, SETTING_SCOPE_DOMAIN, 5, name, "300");
	test_assert_int(settings_get_number(cache, name, 5, 7), 300);
	test_assert_int(settings_get_number(cache, name, 6, 8), 200);
	/* account overrides domain, for that account only */
	settings_cache_put(cache, SETTING_SCOPE_ACCOUNT, 7, name, "400");
	test_assert_int(settings_get_number(cache, name, 5, 7), 400);
	test_assert_int(settings_get_number(cache, name, 5, 9), 300);
	test_assert_int(settings_get_number(cache, name, 5, 0), 300);
	/* an account id is not a domain id */
	test_assert_int(settings_get_number(cache, name, 7, 5), 200);
	/* replacing a row */
	settings_cache_put(cache, SETTING_SCOPE_ACCOUNT, 7, name, "401");
	test_assert_str(settings_get(cache, name, 5, 7), "401");
	/* other settings untouched */
	test_assert_int(settings_get_bool(cache, "smtp_vrfy_enabled", 5, 7), 0);
	settings_cache_put(cache, SETTING_SCOPE_DOMAIN, 5, "smtp_vrfy_enabled", "on");
	test_assert_int(settings_get_bool(cache, "smtp_vrfy_enabled", 5, 7), 1);
	test_assert_int(settings_get_bool(cache, "smtp_vrfy_enabled", 6, 7), 0);
	test_assert_int(settings_get_number(cache, "message_size_limit", 5, 7), 31457280);
	test_assert_str(settings_get(cache, "recipient_delimiter", 5, 7), "+");

	/* clear forgets everything */
	settings_cache_clear(cache);
	test_assert_int(settings_get_number(cache, name, 5, 7), 100);
	settings_cache_free(&cache);
	test_assert(cache == NULL);
	settings_cache_free(&cache);
}

static void test_invalid_stored_value(void)
{
	struct settings_cache *cache = settings_cache_new();

	settings_cache_put(cache, SETTING_SCOPE_SERVER, 0, "smtp_max_recipients", "50");
	settings_cache_put(cache, SETTING_SCOPE_ACCOUNT, 3, "smtp_max_recipients", "lots");
	settings_cache_put(cache, SETTING_SCOPE_SERVER, 0, "smtp_data_timeout", "2h");
	settings_cache_put(cache, SETTING_SCOPE_SERVER, 0, "smtp_vrfy_enabled", "perhaps");
	/* unknown names are kept but harmless */
	settings_cache_put(cache, SETTING_SCOPE_SERVER, 0, "from_the_future", "1");

	test_assert_str(settings_get(cache, "smtp_max_recipients", 1, 3), "lots");
	test_assert_int(settings_get_number(cache, "smtp_max_recipients", 1, 3), 100);
	test_assert_int(settings_get_number(cache, "smtp_max_recipients", 1, 3), 100);
	test_assert_int(settings_get_number(cache, "smtp_max_recipients", 1, 4), 50);
	test_assert_int(settings_get_number(cache, "smtp_data_timeout", 0, 0), 180);
	test_assert_int(settings_get_bool(cache, "smtp_vrfy_enabled", 0, 0), 0);
	settings_cache_free(&cache);
}

static void test_many_rows(void)
{
	struct settings_cache *cache = settings_cache_new();
	char value[32];
	int mismatches = 0;

	/* enough rows to grow the table several times */
	for (int i = 1; i <= 5000; i++) {
		snprintf(value, sizeof(value), "%d", i % 1000 + 1);
		settings_cache_put(cache, SETTING_SCOPE_ACCOUNT, i, "smtp_max_recipients", value);
	}
	for (int i = 1; i <= 5000; i++) {
		if (settings_get_number(cache, "smtp_max_recipients", 0, i) != i % 1000 + 1)
			mismatches++;
	}
	test_assert_int(mismatches, 0);
	settings_cache_free(&cache);
}

int main(void)
{
	test_run("registry", test_registry);
	test_run("parse_bool", test_parse_bool);
	test_run("parse_size", test_parse_size);
	test_run("parse_duration_int", test_parse_duration_int);
	test_run("validate", test_validate);
	test_run("scope_names", test_scope_names);
	test_run("inheritance", test_inheritance);
	test_run("invalid_stored_value", test_invalid_stored_value);
	test_run("many_rows", test_many_rows);
	return test_end();
}
