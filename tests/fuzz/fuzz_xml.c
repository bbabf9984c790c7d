/* libFuzzer target for tl_xml: any bytes must parse or fail cleanly, and lookups on whatever
 * tree comes out must stay in bounds. */
#include "tl_xml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	struct tl_xml_node *r = tl_xml_parse((const char *)data, size, &err);
	if (r) {
		const struct tl_xml_node *c;
		size_t n = 0;
		(void)tl_xml_text(r, "Error/Code");
		(void)tl_xml_text(r, "ListBucketResult/NextContinuationToken");
		for (c = tl_xml_child(r, NULL); c; c = tl_xml_next(c))
			n += strlen(c->name) + c->text_len + (tl_xml_attr(c, "type") != NULL);
		for (c = tl_xml_child(r, "Contents"); c; c = tl_xml_next(c))
			n += tl_xml_child_text(c, "Key") != NULL;
		(void)n;
		tl_xml_free(r);
	} else {
		free(err);
	}
	return 0;
}
