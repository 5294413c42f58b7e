/*
 * smtp-data.h — the DATA phase decoder: dot-unstuffing and end-of-data
 * detection (RFC 5321 4.5.2), as a pure incremental state machine.
 *
 * Only <CRLF>.<CRLF> ends the data (a bare LF before or after the dot does
 * not: that is the SMTP smuggling defence). A line that starts with a dot
 * after CRLF loses that dot. Input can arrive in pieces of any size, even one
 * byte at a time; the output is the message exactly as it will be stored,
 * including the CRLF that precedes the final dot.
 */
#ifndef SMTP_DATA_H
#define SMTP_DATA_H

#include <stddef.h>

struct smtp_data_decoder {
	int state;       /* private */
};

void smtp_data_decoder_init(struct smtp_data_decoder *dec);

/*
 * Consume up to in_len bytes. Decoded bytes are written to out (which must
 * hold at least in_len + 2 bytes) and counted in *out_len_r; *consumed_r is
 * how many input bytes were used. Returns 1 when the terminating "." line
 * was consumed (bytes after it, e.g. a pipelined QUIT, are left unconsumed),
 * 0 when all input was consumed and more is needed.
 */
int smtp_data_decode(struct smtp_data_decoder *dec, const unsigned char *in, size_t in_len,
		     unsigned char *out, size_t *out_len_r, size_t *consumed_r);

#endif
