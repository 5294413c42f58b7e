/* Unit tests for idmap.c: insert, lookup, removal with backward shift. */
#include "test-common.h"
#include "idmap.h"

#include <stdint.h>

static void test_idmap_basic(void)
{
	struct idmap *map = idmap_new();
	int a, b;

	idmap_put(map, 1, &a);
	idmap_put(map, 2, &b);
	test_assert(idmap_get(map, 1) == &a);
	test_assert(idmap_get(map, 2) == &b);
	test_assert(idmap_get(map, 3) == NULL);
	idmap_remove(map, 1);
	test_assert(idmap_get(map, 1) == NULL);
	test_assert(idmap_get(map, 2) == &b);
	test_assert_int(idmap_count(map), 1);
	idmap_free(&map);
	test_assert(map == NULL);
}

static void test_idmap_churn(void)
{
	struct idmap *map = idmap_new();
	static int values[20000];
	int bad = 0;

	for (uint64_t i = 1; i <= 20000; i++)
		idmap_put(map, i * 7919, &values[i - 1]);
	/* remove every other entry, then check all the rest are still found */
	for (uint64_t i = 1; i <= 20000; i += 2)
		idmap_remove(map, i * 7919);
	for (uint64_t i = 1; i <= 20000; i++) {
		void *want = (i % 2 == 1) ? NULL : &values[i - 1];

		if (idmap_get(map, i * 7919) != want)
			bad++;
	}
	test_assert_int(bad, 0);
	test_assert_int(idmap_count(map), 10000);
	idmap_free(&map);
}

int main(void)
{
	test_run("idmap_basic", test_idmap_basic);
	test_run("idmap_churn", test_idmap_churn);
	return test_end();
}
