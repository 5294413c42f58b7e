/*
 * ctl-output.c — petrelctl's table and JSON printer (see ctl-output.h).
 *
 * Each cell is rendered twice when it is added: the text people see and the
 * JSON value, so printing only lays them out.
 */
#include "ctl-output.h"

#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctl_cell {
	char *human;
	char *json;
};

struct ctl_table {
	const struct ctl_column *columns;
	size_t column_count;
	struct ctl_cell *cells;    /* row after row */
	size_t row_count;
};

struct ctl_table *ctl_table_new(const struct ctl_column *columns, size_t column_count)
{
	struct ctl_table *table = xcalloc(1, sizeof(*table));

	table->columns = columns;
	table->column_count = column_count;
	return table;
}

void ctl_table_free(struct ctl_table **table)
{
	struct ctl_table *t = *table;

	if (t == NULL)
		return;
	for (size_t i = 0; i < t->row_count * t->column_count; i++) {
		free(t->cells[i].human);
		free(t->cells[i].json);
	}
	free(t->cells);
	free(t);
	*table = NULL;
}

/* A JSON string literal for text. */
static char *ctl_json_quote(const char *text)
{
	char *out = xmalloc(strlen(text) * 6 + 3), *p = out;

	*p++ = '"';
	for (const unsigned char *s = (const unsigned char *)text; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			*p++ = '\\';
			*p++ = *s;
		} else if (*s == '\n') {
			p += sprintf(p, "\\n");
		} else if (*s == '\t') {
			p += sprintf(p, "\\t");
		} else if (*s < 0x20 || *s == 0x7f) {
			p += sprintf(p, "\\u%04x", *s);
		} else {
			*p++ = *s;
		}
	}
	*p++ = '"';
	*p = '\0';
	return out;
}

void ctl_text_sanitize(char *text)
{
	for (char *p = text; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
}

/* Text for a terminal: control characters would break the layout. */
static char *ctl_human_text(const char *text)
{
	char *out = xstrdup(text);

	ctl_text_sanitize(out);
	return out;
}

void ctl_format_size(long long bytes, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	long long unit = 1;
	int i = -1;

	while (i < 3 && bytes >= unit * 1024) {
		unit *= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, size, "%lld", bytes);
	else if (bytes % unit == 0)
		snprintf(buf, size, "%lld%c", bytes / unit, units[i]);
	else
		snprintf(buf, size, "%.1f%c", (double)bytes / unit, units[i]);
}

static void ctl_cell_set(struct ctl_cell *cell, const struct ctl_column *column, va_list *ap)
{
	char buf[64];

	if (column->type == CTL_CELL_TEXT || column->type == CTL_CELL_JSON) {
		const char *text = va_arg(*ap, const char *);

		cell->human = ctl_human_text(text != NULL ? text : "-");
		cell->json = text == NULL ? xstrdup("null") :
			column->type == CTL_CELL_JSON ? xstrdup(text) : ctl_json_quote(text);
	} else if (column->type == CTL_CELL_BOOL) {
		int value = va_arg(*ap, int);

		cell->human = xstrdup(value ? "yes" : "no");
		cell->json = xstrdup(value ? "true" : "false");
	} else {
		long long value = va_arg(*ap, long long);

		if (value == 0 && column->zero_text != NULL)
			snprintf(buf, sizeof(buf), "%s", column->zero_text);
		else if (column->type == CTL_CELL_SIZE)
			ctl_format_size(value, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "%lld", value);
		cell->human = xstrdup(buf);
		cell->json = xasprintf("%lld", value);
	}
}

void ctl_table_add(struct ctl_table *table, ...)
{
	struct ctl_cell *row;
	va_list ap;

	table->cells = xrealloc(table->cells, (table->row_count + 1) * table->column_count *
				sizeof(*table->cells));
	row = &table->cells[table->row_count * table->column_count];
	va_start(ap, table);
	for (size_t i = 0; i < table->column_count; i++)
		ctl_cell_set(&row[i], &table->columns[i], &ap);
	va_end(ap);
	table->row_count++;
}

/* Characters on screen: UTF-8 continuation bytes take no column. */
static size_t ctl_text_width(const char *text)
{
	size_t width = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
		width += (*p & 0xc0) != 0x80;
	return width;
}

/* One line of the table; padding is written only before more text, so
   lines carry no trailing blanks. */
static void ctl_print_row(const struct ctl_table *table, const char *const *texts,
			  const size_t *widths)
{
	size_t pending = 0;

	for (size_t i = 0; i < table->column_count; i++) {
		const struct ctl_column *column = &table->columns[i];
		bool right = column->type == CTL_CELL_NUMBER || column->type == CTL_CELL_SIZE;
		size_t pad;

		if (column->header == NULL)
			continue;
		pad = widths[i] - ctl_text_width(texts[i]);
		if (right)
			pending += pad;
		if (texts[i][0] != '\0') {
			printf("%*s%s", (int)pending, "", texts[i]);
			pending = 0;
		}
		if (!right)
			pending += pad;
		pending += 2;
	}
	putchar('\n');
}

static void ctl_table_print_human(const struct ctl_table *table)
{
	size_t *widths = xcalloc(table->column_count, sizeof(*widths));
	const char **texts = xcalloc(table->column_count, sizeof(*texts));

	for (size_t i = 0; i < table->column_count; i++) {
		const char *header = table->columns[i].header;

		widths[i] = header != NULL ? ctl_text_width(header) : 0;
		for (size_t row = 0; row < table->row_count; row++) {
			size_t width = ctl_text_width(table->cells[row * table->column_count + i].human);

			if (width > widths[i])
				widths[i] = width;
		}
		texts[i] = header;
	}
	ctl_print_row(table, texts, widths);
	for (size_t row = 0; row < table->row_count; row++) {
		for (size_t i = 0; i < table->column_count; i++)
			texts[i] = table->cells[row * table->column_count + i].human;
		ctl_print_row(table, texts, widths);
	}
	free(texts);
	free(widths);
}

static void ctl_print_json_object(const struct ctl_table *table, size_t row)
{
	bool first = true;

	putchar('{');
	for (size_t i = 0; i < table->column_count; i++) {
		char *key;

		if (table->columns[i].key == NULL)
			continue;
		key = ctl_json_quote(table->columns[i].key);
		printf("%s%s: %s", first ? "" : ", ", key,
		       table->cells[row * table->column_count + i].json);
		free(key);
		first = false;
	}
	putchar('}');
}

void ctl_table_print(const struct ctl_table *table, bool json, bool single)
{
	if (!json) {
		ctl_table_print_human(table);
	} else if (single && table->row_count > 0) {
		ctl_print_json_object(table, 0);
		putchar('\n');
	} else {
		fputs(table->row_count == 0 ? "[" : "[\n", stdout);
		for (size_t row = 0; row < table->row_count; row++) {
			fputs("  ", stdout);
			ctl_print_json_object(table, row);
			fputs(row + 1 < table->row_count ? ",\n" : "\n", stdout);
		}
		fputs("]\n", stdout);
	}
}

void ctl_print_message(bool json, const char *fmt, ...)
{
	char text[1024], *quoted;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (json) {
		quoted = ctl_json_quote(text);
		printf("{\"ok\": true, \"message\": %s}\n", quoted);
		free(quoted);
	} else {
		printf("%s\n", text);
	}
}
