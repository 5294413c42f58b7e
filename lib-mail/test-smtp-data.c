/*
 * test-smtp-data.c — the DATA decoder (smtp-data.c): fixed cases, then an
 * exhaustive comparison against a simple whole-buffer reference decoder for
 * every short input over the interesting alphabet, fed whole, one byte at a
 * time and in every split into two and three pieces.
 */
#include "smtp-data.h"

#include "test-common.h"

#include <stdbool.h>
#include <stdlib.h>

#define MAX_INPUT 64

struct result {
	int ret;
	size_t consumed;
	size_t out_len;
	unsigned char out[MAX_INPUT + 8];
};

/* Reference: split at CRLF only; "." alone ends, a leading dot is dropped.
   An unfinished last line is what the decoder may already have written:
   everything except a leading "." or ".\r" that is still undecided. */
static void reference_decode(const unsigned char *in, size_t len, struct result *r)
{
	size_t pos = 0, end;

	r->ret = 0;
	r->out_len = 0;
	while (pos < len) {
		for (end = pos; end + 1 < len && !(in[end] == '\r' && in[end + 1] == '\n'); end++)
			;
		if (end + 1 >= len) {
			/* no CRLF: unfinished line */
			size_t n = len - pos;
			const unsigned char *line = in + pos;

			if (n > 0 && line[0] == '.') {
				line++;
				n--;
				if (n == 1 && line[0] == '\r')
					n = 0;
			}
			memcpy(r->out + r->out_len, line, n);
			r->out_len += n;
			pos = len;
			break;
		}
		if (end - pos == 1 && in[pos] == '.') {
			r->ret = 1;
			pos = end + 2;
			break;
		}
		if (in[pos] == '.')
			pos++;
		memcpy(r->out + r->out_len, in + pos, end + 2 - pos);
		r->out_len += end + 2 - pos;
		pos = end + 2;
	}
	r->consumed = pos;
}

/* Feed in[] in pieces ending at the given cut positions. */
static void decode_pieces(const unsigned char *in, size_t len, const size_t *cuts,
			  size_t cut_count, struct result *r)
{
	struct smtp_data_decoder dec;
	size_t start = 0, out_len, consumed;

	smtp_data_decoder_init(&dec);
	r->ret = 0;
	r->out_len = 0;
	r->consumed = 0;
	for (size_t i = 0; i <= cut_count && r->ret == 0; i++) {
		size_t end = i < cut_count ? cuts[i] : len;
		unsigned char out[MAX_INPUT + 8];

		r->ret = smtp_data_decode(&dec, in + start, end - start, out, &out_len, &consumed);
		test_assert(out_len <= end - start + 2);
		test_assert(consumed <= end - start);
		if (r->ret == 0)
			test_assert_int(consumed, end - start);
		memcpy(r->out + r->out_len, out, out_len);
		r->out_len += out_len;
		r->consumed += consumed;
		start = end;
	}
}

static bool result_equal(const struct result *a, const struct result *b)
{
	return a->ret == b->ret && a->consumed == b->consumed && a->out_len == b->out_len &&
		memcmp(a->out, b->out, a->out_len) == 0;
}

static int mismatches;

static void check_input(const unsigned char *in, size_t len, int max_cuts)
{
	struct result ref, r;
	size_t cuts[MAX_INPUT];

	reference_decode(in, len, &ref);
	decode_pieces(in, len, NULL, 0, &r);
	if (!result_equal(&ref, &r) && mismatches++ < 5)
		fprintf(stderr, "whole-buffer mismatch for input of %zu bytes\n", len);
	test_assert(result_equal(&ref, &r));

	for (size_t i = 0; i < len; i++)
		cuts[i] = i + 1;
	decode_pieces(in, len, cuts, len, &r);
	test_assert(result_equal(&ref, &r));

	for (size_t a = 0; max_cuts >= 1 && a <= len; a++) {
		cuts[0] = a;
		decode_pieces(in, len, cuts, 1, &r);
		test_assert(result_equal(&ref, &r));
		for (size_t b = a; max_cuts >= 2 && b <= len; b++) {
			cuts[1] = b;
			decode_pieces(in, len, cuts, 2, &r);
			test_assert(result_equal(&ref, &r));
		}
	}
}

