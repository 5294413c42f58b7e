/*
 * fuzz-smtp-reply.c — libFuzzer target for SMTP reply and EHLO parsing
 * (smtp-reply.c): replies are taken off the input one after another like
 * the client does; every prefix of a reply must answer "need more" (or
 * the same error), a reply never exceeds the limit, and the EHLO parser
 * runs over each consumed reply.
 */
#include "smtp-reply.h"

#include <stdint.h>
#include <stdlib.h>

#define FUZZ_MAX_REPLY 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reply reply = { 0 };
	struct smtp_ehlo ehlo;
	const char *error;
	size_t pos = 0, consumed;
	int ret;

	while (pos < size) {
		ret = smtp_reply_parse(data + pos, size - pos, FUZZ_MAX_REPLY, &reply, &consumed,
				       &error);
		if (ret != 1)
			break;
		if (consumed == 0 || consumed > FUZZ_MAX_REPLY || consumed > size - pos ||
		    reply.code < 200 || reply.code > 599)
			abort();
		for (size_t n = 0; n < consumed; n++) {
			size_t c2;
			int r2 = smtp_reply_parse(data + pos, n, FUZZ_MAX_REPLY, &reply, &c2, &error);

			if (r2 == 1)
				abort();
		}
		smtp_ehlo_parse(data + pos, consumed, &ehlo);
		pos += consumed;
	}
	smtp_reply_free(&reply);
	return 0;
}
