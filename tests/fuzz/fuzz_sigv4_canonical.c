/* libFuzzer target: arbitrary method, path, query, headers and body into the SigV4 canonical-
 * request builder (tl_sigv4_sign / tl_sigv4_presign) and tl_sigv4_uri_encode.
 *
 * Input: one flag byte, then "\n"-separated fields: method, path, query, region, header lines
 * ("name:value") up to an empty line, then the body. Besides "no crash, no leak" (ASan, UBSan),
 * it checks what signing promises: the same input signs the same twice (the key cache), the
 * signature is 64 hex digits, and the canonical request has exactly one line per signed header,
 * so no input can smuggle a line into it.
 */
#include "tl_sigv4.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXH 64

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_sigv4_canonical: invariant broken: %s\n", what);
		abort();
	}
}

static void check_encoded(const char *s, int encode_slash)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '%') {
			check(s[1] && s[2], "truncated %XX");
			s += 2;
		} else {
			check((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			      c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encode_slash),
			      "reserved byte left unencoded");
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0] & 0x1f;
	int presign = (data[0] & 0x20) != 0;
	int token = (data[0] & 0x40) != 0;
	int use_hash = (data[0] & 0x80) != 0;

	char *e = tl_sigv4_uri_encode((const char *)data + 1, size - 1, flags & 1);
	check_encoded(e, flags & 1);
	free(e);

	char *buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	char *field[4] = { "GET", "/", NULL, "us-east-1" }, *p = buf;
	for (int i = 0; i < 4 && p; i++) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		field[i] = p;
		p = nl ? nl + 1 : NULL;
	}
	struct tl_sigv4_header h[MAXH];
	size_t nh = 0;
	h[nh].name = "Host";
	h[nh++].value = "example.amazonaws.com:8443";
	while (p && *p && *p != '\n' && nh < MAXH) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		char *colon = strchr(p, ':');
		h[nh].name = p;
		h[nh].value = "";
		if (colon) {
			*colon = '\0';
			h[nh].value = colon + 1;
		}
		nh++;
		p = nl ? nl + 1 : NULL;
	}
	const char *body = p && *p == '\n' ? p + 1 : "";

	struct tl_sigv4_request r = {
		.method = field[0], .path = field[1], .query = field[2], .headers = h, .nheaders = nh,
		.body = body, .body_len = strlen(body), .payload_hash = use_hash ? field[3] : NULL,
	};
	struct tl_sigv4_params prm = {
		.access_key = "AKIDEXAMPLE", .secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		.session_token = token ? "tok/en+=" : NULL, .region = field[3], .service = "service",
		.time = 1440938160 + (int64_t)(size % 5) * 86400, .flags = flags,
		.expires = (int64_t)size * 1000 - 5000,
	};
	struct tl_sigv4_result a, b;
	const char *err = NULL;
	int rc = presign ? tl_sigv4_presign(&prm, &r, &a, &err) : tl_sigv4_sign(&prm, &r, &a, &err);
	if (rc == 0) {
		check(a.canonical_request && a.string_to_sign && a.signature && a.amz_date, "results");
		check(strlen(a.signature) == 64 && strspn(a.signature, "0123456789abcdef") == 64,
		      "signature is 64 hex digits");
		check(presign ? a.query != NULL && a.nadd == 0 : a.authorization != NULL && a.nadd >= 2,
		      "presign gives a query, sign an Authorization");
		/* method, URI, query, one line per header, blank line, SignedHeaders, payload hash */
		const char *sh = strrchr(a.canonical_request, '\n');
		check(sh != NULL, "lines");
		size_t lines = 0, semis = 0;
		for (const char *c = a.canonical_request; *c; c++)
			lines += *c == '\n';
		const char *shl = sh;
		while (shl > a.canonical_request && shl[-1] != '\n')
			shl--;
		for (const char *c = shl; c < sh; c++)
			semis += *c == ';';
		check(lines == 5 + semis + 1, "one canonical line per signed header");
		/* the canonical query (third line) is always fully encoded */
		const char *q = strchr(strchr(a.canonical_request, '\n') + 1, '\n') + 1;
		size_t qn = strcspn(q, "\n");
		char *qs = strndup(q, qn);
		for (char *c = qs; c && *c; c++)
			if (*c == '=' || *c == '&')
				*c = 'x';
		if (qs)
			check_encoded(qs, 1);
		free(qs);
		int rc2 = presign ? tl_sigv4_presign(&prm, &r, &b, &err) : tl_sigv4_sign(&prm, &r, &b, &err);
		check(rc2 == 0 && strcmp(a.signature, b.signature) == 0 &&
		      strcmp(a.canonical_request, b.canonical_request) == 0, "same input, same signature");
		tl_sigv4_result_free(&b);
	} else {
		check(err != NULL && a.canonical_request == NULL, "failure sets err and no result");
	}
	tl_sigv4_result_free(&a);
	free(buf);
	return 0;
}
