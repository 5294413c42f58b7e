/*
 * test-milter-proto.c — the milter codec (milter-proto.c): the exact bytes
 * of each command, every reply kind decoded, replies fed one byte at a
 * time, malformed and over-long packets, and the OPTNEG agreement.
 */
#include "milter-proto.h"

#include "test-common.h"

#include <stdlib.h>

/* A reply packet: code plus data of len bytes. */
static size_t make_packet(unsigned char *out, char code, const void *data, size_t len)
{
	uint32_t n = (uint32_t)len + 1;

	out[0] = (unsigned char)(n >> 24);
	out[1] = (unsigned char)(n >> 16);
	out[2] = (unsigned char)(n >> 8);
	out[3] = (unsigned char)n;
	out[4] = (unsigned char)code;
	memcpy(out + 5, data, len);
	return len + 5;
}

static bool buffer_equals(const struct buffer *buf, const void *expect, size_t len)
{
	return buffer_len(buf) == len && memcmp(buffer_data(buf), expect, len) == 0;
}

static void test_encode_commands(void)
{
	struct buffer out = { 0 };

	milter_encode_optneg(&out, 0x21, 0x400);
	test_assert(buffer_equals(&out, "\0\0\0\x0dO\0\0\0\x06\0\0\0\x21\0\0\x04\0", 17));
	test_assert_int(milter_packet_size(buffer_data(&out)), 17);
	test_assert_int(milter_packet_command(buffer_data(&out)), SMFIC_OPTNEG);
	buffer_clear(&out);
	milter_encode_connect(&out, "mx.example", "192.0.2.1", 25);
	test_assert(buffer_equals(&out, "\0\0\0\x19" "Cmx.example\0" "4\0\x19" "192.0.2.1\0", 29));
	buffer_clear(&out);
	milter_encode_connect(&out, "h", "2001:db8::1", 0);
	test_assert(buffer_equals(&out, "\0\0\0\x12" "Ch\0" "6\0\0" "2001:db8::1\0", 22));
	buffer_clear(&out);
	milter_encode_connect(&out, "h", NULL, 0);
	test_assert(buffer_equals(&out, "\0\0\0\x04" "Ch\0U", 8));
	buffer_clear(&out);
	milter_encode_mail(&out, "");
	test_assert(buffer_equals(&out, "\0\0\0\x04M<>\0", 8));
	buffer_clear(&out);
	milter_encode_rcpt(&out, "a@b");
	test_assert(buffer_equals(&out, "\0\0\0\x07R<a@b>\0", 11));
	buffer_clear(&out);
	milter_encode_header(&out, "Subject: x", 7, "hi", 2);
	test_assert(buffer_equals(&out, "\0\0\0\x0cLSubject\0hi\0", 16));
	buffer_clear(&out);
	milter_encode_body(&out, "ab\r\n", 4);
	test_assert(buffer_equals(&out, "\0\0\0\x05" "Bab\r\n", 9));
	buffer_clear(&out);
	milter_encode_simple(&out, SMFIC_BODYEOB);
	test_assert(buffer_equals(&out, "\0\0\0\x01" "E", 5));
	buffer_clear(&out);
	milter_encode_helo(&out, "c");
	test_assert(buffer_equals(&out, "\0\0\0\x03" "Hc\0", 7));
	buffer_clear(&out);
	const char *macros[] = { "j", "mx", "{daemon_name}", "petrel" };

	milter_encode_macro(&out, SMFIC_CONNECT, macros, 2);
	test_assert(buffer_equals(&out, "\0\0\0\x1c" "DCj\0mx\0{daemon_name}\0petrel\0", 32));
	buffer_clear(&out);
	buffer_compact(&out);
}

static int parse(const void *data, size_t len, struct milter_reply *r, size_t *consumed,
		 const char **error)
{
	*consumed = 0;
	*error = NULL;
	return milter_reply_parse(data, len, 4096, r, consumed, error);
}

