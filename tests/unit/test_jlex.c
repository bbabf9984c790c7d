/* Unit tests for the JSON lexical core (tl_jlex) and the readers built on it: the validator, the
 * document tokenizer and schema inference give one verdict on every text; the tokenizer, the
 * field scanner and schema keys decode strings alike; base64 has one encoder. */
#include "t.h"
#include "tl_buf.h"
#include "tl_jdoc.h"
#include "tl_jlex.h"
#include "tl_jscan.h"
#include "tl_json.h"
#include "tl_schema.h"
#include "tl_str.h"

#include <string.h>

static const char *const values[] = {
	/* good */
	"0", "-0", "-12.5e+3", "1E9", "18446744073709551616", "true", "false", "null", "\"\"",
	"\"plain\"", "\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\"\\u00e9\\ud83d\\ude00\"",
	"\"lone \\ud83d and \\ude00\"", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", "[]", "{}",
	"[1, [2, [3]], {\"a\": {\"b\": []}}]", " { \"k\" : \"v\" , \"n\" : [ true , null ] } ",
	"\"a long string of plain bytes, longer than sixteen and thirty-two, to cross the fast path\"",
	/* bad */
	"", " ", "01", "1.", "-", "+1", ".5", "1e", "1e+", "tru", "nul", "falsey", "\"unterminated",
	"\"bad \\x escape\"", "\"bad \\u12G4\"", "\"short \\u12\"", "\"ctl \x01\"", "\"\xc3\x28\"",
	"\"\xed\xa0\x80\"", "\"\xc0\xaf\"", "\"\xf4\x90\x80\x80\"", "[1,]", "[1 2]", "{\"a\":}",
	"{\"a\" 1}", "{,}", "{\"a\":1,}", "{1:2}", "[1]]", "{\"a\":1} x", "\"a long string of plain bytes with a control \x1f byte after sixteen\"",
};

/* The same text under the three checking readers: one verdict, the same reason where two say why. */
static void one_verdict(void)
{
	struct tl_jdoc d = { 0 };
	struct tl_buf obj = TL_BUF_INIT;
	for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
		const char *v = values[i], *w1 = NULL, *w2 = NULL, *w3 = NULL;
		size_t p1 = 0, p2 = 0;
		int a = tl_json_validate(v, strlen(v), &w1, &p1);
		int b = tl_jdoc_parse(&d, v, strlen(v), &w2, &p2);
		/* the tape at the checker's nesting: the same verdict and reason */
		const char *w4 = NULL;
		size_t p4 = 0;
		int e = tl_jdoc_parse_depth(&d, v, strlen(v), TL_JDOC_CHECK_MAX_DEPTH, &w4, &p4);
		T_CHECK(e == a && (a == 0 || (w4 && w1 && strcmp(w1, w4) == 0 && p1 == p4)));
		tl_buf_reset(&obj);
		tl_buf_addf(&obj, "{\"k\":%s}", v);
		struct tl_schema_infer in;
		tl_schema_infer_init(&in, 0);
		int c = tl_schema_infer_record(&in, obj.data, obj.len, &w3, NULL);
		tl_schema_infer_release(&in);
		if (a != b || a != c || (a < 0 && (strcmp(w1, w2) != 0 || p1 != p2)))
			printf("#   [%zu] '%s': validate %d (%s at %zu), jdoc %d (%s at %zu), schema %d (%s)\n",
			       i, v, a, w1 ? w1 : "", p1, b, w2 ? w2 : "", p2, c, w3 ? w3 : "");
		T_CHECK(a == b && a == c);
		T_CHECK(a == 0 || (w1 && w2 && strcmp(w1, w2) == 0 && p1 == p2));
	}
	tl_jdoc_free(&d);
	tl_buf_release(&obj);
}

/* Strings decode alike through the tokenizer, the field scanner and a schema key. */
static void one_decoding(void)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ "\"a\\u00e9b\"", "a\xc3\xa9" "b" },
		{ "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },
		{ "\"lone \\ud83d x\"", "lone \xef\xbf\xbd x" },
		{ "\"\\ude00\"", "\xef\xbf\xbd" },
		{ "\"\\ud83d\\u0041\"", "\xef\xbf\xbd" "A" },
		{ "\"q\\\" b\\\\ s\\/ n\\n t\\t\"", "q\" b\\ s/ n\n t\t" },
	};
	struct tl_jdoc d = { 0 };
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *j = cases[i].json;
		T_EQ_INT(tl_jdoc_parse(&d, j, strlen(j), NULL, NULL), 0);
		char *a = tl_jdoc_strdup(&d, 0);
		T_EQ_STR(a, cases[i].want);
		free(a);
		struct tl_jslice sl = { TL_J_STRING, j, strlen(j) };
		struct tl_buf b = TL_BUF_INIT;
		T_EQ_INT(tl_jscan_unescape(&sl, &b), 0);
		T_EQ_STR(b.data, cases[i].want);
		tl_buf_release(&b);
		/* a key written with escapes is found by its decoded text */
		struct tl_buf doc = TL_BUF_INIT;
		tl_buf_addf(&doc, "{%s:1}", j);
		struct tl_jslice out;
		const char *key = cases[i].want;
		size_t kl = strlen(key);
		T_EQ_INT(tl_jscan_fields(doc.data, doc.len, &key, &kl, 1, false, &out), 1);
		long tok;
		T_EQ_INT(tl_jdoc_parse(&d, doc.data, doc.len, NULL, NULL), 0);
		T_EQ_INT(tl_jdoc_fields(&d, 0, &key, &kl, 1, &tok), 1);
		T_EQ_INT(tok, 2);
		struct tl_schema_infer in;
		tl_schema_infer_init(&in, 0);
		T_EQ_INT(tl_schema_infer_record(&in, doc.data, doc.len, NULL, NULL), 0);
		T_CHECK(in.root->nfields == 1 && strcmp(in.root->fields[0].name, key) == 0);
		tl_schema_infer_release(&in);
		tl_buf_release(&doc);
	}
	tl_jdoc_free(&d);
}

