/*
 * test-imap-msgmap.c — the sequence number <-> UID map (imap-msgmap.c),
 * checked against a plain array model through random expunges.
 */
#include "imap-msgmap.h"

#include "test-common.h"

#include <stdlib.h>

static void test_lookup(void)
{
	struct imap_msgmap map = IMAP_MSGMAP_INIT;

	test_assert_int(imap_msgmap_uid(&map, 1), 0);
	test_assert_int(imap_msgmap_seq(&map, 1), 0);
	imap_msgmap_append(&map, 1, 3);
	imap_msgmap_append(&map, 4, 4);        /* adjacent: merged */
	imap_msgmap_append(&map, 10, 12);
	test_assert_int(map.count, 2);
	test_assert_int(imap_msgmap_count(&map), 7);
	test_assert_int(imap_msgmap_uid(&map, 5), 10);
	test_assert_int(imap_msgmap_uid(&map, 7), 12);
	test_assert_int(imap_msgmap_uid(&map, 8), 0);
	test_assert_int(imap_msgmap_seq(&map, 11), 6);
	test_assert_int(imap_msgmap_seq(&map, 5), 0);
	test_assert_int(imap_msgmap_max_uid(&map), 12);
	test_assert_int(imap_msgmap_remove(&map, 2), 2);
	test_assert_int(imap_msgmap_remove(&map, 2), 0);
	test_assert_int(imap_msgmap_uid(&map, 2), 3);
	test_assert_int(imap_msgmap_seq(&map, 10), 4);
	imap_msgmap_free(&map);
}

static void test_sets(void)
{
	struct imap_msgmap map = IMAP_MSGMAP_INIT;
	struct imap_seqset seqs = IMAP_SEQSET_INIT, uids = IMAP_SEQSET_INIT;
	struct imap_seqset filtered = IMAP_SEQSET_INIT;
	struct strbuf out = STRBUF_INIT;

	imap_msgmap_append(&map, 1, 5);
	imap_msgmap_append(&map, 8, 9);
	imap_msgmap_append(&map, 20, 20);
	imap_seqset_add_range(&seqs, 2, 7);
	imap_seqset_add_range(&seqs, 8, 100);   /* past the end: clipped */
	imap_msgmap_seqs_to_uids(&map, &seqs, &uids);
	imap_seqset_append(&out, &uids);
	test_assert_str(strbuf_cstr(&out), "2:5,8:9,20");
	imap_msgmap_filter_uids(&map, &uids, &filtered);
	strbuf_truncate(&out, 0);
	imap_seqset_append(&out, &filtered);
	test_assert_str(strbuf_cstr(&out), "2:5,8:9,20");

	imap_seqset_free(&uids);
	imap_seqset_free(&filtered);
	imap_seqset_add_range(&uids, 4, 8);
	imap_seqset_add_range(&uids, 15, 30);
	imap_msgmap_filter_uids(&map, &uids, &filtered);
	strbuf_truncate(&out, 0);
	imap_seqset_append(&out, &filtered);
	test_assert_str(strbuf_cstr(&out), "4:5,8,20");

	strbuf_free(&out);
	imap_seqset_free(&seqs);
	imap_seqset_free(&uids);
	imap_seqset_free(&filtered);
	imap_msgmap_free(&map);
}

static void test_random_model(void)
{
	enum { N = 3000 };
	uint32_t model[N];
	uint32_t n = 0;
	struct imap_msgmap map = IMAP_MSGMAP_INIT;

	srand(7);
	for (uint32_t uid = 1; n < N; uid += 1 + (rand() % 3 == 0)) {
		model[n++] = uid;
		imap_msgmap_append(&map, uid, uid);
	}
	while (n > 0) {
		uint32_t victim = model[rand() % n];
		uint32_t seq = imap_msgmap_remove(&map, victim);

		test_assert(seq >= 1 && seq <= n && model[seq - 1] == victim);
		for (uint32_t i = seq - 1; i + 1 < n; i++)
			model[i] = model[i + 1];
		n--;
		test_assert_int(imap_msgmap_count(&map), n);
		if (n % 97 == 0) {
			for (uint32_t i = 0; i < n; i++) {
				test_assert_int(imap_msgmap_uid(&map, i + 1), model[i]);
				test_assert_int(imap_msgmap_seq(&map, model[i]), i + 1);
			}
		}
	}
	imap_msgmap_free(&map);
}

int main(void)
{
	test_run("lookup", test_lookup);
	test_run("sets", test_sets);
	test_run("random_model", test_random_model);
	return test_end();
}
