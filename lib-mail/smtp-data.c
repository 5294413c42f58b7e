/*
 * smtp-data.c — the DATA phase decoder (see smtp-data.h): a byte-at-a-time
 * state machine, so the result never depends on how the input was split.
 *
 * States remember exactly what was seen since the last CRLF: nothing (line
 * start), a leading dot (held back, it may be stuffing or the terminator),
 * dot + CR (held back too), text, or text ending in CR.
 */
#include "smtp-data.h"

enum smtp_data_state {
	SMTP_DATA_LINE_START = 0,   /* after CRLF, or at the very start */
	SMTP_DATA_TEXT,             /* inside a line */
	SMTP_DATA_CR,               /* inside a line, just after a CR */
	SMTP_DATA_DOT,              /* line start + "." (not written yet) */
	SMTP_DATA_DOT_CR,           /* line start + ".\r" (neither written yet) */
	SMTP_DATA_DONE,             /* the terminating line was consumed */
};

void smtp_data_decoder_init(struct smtp_data_decoder *dec)
{
	dec->state = SMTP_DATA_LINE_START;
}

/* A byte inside a line: text, or a CR that may begin the line's end. */
static int smtp_data_text_byte(unsigned char c, unsigned char *out, size_t *n)
{
	out[(*n)++] = c;
	return c == '\r' ? SMTP_DATA_CR : SMTP_DATA_TEXT;
}

int smtp_data_decode(struct smtp_data_decoder *dec, const unsigned char *in, size_t in_len,
		     unsigned char *out, size_t *out_len_r, size_t *consumed_r)
{
	int state = dec->state;
	size_t i, n = 0;

	for (i = 0; i < in_len && state != SMTP_DATA_DONE; i++) {
		unsigned char c = in[i];

		switch (state) {
		case SMTP_DATA_LINE_START:
			if (c == '.')
				state = SMTP_DATA_DOT;
			else
				state = smtp_data_text_byte(c, out, &n);
			break;
		case SMTP_DATA_TEXT:
			state = smtp_data_text_byte(c, out, &n);
			break;
		case SMTP_DATA_CR:
			out[n++] = c;
			if (c == '\n')
				state = SMTP_DATA_LINE_START;
			else if (c != '\r')
				state = SMTP_DATA_TEXT;
			break;
		case SMTP_DATA_DOT:
			/* the line is longer than ".": the dot was stuffing */
			if (c == '\r')
				state = SMTP_DATA_DOT_CR;
			else
				state = smtp_data_text_byte(c, out, &n);
			break;
		case SMTP_DATA_DOT_CR:
			if (c == '\n') {
				state = SMTP_DATA_DONE;
				break;
			}
			/* ".\r" + something else: stuffed dot, CR is text */
			out[n++] = '\r';
			state = smtp_data_text_byte(c, out, &n);
			break;
		}
	}
	dec->state = state;
	*out_len_r = n;
	*consumed_r = i;
	return state == SMTP_DATA_DONE ? 1 : 0;
}