static void test_parse_replies(void)
{
	unsigned char pkt[256];
	struct milter_reply r;
	size_t n, consumed;
	const char *error;

	n = make_packet(pkt, SMFIR_CONTINUE, "", 0);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), 1);
	test_assert_int(r.code, SMFIR_CONTINUE);
	test_assert_int(consumed, 5);

	n = make_packet(pkt, SMFIR_REPLYCODE, "554 5.7.1 go away\0", 18);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), 1);
	test_assert_str(r.text, "554 5.7.1 go away");

	n = make_packet(pkt, SMFIR_ADDHEADER, "X-Spam-Score\0 7.5\0", 18);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), 1);
	test_assert_str(r.text, "X-Spam-Score");
	test_assert_str(r.value, " 7.5");

	n = make_packet(pkt, SMFIR_INSHEADER, "\0\0\0\x02X-A\0v\0", 10);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), 1);
	test_assert_int(r.index, 2);
	test_assert_str(r.text, "X-A");

	n = make_packet(pkt, SMFIR_CHGHEADER, "\0\0\0\x01Subject\0\0", 13);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), 1);
	test_assert_int(r.index, 1);
	test_assert_str(r.value, "");

	n = make_packet(pkt, SMFIR_REPLBODY, "new\r\nbody", 9);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), 1);
	test_assert_int(r.data_len, 9);
	test_assert(memcmp(r.data, "new\r\nbody", 9) == 0);

	n = make_packet(pkt, SMFIR_QUARANTINE, "spam\0", 5);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), 1);
	test_assert_str(r.text, "spam");

	n = make_packet(pkt, SMFIR_ADDRCPT, "<x@y>\0", 6);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), 1);
	test_assert_str(r.text, "<x@y>");
	n = make_packet(pkt, SMFIR_DELRCPT, "<x@y>\0", 6);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), 1);

	static const char simple[] = { SMFIR_ACCEPT, SMFIR_REJECT, SMFIR_TEMPFAIL, SMFIR_DISCARD,
				       SMFIR_PROGRESS, SMFIR_SKIP };
	for (size_t i = 0; i < sizeof(simple); i++) {
		n = make_packet(pkt, simple[i], "", 0);
		test_assert_int(parse(pkt, n, &r, &consumed, &error), 1);
		test_assert_int(r.code, simple[i]);
	}
}

static void test_parse_optneg_and_negotiate(void)
{
	unsigned char pkt[64];
	struct milter_reply r;
	struct milter_negotiation neg;
	size_t n, consumed;
	const char *error;

	n = make_packet(pkt, SMFIC_OPTNEG, "\0\0\0\x06\0\0\0\x01\x10\0\x10\x40", 12);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), 1);
	test_assert_int(r.version, 6);
	test_assert_int(r.actions, SMFIF_ADDHDRS);
	/* the internal buffer-size bit is dropped, NR_CONN|NOEOH kept */
	test_assert_int(milter_negotiate(&r, MILTER_MTA_ACTIONS, MILTER_MTA_PROTOCOL, &neg, &error), 0);
	test_assert_int(neg.protocol, SMFIP_NR_CONN | SMFIP_NOEOH);
	test_assert(milter_step_sent(&neg, SMFIC_CONNECT));
	test_assert(!milter_step_replies(&neg, SMFIC_CONNECT));
	test_assert(!milter_step_sent(&neg, SMFIC_EOH));
	test_assert(milter_step_sent(&neg, SMFIC_RCPT));
	test_assert(milter_step_replies(&neg, SMFIC_RCPT));
	test_assert(milter_step_replies(&neg, SMFIC_BODYEOB));
	test_assert(!milter_step_replies(&neg, SMFIC_QUIT));

	r.actions = SMFIF_ADDRCPT;
	test_assert_int(milter_negotiate(&r, MILTER_MTA_ACTIONS, MILTER_MTA_PROTOCOL, &neg, &error), -1);
	test_assert_str(error, "filter wants actions the MTA does not offer");
	r.actions = 0;
	r.protocol = SMFIP_RCPT_REJ;
	test_assert_int(milter_negotiate(&r, MILTER_MTA_ACTIONS, MILTER_MTA_PROTOCOL, &neg, &error), -1);
	r.protocol = 0;
	r.version = 7;
	test_assert_int(milter_negotiate(&r, MILTER_MTA_ACTIONS, MILTER_MTA_PROTOCOL, &neg, &error), -1);
	r.version = 6;
	r.code = SMFIR_CONTINUE;
	test_assert_int(milter_negotiate(&r, MILTER_MTA_ACTIONS, MILTER_MTA_PROTOCOL, &neg, &error), -1);
}

