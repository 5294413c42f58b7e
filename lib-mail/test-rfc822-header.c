/*
 * test-rfc822-header.c — header iteration and unfolding (rfc822-header.c).
 */
#include "rfc822-header.h"

#include "test-common.h"

/* "name=value;" for each field, values unfolded, then "#size" */
static void check(const char *msg, size_t len, const char *expected)
{
	struct rfc822_header_iter iter;
	struct rfc822_header_field field;
	struct strbuf out = STRBUF_INIT;

	rfc822_header_iter_init(&iter, (const unsigned char *)msg, len);
	while (rfc822_header_iter_next(&iter, &field)) {
		strbuf_append_n(&out, field.name, field.name_len);
		strbuf_append_c(&out, '=');
		rfc822_header_unfold(field.value, field.value_len, &out);
		strbuf_append_c(&out, ';');
	}
	strbuf_printf(&out, "#%zu", rfc822_header_iter_size(&iter));
	test_assert_str(strbuf_cstr(&out), expected);
	test_assert_int(rfc822_header_size((const unsigned char *)msg, len),
			rfc822_header_iter_size(&iter));
	strbuf_free(&out);
}

#define CHECK(msg, expected) check(msg, sizeof(msg) - 1, expected)

static void test_iteration(void)
{
	CHECK("", "#0");
	CHECK("\r\n", "#2");
	CHECK("\n", "#1");
	CHECK("\r\nA: b\r\n", "#2");
	CHECK("A: b\r\n\r\nbody", "A=b;#8");
	CHECK("A: b\n\nbody", "A=b;#6");
	CHECK("A: b\r\nC:d\r\n\r\n", "A=b;C=d;#13");
	CHECK("A: b", "A=b;#4");
	CHECK("A: b\r\n", "A=b;#6");
	CHECK("Subject: a\r\n b\r\n\tc\r\n\r\n", "Subject=a b\tc;#22");
	CHECK("Subject:\r\n folded start\r\n\r\n", "Subject=folded start;#27");
	CHECK("Subject :  spaced  \r\n\r\n", "Subject=spaced  ;#23");
	CHECK(" lead\r\nA: b\r\n\r\n", "A=b;#15");
	CHECK("no colon\r\nA: b\r\n: x\r\n\r\n", "A=b;#23");
	CHECK("A: x\r\n \r\n\r\n", "A=x ;#11");
	CHECK("A: b\r\nx\r", "A=b;#8");
	CHECK("A: b\rc\r\n\r\n", "A=bc;#10");
	CHECK("A: a:b:c\r\n\r\n", "A=a:b:c;#12");
	CHECK("A: 1\r\n\r\nB: 2\r\n", "A=1;#8");
}

static void test_name_is(void)
{
	struct rfc822_header_iter iter;
	struct rfc822_header_field field;

	rfc822_header_iter_init(&iter, (const unsigned char *)"message-ID: x\r\n", 15);
	test_assert(rfc822_header_iter_next(&iter, &field));
	test_assert(rfc822_header_name_is(&field, "Message-Id"));
	test_assert(!rfc822_header_name_is(&field, "Message"));
	test_assert(!rfc822_header_name_is(&field, "Message-IDs"));
}

static void test_unfold(void)
{
	struct strbuf out = STRBUF_INIT;

	rfc822_header_unfold((const unsigned char *)"a\r\n b\0c\n\td", 10, &out);
	test_assert_str(strbuf_cstr(&out), "a b\xef\xbf\xbd" "c\td");
	strbuf_free(&out);
}

int main(void)
{
	test_run("iteration", test_iteration);
	test_run("name compare", test_name_is);
	test_run("unfold", test_unfold);
	return test_end();
}
