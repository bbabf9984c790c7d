/* s3-util: the tl_s3 calls from the command line, for the shell tests (against moto).
 *
 *   s3-util mb BUCKET | hb BUCKET
 *   s3-util put BUCKET KEY FILE            PutObject of a file read into memory
 *   s3-util upload BUCKET KEY FILE [PART]  tl_s3_upload_fd (multipart above PART bytes)
 *   s3-util get BUCKET KEY [FIRST [LAST]]  GetObject (a byte range) to stdout
 *   s3-util head BUCKET KEY                HeadObject as a JSON line
 *   s3-util ls BUCKET [PREFIX [DELIM [PAGE]]]  ListObjectsV2: "key<TAB>size<TAB>etag" lines
 *                                          ("key/<TAB>PRE" for common prefixes)
 *   s3-util rm BUCKET KEY
 *
 * Before the command: --sse MODE, --kms-key ID, --bucket-key (the encryption of put and upload)
 * and --owner ACCOUNT (x-amz-expected-bucket-owner on every request).
 *
 * AWS settings come from the environment (AWS_ENDPOINT_URL, AWS_REGION, keys). Exit 1 with the
 * error on stderr ("code: message") when a call fails.
 */
#include "tl_alloc.h"
#include "tl_cli.h"
#include "tl_io.h"
#include "tl_json.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_s3.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int out_fn(const char *p, size_t n, void *ctx)
{
	(void)ctx;
	return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

static int ls_fn(const struct tl_s3_object *o, void *ctx)
{
	(void)ctx;
	if (o->is_prefix)
		printf("%s\tPRE\n", o->key);
	else
		printf("%s\t%" PRId64 "\t%s\n", o->key, o->size, o->etag ? o->etag : "");
	return 0;
}

int main(int argc, char **argv)
{
	tl_cli_init(argv[0]);
	struct tl_s3_put_opts po = { 0 };
	const char *owner = NULL;
	while (argc > 2 && strncmp(argv[1], "--", 2) == 0) {
		if (strcmp(argv[1], "--bucket-key") == 0) {
			po.bucket_key = true;
			argv++, argc--;
			continue;
		}
		if (strcmp(argv[1], "--sse") == 0)
			po.sse = argv[2];
		else if (strcmp(argv[1], "--kms-key") == 0)
			po.sse_kms_key_id = argv[2];
		else if (strcmp(argv[1], "--owner") == 0)
			owner = argv[2];
		else
			break;
		argv += 2, argc -= 2;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: s3-util mb|hb|put|upload|get|head|ls|rm BUCKET ...\n");
		return 2;
	}
	struct tl_aws_opts ao;
	memset(&ao, 0, sizeof(ao));
	char *err = NULL;
	struct tl_aws *aws = tl_aws_new(&ao, &err);
	if (!aws) {
		fprintf(stderr, "s3-util: %s\n", err);
		free(err);
		return 2;
	}
	struct tl_s3 *s3 = tl_s3_new(aws);
	tl_s3_set_expected_owner(s3, owner);
	struct tl_aws_error e;
	memset(&e, 0, sizeof(e));
	const char *cmd = argv[1], *bucket = argv[2];
	int rc = -1;
	if (strcmp(cmd, "mb") == 0) {
		rc = tl_s3_create_bucket(s3, bucket, &e);
	} else if (strcmp(cmd, "hb") == 0) {
		rc = tl_s3_head_bucket(s3, bucket, &e);
	} else if ((strcmp(cmd, "put") == 0 || strcmp(cmd, "upload") == 0) && argc >= 5) {
		if (strcmp(cmd, "put") == 0) {
			size_t len;
			char *body = tl_read_file(argv[4], (size_t)1 << 30, &len);
			if (!body) {
				perror(argv[4]);
				return 1;
			}
			char *etag = NULL;
			rc = tl_s3_put_object(s3, bucket, argv[3], body, len, &po, &etag, &e);
			if (rc == 0)
				printf("%s\n", etag ? etag : "");
			free(etag);
			free(body);
		} else {
			int fd = open(argv[4], O_RDONLY);
			uint64_t part = 0;
			if (fd < 0 || (argc > 5 && tl_parse_size(argv[5], &part) != 0)) {
				perror(argv[4]);
				return 1;
			}
			rc = tl_s3_upload_fd(s3, bucket, argv[3], fd, (size_t)part, &po, &e);
			close(fd);
		}
	} else if (strcmp(cmd, "get") == 0 && argc >= 4) {
		int64_t first = -1, last = -1;
		if (argc > 4)
			tl_parse_i64(argv[4], 0, INT64_MAX, &first);
		if (argc > 5)
			tl_parse_i64(argv[5], 0, INT64_MAX, &last);
		rc = tl_s3_get_object(s3, bucket, argv[3], first, last, out_fn, NULL, &e);
	} else if (strcmp(cmd, "head") == 0 && argc >= 4) {
		struct tl_s3_object o;
		rc = tl_s3_head_object(s3, bucket, argv[3], &o, &e);
		if (rc == 0) {
			printf("{\"key\":\"%s\",\"size\":%" PRId64 ",\"etag\":%s,\"last_modified_ms\":%" PRId64
			       "}\n", o.key, o.size, o.etag ? o.etag : "null", o.last_modified_ms);
			tl_s3_object_free(&o);
		}
	} else if (strcmp(cmd, "ls") == 0) {
		int page = 0;
		if (argc > 5)
			tl_parse_int(argv[5], 1, 1000, &page);
		tl_s3_set_list_page(s3, page);
		rc = tl_s3_list(s3, bucket, argc > 3 ? argv[3] : NULL, argc > 4 ? argv[4] : NULL,
				ls_fn, NULL, &e);
	} else if (strcmp(cmd, "rm") == 0 && argc >= 4) {
		rc = tl_s3_delete_object(s3, bucket, argv[3], &e);
	} else {
		fprintf(stderr, "s3-util: bad command\n");
		rc = -2;
	}
	if (rc == -1) {
		fprintf(stderr, "s3-util: %s: %s\n", e.code ? e.code : "?", e.message ? e.message : "");
	}
	tl_aws_error_free(&e);
	tl_s3_free(s3);
	tl_aws_free(aws);
	tl_log_cleanup();
	if (fflush(stdout) != 0)
		rc = -1;
	return rc == 0 ? 0 : rc == -2 ? 2 : 1;
}
