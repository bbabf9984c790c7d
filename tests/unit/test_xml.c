/* Unit tests for tl_xml: S3-shaped documents, lookups, iteration, refusals, escaping. */
#include "t.h"
#include "tl_alloc.h"
#include "tl_log.h"
#include "tl_xml.h"

#include <stdlib.h>

static struct tl_xml_node *parse(const char *s, char **err)
{
	*err = NULL;
	return tl_xml_parse(s, strlen(s), err);
}

static void test_s3_error(void)
{
	char *err;
	struct tl_xml_node *r = parse(
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<Error><Code>NoSuchKey</Code><Message>The resource you requested does not exist"
		"</Message><Resource>/mybucket/a &amp; b.gz</Resource>"
		"<RequestId>4442587FB7D0A2F9</RequestId></Error>", &err);
	T_CHECK(r != NULL);
	T_CHECK(err == NULL);
	T_EQ_STR(r->name, "Error");
	T_EQ_STR(tl_xml_text(r, "Error/Code"), "NoSuchKey");
	T_EQ_STR(tl_xml_text(r, "Error/Resource"), "/mybucket/a & b.gz");
	T_EQ_STR(tl_xml_text(r, "Error/RequestId"), "4442587FB7D0A2F9");
	T_CHECK(tl_xml_text(r, "Error/HostId") == NULL);
	T_CHECK(tl_xml_text(r, "Wrong/Code") == NULL);
	T_CHECK(tl_xml_find(r, "Error") == r);
	T_EQ_STR(tl_xml_child_text(r, "Message"), "The resource you requested does not exist");
	tl_xml_free(r);
}

static void test_list_objects(void)
{
	char *err;
	struct tl_buf doc = TL_BUF_INIT;
	struct tl_xml_node *r;
	const struct tl_xml_node *c;
	int n = 0, ok = 1;

	tl_buf_adds(&doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
		    "<Name>lake</Name><Prefix>t/</Prefix><KeyCount>1000</KeyCount>"
		    "<IsTruncated>true</IsTruncated>");
	for (int i = 0; i < 1000; i++)
		tl_buf_addf(&doc, "\n  <Contents><Key> t/dt=2026-11-25/k%d &lt;x&gt;.json.gz</Key>"
			    "<Size>%d</Size><ETag>&quot;e%d&quot;</ETag></Contents>", i, i * 10, i);
	tl_buf_adds(&doc, "<CommonPrefixes><Prefix>t/a/</Prefix></CommonPrefixes>"
		    "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
		    "</ListBucketResult>");
	r = tl_xml_parse(doc.data, doc.len, &err);
	T_CHECK(r != NULL);
	T_EQ_STR(r->name, "ListBucketResult"); /* namespace dropped */
	T_EQ_STR(tl_xml_text(r, "ListBucketResult/IsTruncated"), "true");
	T_EQ_STR(tl_xml_text(r, "ListBucketResult/NextContinuationToken"),
		 "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
	for (c = tl_xml_child(r, "Contents"); c; c = tl_xml_next(c)) {
		char want[64];
		snprintf(want, sizeof want, " t/dt=2026-11-25/k%d <x>.json.gz", n);
		ok &= strcmp(tl_xml_child_text(c, "Key"), want) == 0;
		snprintf(want, sizeof want, "\"e%d\"", n);
		ok &= strcmp(tl_xml_child_text(c, "ETag"), want) == 0;
		n++;
	}
	T_EQ_INT(n, 1000);
	T_CHECK(ok);
	T_EQ_STR(tl_xml_text(r, "ListBucketResult/CommonPrefixes/Prefix"), "t/a/");
	T_EQ_STR(tl_xml_text(r, "ListBucketResult/Prefix"), "t/");
	tl_xml_free(r);
	tl_buf_release(&doc);
}

static void test_multipart_and_attrs(void)
{
	char *err;
	struct tl_xml_node *r = parse(
		"<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
		"<Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE</UploadId>"
		"</InitiateMultipartUploadResult>", &err);
	T_EQ_STR(tl_xml_text(r, "InitiateMultipartUploadResult/UploadId"), "VXBsb2FkIElE");
	tl_xml_free(r);
	r = parse("<a:Root xmlns:a=\"urn:x\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
		  "<a:Grantee xsi:type=\"CanonicalUser\" plain=\"1\"><![CDATA[<raw>]]></a:Grantee>"
		  "<Empty/></a:Root>", &err);
	T_CHECK(r != NULL);
	T_EQ_STR(tl_xml_text(r, "Root/Grantee"), "<raw>");
	T_EQ_STR(tl_xml_attr(tl_xml_find(r, "Root/Grantee"), "type"), "CanonicalUser");
	T_EQ_STR(tl_xml_attr(tl_xml_find(r, "Root/Grantee"), "plain"), "1");
	T_CHECK(tl_xml_attr(r, "nope") == NULL);
	T_EQ_STR(tl_xml_text(r, "Root/Empty"), "");
	T_CHECK(tl_xml_next(tl_xml_child(r, "Empty")) == NULL);
	tl_xml_free(r);
}

static void test_refused(void)
{
	static const char *bad[] = {
		"", "   ", "<a>", "<a></b>", "<a/><b/>", "not xml", "<a>&undefined;</a>",
		"<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
		"<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>",
		"<a>\xff\xfe</a>", "<a>&#0;</a>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *err = NULL;
		struct tl_xml_node *r = parse(bad[i], &err);
		T_CHECK(r == NULL);
		T_CHECK(err != NULL && strncmp(err, "line ", 5) == 0);
		free(err);
		tl_xml_free(r);
	}
	/* too deep */
	{
		struct tl_buf d = TL_BUF_INIT;
		char *err = NULL;
		struct tl_xml_node *r;
		for (int i = 0; i < 300; i++)
			tl_buf_adds(&d, "<d>");
		for (int i = 0; i < 300; i++)
			tl_buf_adds(&d, "</d>");
		r = tl_xml_parse(d.data, d.len, &err);
		T_CHECK(r == NULL);
		T_CHECK(err && strstr(err, "deep"));
		free(err);
		tl_buf_release(&d);
	}
}

static void test_escape_roundtrip(void)
{
	struct tl_buf b = TL_BUF_INIT;
	const char *key = "a<b>&\"c'\r\n d.json";
	char *err = NULL;
	struct tl_xml_node *r;
	tl_buf_adds(&b, "<Delete><Object><Key>");
	T_CHECK(tl_xml_escape(&b, key, strlen(key)) == 0);
	tl_buf_adds(&b, "</Key></Object></Delete>");
	T_CHECK(strstr(b.data, "a&lt;b&gt;&amp;&quot;c&apos;&#13;\n d.json") != NULL);
	r = tl_xml_parse(b.data, b.len, &err);
	T_EQ_STR(tl_xml_text(r, "Delete/Object/Key"), key);
	tl_xml_free(r);
	tl_buf_release(&b);
	tl_buf_init(&b, 8);
	T_CHECK(tl_xml_escape(&b, "&&&", 3) == -1);
	T_EQ_INT(b.len, 0);
	tl_buf_release(&b);
}

int main(int argc, char **argv)
{
	(void)argc;
	tl_log_init(argv[0]);
	TEST(test_s3_error);
	TEST(test_list_objects);
	TEST(test_multipart_and_attrs);
	TEST(test_refused);
	TEST(test_escape_roundtrip);
	return t_done();
}
