/*
 * test-message-part.c — the MIME part tree with offsets and IMAP part
 * number lookup (message-part.c): hand-checked offsets for typical
 * structures, malformed MIME, the depth and part limits, and structural
 * invariants for every testdata message and every prefix of it.
 */
#include "message-part.h"

#include "message-parser.h"
#include "strbuf.h"

#include "test-common.h"
#include "test-files.h"

#include <stdlib.h>

#define TESTDATA "testdata"

static struct message_part *parse(const char *msg)
{
	return message_part_parse((const unsigned char *)msg, strlen(msg));
}

/* The part's body as a string (for comparisons). */
static char *body_of(const char *msg, const struct message_part *part)
{
	return strndup(msg + part->body_offset, part->body_end - part->body_offset);
}

static void check_body(const char *msg, const struct message_part *part, const char *expected)
{
	char *body;

	test_assert(part != NULL);
	if (part == NULL)
		return;
	body = body_of(msg, part);
	test_assert_str(body, expected);
	free(body);
}

/* Offsets nest and stay in bounds; kinds match the children. Returns the
   number of parts. */
static unsigned int check_tree(const struct message_part *part, size_t size)
{
	unsigned int count = 1, children = 0;

	test_assert(part->header_offset <= part->body_offset);
	test_assert(part->body_offset <= part->body_end && part->body_end <= size);
	test_assert(part->type != NULL && part->subtype != NULL);
	for (const struct message_part *c = part->children; c != NULL; c = c->next) {
		test_assert(c->parent == part);
		test_assert(c->header_offset >= part->body_offset && c->body_end <= part->body_end);
		if (c->next != NULL)
			test_assert(c->body_end <= c->next->header_offset);
		count += check_tree(c, size);
		children++;
	}
	test_assert_int(children, part->child_count);
	if (part->kind == MESSAGE_PART_LEAF)
		test_assert(children == 0);
	if (part->kind == MESSAGE_PART_MESSAGE) {
		test_assert(children == 1);
		test_assert(part->children->header_offset == part->body_offset &&
			    part->children->body_end == part->body_end);
	}
	return count;
}

static const char alternative[] =
	"From: a@example.com\r\n"
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
	"\r\n"
	"preamble\r\n"
	"--outer\r\n"
	"Content-Type: multipart/alternative; boundary=inner\r\n"
	"\r\n"
	"--inner\r\n"
	"Content-Type: TEXT/Plain; charset=UTF-8\r\n"
	"Content-Transfer-Encoding: Quoted-Printable\r\n"
	"\r\n"
	"caf=C3=A9\r\n"
	"--inner\r\n"
	"Content-Type: text/html; charset=\"iso-8859-1\"\r\n"
	"\r\n"
	"<p>hi</p>\r\n"
	"--inner--\r\n"
	"\r\n"
	"--outer\r\n"
	"Content-Type: image/png; name=x.png\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"Content-Disposition: attachment\r\n"
	"\r\n"
	"iVBORw0KGgo=\r\n"
	"--outer--\r\n"
	"epilogue\r\n";

static void test_alternative(void)
{
	struct message_part *root = parse(alternative);
	const struct message_part *alt, *p;

	test_assert_int(check_tree(root, strlen(alternative)), 5);
	test_assert_int(root->kind, MESSAGE_PART_MULTIPART);
	test_assert_str(root->type, "multipart");
	test_assert_str(root->subtype, "mixed");
	test_assert_int(root->header_offset, 0);
	test_assert_int(root->body_offset, strstr(alternative, "preamble") - alternative);
	test_assert_int(root->body_end, strlen(alternative));
	test_assert_int(root->child_count, 2);
	alt = message_part_lookup(root, "1");
	test_assert(alt != NULL && alt->kind == MESSAGE_PART_MULTIPART);
	test_assert_str(alt->subtype, "alternative");
	check_body(alternative, alt, "--inner\r\nContent-Type: TEXT/Plain; charset=UTF-8\r\n"
		   "Content-Transfer-Encoding: Quoted-Printable\r\n\r\ncaf=C3=A9\r\n"
		   "--inner\r\nContent-Type: text/html; charset=\"iso-8859-1\"\r\n\r\n"
		   "<p>hi</p>\r\n--inner--\r\n");
	p = message_part_lookup(root, "1.1");
	check_body(alternative, p, "caf=C3=A9");
	test_assert_str(p->type, "text");
	test_assert_str(p->subtype, "plain");
	test_assert_str(p->charset, "UTF-8");
	test_assert_str(p->encoding, "quoted-printable");
	test_assert_int(p->header_offset, strstr(alternative, "Content-Type: TEXT") - alternative);
	p = message_part_lookup(root, "1.2");
	check_body(alternative, p, "<p>hi</p>");
	test_assert_str(p->charset, "iso-8859-1");
	test_assert(p->encoding == NULL);
	p = message_part_lookup(root, "2");
	check_body(alternative, p, "iVBORw0KGgo=");
	test_assert_str(p->type, "image");
	test_assert_str(p->encoding, "base64");
	test_assert(p->charset == NULL);
	test_assert(message_part_lookup(root, "") == root);
	test_assert(message_part_lookup(root, "3") == NULL);
	test_assert(message_part_lookup(root, "1.3") == NULL);
	test_assert(message_part_lookup(root, "1.1.1") == NULL);
	test_assert(message_part_lookup(root, "2.1") == NULL);
	test_assert(message_part_lookup(root, "4294967295") == NULL);
	test_assert(message_part_lookup(root, "4294967296") == NULL);
	test_assert(message_part_lookup(root, "0") == NULL);
	test_assert(message_part_lookup(root, "01") == NULL);
	test_assert(message_part_lookup(root, "1.") == NULL);
	test_assert(message_part_lookup(root, ".1") == NULL);
	test_assert(message_part_lookup(root, "1..1") == NULL);
	test_assert(message_part_lookup(root, "1.0") == NULL);
	test_assert(message_part_lookup(root, "1a") == NULL);
	message_part_free(&root);
	test_assert(root == NULL);
	message_part_free(&root);
}

