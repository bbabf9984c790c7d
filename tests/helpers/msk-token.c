/* msk-token: MSK IAM tokens from tl_mskiam_token, for tests/helpers/msk-token-check.py.
 *
 *   msk-token [USER_AGENT] < cases
 *
 * Each input line is a JSON object {"region", "ak", "sk", "token" (or null), "now_ms",
 * "expires_ms" (optional: the credentials' expiry)}; each output line is {"token", "expiry_ms"}
 * (the token's end of validity), or {"error": "..."} when tl_mskiam_token refuses the case.
 * USER_AGENT defaults to the reference JavaScript signer's ("aws-msk-iam-sasl-signer-js/1.0.3"),
 * so the tokens can be compared byte for byte.
 */
#include "tl_alloc.h"
#include "tl_buf.h"
#include "tl_creds.h"
#include "tl_io.h"
#include "tl_json.h"
#include "tl_log.h"
#include "tl_mskiam.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	tl_log_init(argv[0]);
	const char *ua = argc > 1 ? argv[1] : "aws-msk-iam-sasl-signer-js/1.0.3";
	struct tl_lines in;
	struct tl_line line;
	tl_lines_init(&in, STDIN_FILENO, 1 << 20);
	int rc = 0;
	int st;
	while ((st = tl_lines_next(&in, &line)) != TL_LINE_EOF) {
		if (st == TL_LINE_AGAIN)
			continue;
		if (st != TL_LINE_OK) {
			fprintf(stderr, "msk-token: cannot read the cases\n");
			rc = 1;
			break;
		}
		cJSON *c = tl_json_parse(line.data, line.len, NULL);
		double now = 0, exp = 0;
		if (!c || tl_json_get_num(c, "now_ms", &now) < 0) {
			fprintf(stderr, "msk-token: line %" PRIu64 ": bad case\n", line.lineno);
			rc = 1;
			cJSON_Delete(c);
			continue;
		}
		tl_json_get_num(c, "expires_ms", &exp);
		struct tl_creds cr = { 0 };
		cr.access_key = (char *)tl_json_get_str(c, "ak");
		cr.secret_key = (char *)tl_json_get_str(c, "sk");
		cr.session_token = (char *)tl_json_get_str(c, "token");
		cr.expires_ms = (int64_t)exp;
		int64_t expiry = 0;
		const char *err = NULL;
		char *tok = tl_mskiam_token(&cr, tl_json_get_str(c, "region"), (int64_t)now, ua,
					    &expiry, &err);
		struct tl_buf out = TL_BUF_INIT;
		if (tok) {
			tl_buf_adds(&out, "{\"token\":");
			tl_buf_add_json_str(&out, tok, strlen(tok));
			tl_buf_addf(&out, ",\"expiry_ms\":%" PRId64 "}\n", expiry);
		} else {
			tl_buf_adds(&out, "{\"error\":");
			tl_buf_add_json_str(&out, err, strlen(err));
			tl_buf_adds(&out, "}\n");
		}
		fwrite(out.data, 1, out.len, stdout);
		fflush(stdout);
		tl_buf_release(&out);
		tl_secret_free(tok);
		cJSON_Delete(c);
	}
	tl_lines_release(&in);
	tl_log_cleanup();
	return rc;
}
