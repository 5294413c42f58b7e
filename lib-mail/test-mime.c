/*
 * test-mime.c — MIME header pieces: parameters with RFC 2231
 * continuations (mime-param.c), multipart splitting (mime-boundary.c) and
 * Content-* collection (mime-header.c).
 */
#include "mime-boundary.h"
#include "mime-header.h"
#include "mime-param.h"

#include "strbuf.h"

#include "test-common.h"

#include <stdlib.h>

/* "type/subtype name=value name=value", or "-" when parsing fails */
static char *ct(const char *value)
{
	struct strbuf out = STRBUF_INIT;
	struct mime_params params;
	char *type, *subtype;

	if (!mime_content_type_parse(value, strlen(value), &type, &subtype, &params))
		return strdup("-");
	strbuf_printf(&out, "%s/%s", type, subtype);
	for (size_t i = 0; i < params.count; i++)
		strbuf_printf(&out, " %s=%s", params.params[i].name, params.params[i].value);
	free(type);
	free(subtype);
	mime_params_free(&params);
	return strbuf_steal(&out);
}

static void check_ct(const char *value, const char *expected)
{
	char *got = ct(value);

	if (strcmp(got, expected) != 0)
		fprintf(stderr, "value: %s\n", value);
	test_assert_str(got, expected);
	free(got);
}

static void test_content_type(void)
{
	check_ct("text/plain", "text/plain");
	check_ct(" Text / HTML ; charset = \"utf-8\" (comment) ; format=flowed",
		 "Text/HTML charset=utf-8 format=flowed");
	check_ct("(c) multipart/mixed; boundary=\"a b\\\"c\"", "multipart/mixed boundary=a b\"c");
	check_ct("text/plain; name=foo bar.txt; x=y", "text/plain name=foo bar.txt x=y");
	check_ct("text/plain; =x; a; b=c", "text/plain b=c");
	check_ct("text/plain;;; a=1;", "text/plain a=1");
	check_ct("text/plain junk; a=1", "text/plain a=1");
	check_ct("text/plain; a=\"unterminated", "text/plain a=unterminated");
	check_ct("text/plain; a=", "text/plain a=");
	check_ct("text", "-");
	check_ct("/plain", "-");
	check_ct("text/", "-");
	check_ct("", "-");
	check_ct("text/plain; name=\"=?utf-8?q?x?=\"", "text/plain name==?utf-8?q?x?=");
}

static void test_rfc2231(void)
{
	/* the RFC 2231 section 4.1 example */
	check_ct("application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; "
		 "title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"",
		 "application/x-stuff title*=us-ascii'en'This%20is%20even%20more%20"
		 "%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!");
	check_ct("a/b; name*1=b; name*0=a", "a/b name=ab");
	check_ct("a/b; name*0=a; name*0=x; name*1=b", "a/b name=ab");
	check_ct("a/b; x=1; name*0=a; y=2; NAME*1=b", "a/b x=1 name=ab y=2");
	check_ct("a/b; name*=utf-8''%E2%82%AC", "a/b name*=utf-8''%E2%82%AC");
	check_ct("a/b; name*00=x; name*1x=y", "a/b name*00=x name*1x=y");
	check_ct("a/b; name*0=a; name*2=c", "a/b name=ac");
	check_ct("a/b; *0=a", "a/b *0=a");
}

static void test_param_limit(void)
{
	struct strbuf value = STRBUF_INIT;
	struct mime_params params;
	char *type, *subtype;

	strbuf_append(&value, "text/plain");
	for (int i = 0; i < 300; i++)
		strbuf_printf(&value, "; p%d=v", i);
	test_assert(mime_content_type_parse(value.data, value.len, &type, &subtype, &params));
	test_assert_int(params.count, MIME_PARAMS_MAX);
	test_assert_str(mime_params_get(&params, "P0"), "v");
	test_assert(mime_params_get(&params, "p200") == NULL);
	free(type);
	free(subtype);
	mime_params_free(&params);
	strbuf_free(&value);
}

static void test_disposition(void)
{
	struct mime_params params;
	char *type;

	test_assert(mime_disposition_parse("attachment; filename=\"a.pdf\"", 29, &type, &params));
	test_assert_str(type, "attachment");
	test_assert_int(params.count, 1);
	test_assert_str(mime_params_get(&params, "FileName"), "a.pdf");
	free(type);
	mime_params_free(&params);
	test_assert(mime_disposition_parse(" inline ", 8, &type, &params));
	test_assert_str(type, "inline");
	test_assert_int(params.count, 0);
	free(type);
	mime_params_free(&params);
	test_assert(!mime_disposition_parse(";x=y", 4, &type, &params));
}

