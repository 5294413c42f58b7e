/*
 * fuzz-smtp-data.c — libFuzzer target for the DATA decoder
 * (smtp-data.c): the input is decoded whole, one byte at a time and in
 * pieces whose sizes come from the input itself; all three must agree
 * byte for byte and on where the data ended.
 */
#include "smtp-data.h"

#include <stdlib.h>
#include <string.h>

struct result {
	int ret;
	size_t consumed, out_len;
	unsigned char *out;
};

/* Feed in[] in pieces of the sizes step() returns. */
static void decode(const unsigned char *in, size_t len, size_t (*step)(size_t, size_t),
		   struct result *r)
{
	struct smtp_data_decoder dec;
	size_t pos = 0, out_len, consumed;

	smtp_data_decoder_init(&dec);
	r->out = malloc(len + 2);
	r->out_len = 0;
	r->ret = 0;
	while (r->ret == 0 && pos < len) {
		size_t n = step(pos, len - pos);
		unsigned char *out = malloc(n + 2);

		r->ret = smtp_data_decode(&dec, in + pos, n, out, &out_len, &consumed);
		if (out_len > n + 2 || consumed > n || (r->ret == 0 && consumed != n))
			abort();
		memcpy(r->out + r->out_len, out, out_len);
		r->out_len += out_len;
		pos += consumed;
		free(out);
	}
	r->consumed = pos;
}

static const unsigned char *fuzz_data;

static size_t step_all(size_t pos, size_t left)
{
	return left;
}

static size_t step_one(size_t pos, size_t left)
{
	return 1;
}

static size_t step_data(size_t pos, size_t left)
{
	size_t n = (size_t)(fuzz_data[pos] % 7) + 1;

	return n < left ? n : left;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct result a, b, c;

	fuzz_data = data;
	decode(data, size, step_all, &a);
	decode(data, size, step_one, &b);
	decode(data, size, step_data, &c);
	if (a.ret != b.ret || a.ret != c.ret || a.consumed != b.consumed ||
	    a.consumed != c.consumed || a.out_len != b.out_len || a.out_len != c.out_len ||
	    memcmp(a.out, b.out, a.out_len) != 0 || memcmp(a.out, c.out, a.out_len) != 0)
		abort();
	/* output never grows: unstuffing only removes bytes */
	if (a.out_len > a.consumed)
		abort();
	free(a.out);
	free(b.out);
	free(c.out);
	return 0;
}
