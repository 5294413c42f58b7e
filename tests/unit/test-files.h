/*
 * test-files.h — reading test data files for unit tests (golden files,
 * sample messages). Include after test-common.h.
 */
#ifndef TEST_FILES_H
#define TEST_FILES_H

#include "test-common.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole file at path (NUL-terminated, malloc'd; *size_r excludes the
   NUL), or NULL when it cannot be read. */
static inline char *test_read_file(const char *path, size_t *size_r)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t size = 0, alloc = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (alloc - size < 4096) {
			alloc = alloc * 2 + 4096;
			data = realloc(data, alloc + 1);
			if (data == NULL)
				abort();
		}
		n = fread(data + size, 1, alloc - size, f);
		size += n;
	} while (n > 0);
	fclose(f);
	data[size] = '\0';
	*size_r = size;
	return data;
}

/* Call fn with the name and contents of every file in dir whose name ends
   in suffix (e.g. the testdata messages). Returns how many files there
   were; a missing directory fails the running case. */
static inline int test_foreach_file(const char *dir, const char *suffix,
				    void (*fn)(const char *name, char *data, size_t size))
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t suffix_len = strlen(suffix);
	int files = 0;

	if (d == NULL) {
		fprintf(stderr, "cannot open %s\n", dir);
		test_failed_checks++;
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name), size;
		char path[1024], *data;

		if (len <= suffix_len || strcmp(e->d_name + len - suffix_len, suffix) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		data = test_read_file(path, &size);
		if (data == NULL) {
			fprintf(stderr, "cannot read %s\n", path);
			test_failed_checks++;
			continue;
		}
		fn(e->d_name, data, size);
		free(data);
		files++;
	}
	closedir(d);
	return files;
}

#endif
