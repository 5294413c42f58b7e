/*
 * test-json-patch.c — merge patch (the RFC 7396 appendix A table) and
 * JSON Patch (RFC 6902 appendix A cases, pointer escapes, atomicity).
 */
#include "json-patch.h"

#include "test-common.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *parse(const char *text)
{
	json_error_t error;
	json_t *value = json_loads(text, JSON_DECODE_ANY, &error);

	if (value == NULL) {
		fprintf(stderr, "bad test JSON %s: %s\n", text, error.text);
		abort();
	}
	return value;
}

static void check_merge(const char *target, const char *patch, const char *expected)
{
	json_t *t = parse(target), *p = parse(patch), *e = parse(expected);
	json_t *before = json_deep_copy(t);
	json_t *result = json_merge_patch(t, p);

	if (!json_equal(result, e)) {
		char *got = json_dumps(result, JSON_ENCODE_ANY);

		fprintf(stderr, "merge %s + %s: got %s, want %s\n", target, patch, got, expected);
		free(got);
		test_failed_checks++;
	}
	test_assert(json_equal(t, before));   /* pure */
	json_decref(t);
	json_decref(p);
	json_decref(e);
	json_decref(before);
	json_decref(result);
}

static void test_merge(void)
{
	check_merge("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	check_merge("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}");
	check_merge("{\"a\":\"b\"}", "{\"a\":null}", "{}");
	check_merge("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}");
	check_merge("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	check_merge("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}");
	check_merge("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
		    "{\"a\":{\"b\":\"d\"}}");
	check_merge("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}");
	check_merge("[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]");
	check_merge("{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]");
	check_merge("{\"a\":\"foo\"}", "null", "null");
	check_merge("{\"a\":\"foo\"}", "\"bar\"", "\"bar\"");
	check_merge("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}");
	check_merge("[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}");
	check_merge("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}");
}

static void check_patch(const char *doc, const char *patch, int want, const char *expected)
{
	json_t *d = parse(doc), *p = parse(patch), *result;
	json_t *before = json_deep_copy(d);
	const char *error = NULL;
	int ret = json_patch_apply(d, p, &result, &error);

	if (ret != want) {
		fprintf(stderr, "patch %s with %s: %d (%s), want %d\n", doc, patch, ret,
			error != NULL ? error : "", want);
		test_failed_checks++;
	}
	if (want == JSON_PATCH_OK) {
		json_t *e = parse(expected);

		if (!json_equal(result, e)) {
			char *got = json_dumps(result, JSON_ENCODE_ANY);

			fprintf(stderr, "patch %s with %s: got %s, want %s\n", doc, patch, got,
				expected);
			free(got);
			test_failed_checks++;
		}
		json_decref(e);
		json_decref(result);
	} else {
		test_assert(result == NULL && error != NULL && error[0] != '\0');
	}
	test_assert(json_equal(d, before));   /* all or nothing, never in place */
	json_decref(d);
	json_decref(p);
	json_decref(before);
}

static void test_patch(void)
{
	const int ok = JSON_PATCH_OK;

	check_patch("{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]", ok,
		    "{\"baz\":\"qux\",\"foo\":\"bar\"}");
	check_patch("{\"foo\":[\"bar\",\"baz\"]}",
		    "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]", ok,
		    "{\"foo\":[\"bar\",\"qux\",\"baz\"]}");
	check_patch("{\"baz\":\"qux\",\"foo\":\"bar\"}", "[{\"op\":\"remove\",\"path\":\"/baz\"}]", ok,
		    "{\"foo\":\"bar\"}");
	check_patch("{\"foo\":[\"bar\",\"qux\",\"baz\"]}", "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]",
		    ok, "{\"foo\":[\"bar\",\"baz\"]}");
	check_patch("{\"baz\":\"qux\",\"foo\":\"bar\"}",
		    "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]", ok,
		    "{\"baz\":\"boo\",\"foo\":\"bar\"}");
	check_patch("{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":\"grault\"}}",
		    "[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]", ok,
		    "{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}");
	check_patch("{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
		    "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]", ok,
		    "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}");
	check_patch("{\"a\":{\"b\":1}}", "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/c\"}]", ok,
		    "{\"a\":{\"b\":1},\"c\":{\"b\":1}}");
	check_patch("{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
		    "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},"
		    "{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]", ok,
		    "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}");
	check_patch("{\"baz\":\"qux\"}", "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]",
		    JSON_PATCH_TEST_FAILED, NULL);
	check_patch("{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]",
		    JSON_PATCH_FAILED, NULL);
	check_patch("{\"foo\":[\"bar\"]}", "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\"]}]",
		    ok, "{\"foo\":[\"bar\",[\"abc\"]]}");
	check_patch("{\"/\":9,\"~1\":10}", "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10},"
		    "{\"op\":\"replace\",\"path\":\"/~1\",\"value\":8}]", ok, "{\"/\":8,\"~1\":10}");
	check_patch("{\"foo\":1}", "[{\"op\":\"add\",\"path\":\"\",\"value\":[1]}]", ok, "[1]");
	/* the first operation applied, the second failed: nothing changes */
	check_patch("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/a\"},"
		    "{\"op\":\"remove\",\"path\":\"/missing\"}]", JSON_PATCH_FAILED, NULL);
	check_patch("{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/01\",\"value\":2}]",
		    JSON_PATCH_FAILED, NULL);
	check_patch("{\"a\":[1]}", "[{\"op\":\"replace\",\"path\":\"/a/5\",\"value\":2}]",
		    JSON_PATCH_FAILED, NULL);
	check_patch("{\"a\":{}}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b\"}]",
		    JSON_PATCH_FAILED, NULL);
	check_patch("{}", "{\"op\":\"add\"}", JSON_PATCH_MALFORMED, NULL);
	check_patch("{}", "[{\"op\":\"frob\",\"path\":\"/a\"}]", JSON_PATCH_MALFORMED, NULL);
	check_patch("{}", "[{\"op\":\"add\",\"path\":\"/a\"}]", JSON_PATCH_MALFORMED, NULL);
	check_patch("{}", "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", JSON_PATCH_FAILED, NULL);
	check_patch("{\"a\":1}", "[{\"op\":\"test\",\"path\":\"/~2\",\"value\":1}]",
		    JSON_PATCH_TEST_FAILED, NULL);
	check_patch("{}", "[7]", JSON_PATCH_MALFORMED, NULL);
}

int main(void)
{
	test_run("merge_patch", test_merge);
	test_run("json_patch", test_patch);
	return test_end();
}