/* testdata/nested-rfc822.eml: sizes as in its .bodystructure golden file */
static void test_nested_rfc822(void)
{
	size_t size;
	char *msg = test_read_file(TESTDATA "/nested-rfc822.eml", &size);
	struct message_part *root;
	const struct message_part *p, *inner;

	test_assert(msg != NULL);
	if (msg == NULL)
		return;
	root = message_part_parse((const unsigned char *)msg, size);
	test_assert_int(check_tree(root, size), 6);
	p = message_part_lookup(root, "1");
	test_assert_int(p->body_end - p->body_offset, 34);
	p = message_part_lookup(root, "2");
	test_assert(p->kind == MESSAGE_PART_MESSAGE);
	test_assert_str(p->type, "message");
	test_assert_str(p->subtype, "rfc822");
	test_assert_int(p->body_end - p->body_offset, 450);
	inner = p->children;
	test_assert(inner->kind == MESSAGE_PART_MULTIPART);
	test_assert(strncmp(msg + inner->header_offset, "Date: Wed", 9) == 0);
	test_assert(strncmp(msg + inner->body_offset, "--inner\r\n", 9) == 0);
	test_assert(message_part_lookup(root, "2.1") == inner->children);
	check_body(msg, message_part_lookup(root, "2.1"), "Build #123 failed.\r\n");
	check_body(msg, message_part_lookup(root, "2.2"), "<b>Build #123 failed.</b>\r\n");
	test_assert_int(message_part_lookup(root, "2.2")->body_end -
			message_part_lookup(root, "2.2")->body_offset, 27);
	test_assert(message_part_lookup(root, "2.3") == NULL);
	test_assert(message_part_lookup(root, "2.1.1") == NULL);
	message_part_free(&root);
	free(msg);
}

static void test_single_part(void)
{
	static const char msg[] = "Subject: x\r\n\r\nbody\r\n";
	static const char fwd[] = "Content-Type: message/rfc822\r\n\r\n"
		"Subject: inner\r\n\r\ninner body\r\n";
	static const char encoded[] = "Content-Type: message/rfc822\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogeA0KDQp5DQo=\r\n";
	struct message_part *root = parse(msg);

	test_assert(root->kind == MESSAGE_PART_LEAF && root->child_count == 0);
	test_assert_str(root->type, "text");
	test_assert_str(root->subtype, "plain");
	test_assert(message_part_lookup(root, "1") == root);
	test_assert(message_part_lookup(root, "2") == NULL);
	test_assert(message_part_lookup(root, "1.1") == NULL);
	check_body(msg, root, "body\r\n");
	message_part_free(&root);

	root = parse(fwd);
	test_assert_int(check_tree(root, strlen(fwd)), 2);
	test_assert(message_part_lookup(root, "1") == root);
	test_assert(message_part_lookup(root, "1.1") == root->children);
	test_assert(message_part_lookup(root, "1.2") == NULL);
	check_body(fwd, root->children, "inner body\r\n");
	message_part_free(&root);

	/* an encoded message/rfc822 is not opened (RFC 2046 5.2.1) */
	root = parse(encoded);
	test_assert(root->kind == MESSAGE_PART_LEAF);
	test_assert(message_part_lookup(root, "1.1") == NULL);
	message_part_free(&root);

	root = message_part_parse(NULL, 0);
	test_assert(root->body_end == 0 && root->kind == MESSAGE_PART_LEAF);
	message_part_free(&root);
}

