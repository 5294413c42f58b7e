/*
 * ctl-output.h — how petrelctl prints results: aligned tables for people,
 * JSON for scripts, from one description of the columns.
 *
 * A table is filled row by row and printed once, because column widths
 * depend on every row. In JSON a table is an array of objects (or one
 * object), each column one member.
 */
#ifndef CTL_OUTPUT_H
#define CTL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

/* What a cell holds, and so which argument ctl_table_add() takes for it. */
enum ctl_cell_type {
	CTL_CELL_TEXT,     /* const char *, NULL = null / "-" */
	CTL_CELL_NUMBER,   /* long long */
	CTL_CELL_SIZE,     /* long long bytes; people see 512K, 30M, 1.5G */
	CTL_CELL_BOOL,     /* int: JSON true/false, people see yes/no */
	CTL_CELL_JSON,     /* const char * holding JSON text, printed as is */
};

struct ctl_column {
	const char *header;       /* table heading; NULL: the column is JSON only */
	const char *key;          /* JSON member name; NULL: the column is for people only */
	enum ctl_cell_type type;
	const char *zero_text;    /* what people see for a number 0 ("unlimited"); NULL = 0 */
};

struct ctl_table;

struct ctl_table *ctl_table_new(const struct ctl_column *columns, size_t column_count);
/* ctl_table_new() for a static array of columns. */
#define CTL_TABLE_NEW(columns) ctl_table_new(columns, sizeof(columns) / sizeof((columns)[0]))
void ctl_table_free(struct ctl_table **table);
/* One row: one argument per column, typed as enum ctl_cell_type says. */
void ctl_table_add(struct ctl_table *table, ...);
/* Print the table on stdout: as JSON when json (an array, or only the
   first row as an object when single), else aligned with a header line. */
void ctl_table_print(const struct ctl_table *table, bool json, bool single);

/* A one-line confirmation: the text for people, {"ok": true, "message":
   ...} for scripts. */
void ctl_print_message(bool json, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Replace control characters with '?' in place, so text stays on its line. */
void ctl_text_sanitize(char *text);

/* Bytes as people write them: 0, 1023, 512K, 30M, 1.5G. */
void ctl_format_size(long long bytes, char *buf, size_t size);

#endif