static void expect(const char *in, int ret, const char *out, size_t consumed)
{
	struct result r;

	check_input((const unsigned char *)in, strlen(in), 2);
	decode_pieces((const unsigned char *)in, strlen(in), NULL, 0, &r);
	test_assert_int(r.ret, ret);
	test_assert_int(r.consumed, consumed);
	test_assert_int(r.out_len, strlen(out));
	test_assert(r.out_len == strlen(out) && memcmp(r.out, out, r.out_len) == 0);
}

static void test_fixed(void)
{
	expect(".\r\n", 1, "", 3);
	expect(".\r\nQUIT\r\n", 1, "", 3);
	expect("a\r\n.\r\n", 1, "a\r\n", 6);
	expect("Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n", 1, "Subject: x\r\n\r\nbody\r\n", 23);
	/* dot-stuffing */
	expect("..\r\n.\r\n", 1, ".\r\n", 7);
	expect("a\r\n..b\r\n...\r\n.\r\n", 1, "a\r\n.b\r\n..\r\n", 16);
	expect(".a\r\n.\r\n", 1, "a\r\n", 7);
	/* a dot not at the start of a line stays */
	expect("a.b\r\n.\r\n", 1, "a.b\r\n", 8);
	/* smuggling defence: bare LF / bare CR around the dot do not end it */
	expect("a\n.\n", 0, "a\n.\n", 4);
	expect("a\n.\r\n", 0, "a\n.\r\n", 5);
	expect("a\r\n.\n", 0, "a\r\n\n", 5);
	expect("a\r.\r\n", 0, "a\r.\r\n", 5);
	expect("a\r\n.\r.\r\n", 0, "a\r\n\r.\r\n", 8);
	expect("a\r\n.\rb\r\n.\r\n", 1, "a\r\n\rb\r\n", 11);
	expect("a\r\n.\r\r\n.\r\n", 1, "a\r\n\r\r\n", 10);
	/* unfinished input: the undecided dot is held back */
	expect("", 0, "", 0);
	expect(".", 0, "", 1);
	expect(".\r", 0, "", 2);
	expect("a\r\n.", 0, "a\r\n", 4);
	expect("a\r\n.\r", 0, "a\r\n", 5);
	expect("a\r", 0, "a\r", 2);
	expect("\r\n\r\n.\r\n", 1, "\r\n\r\n", 7);
}

static void test_done_stays_done(void)
{
	struct smtp_data_decoder dec;
	unsigned char out[16];
	size_t out_len, consumed;

	smtp_data_decoder_init(&dec);
	test_assert_int(smtp_data_decode(&dec, (const unsigned char *)".\r\nX", 4, out,
					 &out_len, &consumed), 1);
	test_assert_int(consumed, 3);
	test_assert_int(out_len, 0);
	test_assert_int(smtp_data_decode(&dec, (const unsigned char *)"X", 1, out,
					 &out_len, &consumed), 1);
	test_assert_int(consumed, 0);
	test_assert_int(out_len, 0);
}

/* Every string of up to 8 bytes over {'.', CR, LF, 'a'}. */
static void test_exhaustive(void)
{
	static const unsigned char alphabet[] = { '.', '\r', '\n', 'a' };
	unsigned char in[MAX_INPUT];
	unsigned long total = 0;

	for (size_t len = 0; len <= 8; len++) {
		unsigned long count = 1;

		for (size_t i = 0; i < len; i++)
			count *= 4;
		for (unsigned long n = 0; n < count; n++) {
			unsigned long v = n;

			for (size_t i = 0; i < len; i++) {
				in[i] = alphabet[v % 4];
				v /= 4;
			}
			check_input(in, len, len <= 6 ? 2 : 1);
			total++;
		}
	}
	test_assert_int(total, 87381);
}

/* Longer pseudo-random inputs biased towards line ends and dots. */
static void test_random(void)
{
	static const unsigned char alphabet[] = { '.', '\r', '\n', 'a', '.', '\r', '\n', 'x' };
	unsigned char in[MAX_INPUT];
	unsigned int seed = 12345;

	for (int n = 0; n < 20000; n++) {
		size_t len = 9 + (size_t)(rand_r(&seed) % (MAX_INPUT - 9));

		for (size_t i = 0; i < len; i++)
			in[i] = alphabet[rand_r(&seed) % sizeof(alphabet)];
		check_input(in, len, 1);
	}
}

int main(void)
{
	test_run("fixed inputs", test_fixed);
	test_run("done stays done", test_done_stays_done);
	test_run("exhaustive short inputs", test_exhaustive);
	test_run("random inputs", test_random);
	return test_end();
}