static void test_malformed(void)
{
	static const char unclosed[] = "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		"--b\r\n\r\none\r\n--b\r\nContent-Type: text/html\r\n\r\ntwo, never closed\r\n";
	static const char no_boundary[] = "Content-Type: multipart/mixed\r\n\r\n--b\r\n\r\nx\r\n";
	static const char no_parts[] = "Content-Type: multipart/mixed; boundary=b\r\n\r\nnone\r\n";
	static const char digest[] = "Content-Type: multipart/digest; boundary=d\r\n\r\n"
		"--d\r\n\r\nSubject: one\r\n\r\n1\r\n--d\r\nContent-Type: text/plain\r\n\r\n2\r\n--d--\r\n";
	static const char bad_type[] = "Content-Type: text\r\n\r\nx";
	struct message_part *root = parse(unclosed);

	test_assert_int(root->child_count, 2);
	check_body(unclosed, message_part_lookup(root, "1"), "one");
	check_body(unclosed, message_part_lookup(root, "2"), "two, never closed\r\n");
	message_part_free(&root);

	root = parse(no_boundary);
	test_assert(root->kind == MESSAGE_PART_MULTIPART && root->child_count == 0);
	test_assert(message_part_lookup(root, "1") == NULL);
	message_part_free(&root);
	root = parse(no_parts);
	test_assert(root->kind == MESSAGE_PART_MULTIPART && root->child_count == 0);
	message_part_free(&root);

	root = parse(digest);
	test_assert_int(check_tree(root, strlen(digest)), 4);
	test_assert(message_part_lookup(root, "1")->kind == MESSAGE_PART_MESSAGE);
	test_assert_str(message_part_lookup(root, "1")->type, "message");
	check_body(digest, message_part_lookup(root, "1.1"), "1");
	test_assert(message_part_lookup(root, "2")->kind == MESSAGE_PART_LEAF);
	message_part_free(&root);

	root = parse(bad_type);
	test_assert_str(root->type, "text");
	test_assert_str(root->subtype, "plain");
	message_part_free(&root);
}

static void test_bare_lf(void)
{
	static const char msg[] = "Content-Type: multipart/mixed; boundary=b\n\n"
		"--b\nContent-Type: text/plain\n\nfirst\n\n--b\n\nsecond\n--b--\n";
	struct message_part *root = parse(msg);

	test_assert_int(check_tree(root, strlen(msg)), 3);
	check_body(msg, message_part_lookup(root, "1"), "first\n");
	check_body(msg, message_part_lookup(root, "2"), "second");
	test_assert_int(message_part_lookup(root, "1")->header_offset,
			strstr(msg, "Content-Type: text") - msg);
	message_part_free(&root);
}

/* Nesting beyond MESSAGE_MAX_DEPTH ends in an opaque leaf; a path through
   all levels finds the deepest part the tree has. */
static void test_limits(void)
{
	struct strbuf msg = STRBUF_INIT, path = STRBUF_INIT;
	struct message_part *root;
	const struct message_part *p;
	unsigned int depth = 0;

	for (int i = 0; i < 2 * MESSAGE_MAX_DEPTH; i++)
		strbuf_printf(&msg, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n",
			      i, i);
	strbuf_append(&msg, "\r\ndeep\r\n");
	root = message_part_parse((const unsigned char *)msg.data, msg.len);
	check_tree(root, msg.len);
	for (p = root; p->children != NULL; p = p->children)
		depth++;
	test_assert_int(depth, MESSAGE_MAX_DEPTH);
	test_assert(p->kind == MESSAGE_PART_LEAF);
	test_assert_str(p->type, "multipart");
	for (unsigned int i = 0; i < depth; i++)
		strbuf_append(&path, i == 0 ? "1" : ".1");
	test_assert(message_part_lookup(root, path.data) == p);
	strbuf_append(&path, ".1");
	test_assert(message_part_lookup(root, path.data) == NULL);
	message_part_free(&root);

	strbuf_truncate(&msg, 0);
	strbuf_append(&msg, "Content-Type: multipart/mixed; boundary=x\r\n\r\n");
	for (int i = 0; i < MESSAGE_MAX_PARTS + 100; i++)
		strbuf_append(&msg, "--x\r\n\r\npart\r\n");
	strbuf_append(&msg, "--x--\r\n");
	root = message_part_parse((const unsigned char *)msg.data, msg.len);
	test_assert_int(check_tree(root, msg.len), MESSAGE_MAX_PARTS);
	test_assert_int(root->child_count, MESSAGE_MAX_PARTS - 1);
	test_assert(message_part_lookup(root, "4999") != NULL);
	test_assert(message_part_lookup(root, "5000") == NULL);
	message_part_free(&root);
	strbuf_free(&msg);
	strbuf_free(&path);
}

/* Every testdata message, and every prefix of it, gives a sound tree. */
static void check_prefixes(const char *name, char *data, size_t size)
{
	for (size_t n = 0; n <= size; n++) {
		unsigned char *copy = malloc(n + 1);
		struct message_part *root;

		memcpy(copy, data, n);
		root = message_part_parse(copy, n);
		check_tree(root, n);
		message_part_free(&root);
		free(copy);
	}
}

static void test_testdata_prefixes(void)
{
	test_assert(test_foreach_file(TESTDATA, ".eml", check_prefixes) >= 15);
}

int main(void)
{
	test_run("multipart/alternative with attachment", test_alternative);
	test_run("nested message/rfc822", test_nested_rfc822);
	test_run("single part and message/rfc822 roots", test_single_part);
	test_run("malformed MIME", test_malformed);
	test_run("bare LF", test_bare_lf);
	test_run("depth and part limits", test_limits);
	test_run("testdata prefixes", test_testdata_prefixes);
	return test_end();
}