/* The parts of body, rendered as [part][part]; "rest" takes the remainder
   after the first part in one piece. */
static char *split(const char *body, const char *boundary, bool rest)
{
	struct mime_boundary_iter iter;
	struct strbuf out = STRBUF_INIT;
	size_t start, size;
	bool first = true;

	mime_boundary_iter_init(&iter, (const unsigned char *)body, strlen(body), boundary);
	while (rest && !first ? mime_boundary_iter_rest(&iter, &start, &size) :
	       mime_boundary_iter_next(&iter, &start, &size)) {
		strbuf_append_c(&out, '[');
		strbuf_append_n(&out, body + start, size);
		strbuf_append_c(&out, ']');
		first = false;
	}
	return strbuf_steal(&out);
}

static void check_split(const char *body, const char *boundary, bool rest, const char *expected)
{
	char *got = split(body, boundary, rest);

	test_assert_str(got, expected);
	free(got);
}

static void test_boundaries(void)
{
	check_split("pre\r\n--b\r\nA\r\n--b\r\n\r\n--b--\r\nepi", "b", false, "[A][]");
	check_split("--b\r\nA\r\n--b--", "b", false, "[A]");
	check_split("--b  \t\r\nA\r\n--b--  junk", "b", false, "[A]");
	check_split("--bx\r\nA\r\n--b\r\nB\r\n--b--", "b", false, "[B]");
	check_split("--b\r\nA\r\n--b x\r\nB", "b", false, "[A\r\n--b x\r\nB]");
	check_split("--b\r\nA\r\n--b\r\nB", "b", false, "[A][B]");
	check_split("--b\r\n--b\r\n--b--", "b", false, "[][]");
	check_split("--b--\r\n--b\r\nA", "b", false, "");
	check_split("no delimiter\r\n", "b", false, "");
	check_split("", "b", false, "");
	check_split("--b\nA\n--b\nB\n--b--\n", "b", false, "[A][B]");
	check_split("--b\r\nA\r\n\r\n--b--", "b", false, "[A\r\n]");
	check_split("x--b\r\n--b\r\nA", "b", false, "[A]");
	check_split("--b\r\nA\r\n--b\r\nB\r\n--b\r\nC\r\n--b--\r\nD", "b", true,
		    "[A][B\r\n--b\r\nC]");
	check_split("--b\r\nA\r\n--b\r\nB\r\n--b\r\nC", "b", true, "[A][B\r\n--b\r\nC]");
	check_split("--=_a\r\nA\r\n--=_a--", "=_a", false, "[A]");
}

static void test_mime_header(void)
{
	static const char hdr[] =
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-ID: <x@y>\r\n"
		"Content-Language: en, de (German)\r\n , fr\r\n"
		"content-transfer-encoding: Base64\r\n"
		"Content-Type: text/html\r\n"
		"Content-Description: a\r\n  folded\r\n"
		"Content-Disposition: attachment; filename=a.txt\r\n"
		"Content-Location: http://example.com/x\r\n"
		"Content-MD5: abc=\r\n"
		"X-Other: 1\r\n"
		"\r\n"
		"body";
	struct mime_header h;

	mime_header_parse((const unsigned char *)hdr, sizeof(hdr) - 1, &h);
	test_assert_int(h.header_size, sizeof(hdr) - 1 - 4);
	test_assert_str(h.type, "text");
	test_assert_str(h.subtype, "plain");
	test_assert_str(mime_params_get(&h.params, "charset"), "utf-8");
	test_assert_str(h.id, "<x@y>");
	test_assert_int(h.language_count, 3);
	if (h.language_count == 3) {
		test_assert_str(h.languages[0], "en");
		test_assert_str(h.languages[1], "de");
		test_assert_str(h.languages[2], "fr");
	}
	test_assert_str(h.encoding, "Base64");
	test_assert_str(h.description, "a  folded");
	test_assert_str(h.disposition, "attachment");
	test_assert_str(mime_params_get(&h.disposition_params, "filename"), "a.txt");
	test_assert_str(h.location, "http://example.com/x");
	test_assert_str(h.md5, "abc=");
	mime_header_free(&h);

	mime_header_parse((const unsigned char *)"Content-Type: text\r\n"
			  "Content-Transfer-Encoding: 7bit x\r\n\r\n", 57, &h);
	test_assert(h.type == NULL);
	test_assert(h.encoding == NULL);
	test_assert_int(h.header_size, 57);
	mime_header_free(&h);
}

int main(void)
{
	test_run("content type", test_content_type);
	test_run("RFC 2231", test_rfc2231);
	test_run("parameter limit", test_param_limit);
	test_run("disposition", test_disposition);
	test_run("boundaries", test_boundaries);
	test_run("mime header", test_mime_header);
	return test_end();
}
