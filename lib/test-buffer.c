/* Unit tests for buffer.c: append, consume, reserve/commit, steal. */
#include "test-common.h"
#include "buffer.h"

#include <stdlib.h>

static void test_buffer_append_consume(void)
{
	struct buffer buf = { 0 };

	buffer_append_str(&buf, "hello ");
	buffer_printf(&buf, "%s %d", "world", 42);
	test_assert_int(buffer_len(&buf), 14);
	test_assert(memcmp(buffer_data(&buf), "hello world 42", 14) == 0);
	buffer_consume(&buf, 6);
	test_assert(memcmp(buffer_data(&buf), "world 42", 8) == 0);
	buffer_consume(&buf, 8);
	/* an emptied buffer holds no memory: idle sessions stay small */
	test_assert(buf.data == NULL);
	test_assert_int(buf.alloc, 0);
}

static void test_buffer_reserve_slides(void)
{
	struct buffer buf = { 0 };
	unsigned char *p;

	buffer_append(&buf, "0123456789", 10);
	buffer_consume(&buf, 8);
	p = buffer_reserve(&buf, buf.alloc - 2);
	/* the two unconsumed bytes moved to the front instead of growing */
	test_assert_int(buf.start, 0);
	memset(p, 'x', 3);
	buffer_commit(&buf, 3);
	test_assert(memcmp(buffer_data(&buf), "89xxx", 5) == 0);
	buffer_clear(&buf);
	test_assert(buf.data == NULL);
}

static void test_buffer_steal(void)
{
	struct buffer buf = { 0 };
	unsigned char *data;
	size_t len;

	buffer_append_str(&buf, "abcdef");
	buffer_consume(&buf, 2);
	data = buffer_steal(&buf, &len);
	test_assert_int(len, 4);
	test_assert_str((char *)data, "cdef");
	test_assert(buf.data == NULL && buffer_len(&buf) == 0);
	free(data);
}

int main(void)
{
	test_run("buffer_append_consume", test_buffer_append_consume);
	test_run("buffer_reserve_slides", test_buffer_reserve_slides);
	test_run("buffer_steal", test_buffer_steal);
	return test_end();
}
