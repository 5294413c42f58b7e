/*
 * base64.c — base64 digit values (see base64.h).
 */
#include "base64.h"

int base64_digit_value(unsigned char c, const char *last_two)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (unsigned char)last_two[0])
		return 62;
	if (c == (unsigned char)last_two[1])
		return 63;
	return -1;
}