static void test_parse_bad(void)
{
	unsigned char pkt[64];
	struct milter_reply r;
	size_t n, consumed;
	const char *error;

	n = make_packet(pkt, SMFIR_REPLYCODE, "250 ok\0", 7);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), -1);
	test_assert_str(error, "malformed reply code");
	n = make_packet(pkt, SMFIR_REPLYCODE, "550 no nul", 10);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), -1);
	n = make_packet(pkt, SMFIR_ADDHEADER, "X\0", 2);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), -1);
	n = make_packet(pkt, SMFIR_ADDHEADER, "\0v\0", 3);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), -1);
	n = make_packet(pkt, SMFIR_CHGHEADER, "\0\0", 2);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), -1);
	n = make_packet(pkt, SMFIC_OPTNEG, "\0\0\0\x06", 4);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), -1);
	n = make_packet(pkt, 'Z', "", 0);
	test_assert_int(parse(pkt, n, &r, &consumed, &error), -1);
	test_assert_str(error, "unknown reply code");
	test_assert_int(parse("\0\0\0\0", 4, &r, &consumed, &error), -1);
	/* a length beyond the bound is refused before any byte of it arrives */
	test_assert_int(parse("\0\0\x10\x01", 4, &r, &consumed, &error), -2);
	test_assert_int(parse("\x7f\xff\xff\xff", 4, &r, &consumed, &error), -2);
}

/* Two packets back to back, fed one byte at a time: 0 until each is whole. */
static void test_parse_bytewise(void)
{
	unsigned char pkt[128];
	size_t n = make_packet(pkt, SMFIR_ADDHEADER, "X-Test\0yes\0", 11);
	size_t total = n + make_packet(pkt + n, SMFIR_ACCEPT, "", 0);
	size_t start = 0, replies = 0;
	struct milter_reply r;
	size_t consumed;
	const char *error;

	for (size_t have = 1; have <= total; have++) {
		int ret = parse(pkt + start, have - start, &r, &consumed, &error);

		if (have == n || have == total) {
			test_assert_int(ret, 1);
			test_assert_int(consumed, have - start);
			start = have;
			replies++;
		} else {
			test_assert_int(ret, 0);
		}
	}
	test_assert_int(replies, 2);
	test_assert_int(r.code, SMFIR_ACCEPT);
}

static void test_final_codes(void)
{
	test_assert(milter_reply_is_final(SMFIR_CONTINUE));
	test_assert(milter_reply_is_final(SMFIR_REPLYCODE));
	test_assert(milter_reply_is_final(SMFIR_DISCARD));
	test_assert(!milter_reply_is_final(SMFIR_ADDHEADER));
	test_assert(!milter_reply_is_final(SMFIR_REPLBODY));
	test_assert(!milter_reply_is_final(SMFIR_PROGRESS));
	test_assert(!milter_reply_is_final('\0'));
}

int main(void)
{
	test_run("encode_commands", test_encode_commands);
	test_run("parse_replies", test_parse_replies);
	test_run("parse_optneg_and_negotiate", test_parse_optneg_and_negotiate);
	test_run("parse_bad", test_parse_bad);
	test_run("parse_bytewise", test_parse_bytewise);
	test_run("final_codes", test_final_codes);
	return test_end();
}