/* Nesting past the tape's default up to the checker's: tl_jdoc_parse_depth takes what
 * tl_json_validate takes, and refuses what it refuses at the same byte. */
static void deep(void)
{
	struct tl_jdoc d = { 0 };
	struct tl_buf b = TL_BUF_INIT;
	for (int depth = 250; depth <= 520; depth += 10) {
		tl_buf_reset(&b);
		for (int i = 0; i < depth; i++)
			tl_buf_addc(&b, '[');
		for (int i = 0; i < depth; i++)
			tl_buf_addc(&b, ']');
		const char *w1 = NULL, *w2 = NULL;
		size_t p1 = 0, p2 = 0;
		int a = tl_json_validate(b.data, b.len, &w1, &p1);
		int c = tl_jdoc_parse_depth(&d, b.data, b.len, TL_JDOC_CHECK_MAX_DEPTH, &w2, &p2);
		T_CHECK(a == c && (a == 0 || (strcmp(w1, w2) == 0 && p1 == p2)));
		T_CHECK(a == (depth <= TL_JDOC_CHECK_MAX_DEPTH ? 0 : -1));
		if (c == 0)
			T_CHECK(d.t[0].next == d.n && d.t[0].end == b.len);
	}
	tl_jdoc_free(&d);
	tl_buf_release(&b);
}

/* Member lookup on the tape finds what the field scanner finds over the text: the first
 * occurrence, keys written with escapes by their decoded text, nothing inside nested values. */
static void fields_alike(void)
{
	static const char *const docs[] = {
		"{\"a\":1,\"b\":[1,{\"c\":2}],\"c\":\"x\",\"a\":3}",
		" { \"b\" : { \"a\" : 1 } , \"\\u0061\" : true , \"d\":null } ",
		"{\"x\":{},\"y\":[]}", "{}", "[1]", "\"a\"",
	};
	static const char *const keys[] = { "a", "b", "c", "d" };
	static const size_t kl[] = { 1, 1, 1, 1 };
	struct tl_jdoc d = { 0 };
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
		const char *s = docs[i];
		struct tl_jslice sl[4];
		long tok[4];
		T_EQ_INT(tl_jdoc_parse(&d, s, strlen(s), NULL, NULL), 0);
		int a = tl_jscan_fields(s, strlen(s), keys, kl, 4, false, sl);
		int b = tl_jdoc_fields(&d, 0, keys, kl, 4, tok);
		T_EQ_INT(a, b);
		for (size_t k = 0; a >= 0 && k < 4; k++) {
			T_CHECK((sl[k].type == TL_J_NONE) == (tok[k] < 0));
			if (tok[k] >= 0)
				T_CHECK(sl[k].p == s + d.t[tok[k]].start && sl[k].len == d.t[tok[k]].end - d.t[tok[k]].start &&
					(int)sl[k].type == d.t[tok[k]].type);
		}
	}
	tl_jdoc_free(&d);
}

static void skipping(void)
{
	static const char *const docs[] = { "\"a\\\"b\" ,", "[1,\"]\",{\"x\":[2]}] ,", "-1.5e3,", "true}" };
	static const size_t want[] = { 6, 17, 6, 4 };
	for (size_t i = 0; i < 4; i++)
		T_EQ_INT(tl_jlex_skip(docs[i], strlen(docs[i])), want[i]);
	T_EQ_INT(tl_jlex_skip("\"open", 5), 0);
	T_EQ_INT(tl_jlex_skip("[1,2", 4), 0);
}

static void base64(void)
{
	/* RFC 4648, section 10 */
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	for (size_t i = 0; i < 7; i++) {
		char o[16];
		*tl_base64_put(o, in[i], strlen(in[i])) = '\0';
		T_EQ_STR(o, out[i]);
		struct tl_buf b = TL_BUF_INIT;
		tl_buf_adds(&b, "x");
		T_EQ_INT(tl_buf_add_base64(&b, in[i], strlen(in[i])), 0);
		T_EQ_STR(b.data + 1, out[i]);
		tl_buf_release(&b);
	}
	char o[8];
	*tl_base64_put(o, "\xff\xfe\x00", 3) = '\0';
	T_EQ_STR(o, "//4A");
}

int main(void)
{
	TEST(one_verdict);
	TEST(one_decoding);
	TEST(deep);
	TEST(fields_alike);
	TEST(skipping);
	TEST(base64);
	return t_done();
}
