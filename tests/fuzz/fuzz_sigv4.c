/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_sigv4.c - libFuzzer target for sigv4_sign(): the canonical URI,
 * query and headers of a request built from the input.
 *
 * Input: a flags byte (bit 0 normalize_path, bit 1 omit_session_token,
 * bit 2 a session token, bit 3 a host header added, bits 4-5 the method),
 * then lines: the path, the query (an empty line: none), the session
 * token, then up to 16 "name:value" header lines up to an empty line; the
 * rest is the body.  The time, region, service and keys are fixed.
 *
 * Checked on every signed request, from the specification's properties
 * rather than by re-deriving the canonical form:
 *  - the answer is 0, -EINVAL or -ENOMEM, and signing again (also with a
 *    warm key cache) gives the same canonical request and signature;
 *  - the string to sign ends with SHA-256 of the canonical request, its
 *    last line of which is SHA-256 of the body (OpenSSL's EVP, here);
 *  - the signature is HMAC-SHA256 of the string to sign under the key
 *    derived as the specification says, and the Authorization header names
 *    the scope, the signed headers and that signature;
 *  - the canonical URI and query use only unreserved characters, '/' (in
 *    the URI), "%XX" with upper-case hex, '=' and '&'; query pairs are
 *    sorted; header names are lower case, strictly ascending, and exactly
 *    the signed-headers line; values are trimmed with no runs of blanks;
 *    host and x-amz-date are signed, the token exactly when given and not
 *    omitted;
 *  - the signature does not change when header names change case, headers
 *    (all names distinct) come in reverse order, values get surrounding
 *    blanks, query parameters come in reverse order, or '~' in a query
 *    without '%' is written "%7E".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "creds.h"
#include "fuzz.h"
#include "sigv4.h"

#define T "fuzz_sigv4"
#define MAXH 16
#define WHEN ((time_t)1767323045) /* 2026-01-02T03:04:05Z */
#define REGION "us-east-1"
#define SERVICE "sms-voice"
#define KEY_ID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

struct input {
	struct sigv4_request req;
	struct sigv4_header h[MAXH + 1];
	char *name[MAXH + 1];
	char *value[MAXH + 1];
	char *token;
	struct credentials cred;
};

static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (!EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) || len != 32)
		fuzz_fail(T, "EVP_Digest failed");
	hex(md, 32, out);
}

static void hmac(const unsigned char *key, size_t klen, const char *msg,
		 unsigned char out[32])
{
	unsigned int len = 0;

	if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg,
		  strlen(msg), out, &len) || len != 32)
		fuzz_fail(T, "HMAC failed");
}

/* The signature of @sts as the specification defines it. */
static void spec_signature(const char *sts, char out[65])
{
	unsigned char k[32];
	char date[9];

	memcpy(date, sts + strlen("AWS4-HMAC-SHA256\n"), 8);
	date[8] = '\0';
	hmac((const unsigned char *)"AWS4" SECRET, strlen("AWS4" SECRET), date,
	     k);
	hmac(k, 32, REGION, k);
	hmac(k, 32, SERVICE, k);
	hmac(k, 32, "aws4_request", k);
	hmac(k, 32, sts, k);
	hex(k, 32, out);
}

static int is_unreserved(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

/* Checks @s[0..n) is encoded: unreserved, "%XX" (upper case), @extra. */
static void check_encoded(const char *s, size_t n, const char *extra)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n || !strchr("0123456789ABCDEF", s[i + 1]) ||
			    !strchr("0123456789ABCDEF", s[i + 2]) ||
			    !s[i + 1] || !s[i + 2])
				fuzz_fail(T, "bad escape in the canonical form");
			i += 2;
		} else if (!is_unreserved(s[i]) && !strchr(extra, s[i])) {
			fuzz_fail(T, "unencoded character in the canonical "
				     "form");
		}
	}
}

/* Compares a[0..an) and b[0..bn) as strcmp() would whole strings. */
static int cmp_part(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c ? c : (an > bn) - (an < bn);
}

static void check_query(const char *q, size_t n)
{
	const char *p = q, *end = q + n, *amp, *eq, *pk = NULL, *pv = NULL;
	size_t pkl = 0, pvl = 0, len, kl, vl;
	int c;

	check_encoded(q, n, "=&");
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		len = amp ? (size_t)(amp - p) : (size_t)(end - p);
		eq = memchr(p, '=', len);
		if (!eq)
			fuzz_fail(T, "query pair without '='");
		kl = (size_t)(eq - p);
		vl = len - kl - 1;
		if (memchr(eq + 1, '=', vl))
			fuzz_fail(T, "unencoded '=' in a query value");
		/* Sorted by name, then by value. */
		if (pk) {
			c = cmp_part(pk, pkl, p, kl);
			if (c > 0 || (c == 0 && cmp_part(pv, pvl, eq + 1, vl) > 0))
				fuzz_fail(T, "query pairs not sorted");
		}
		pk = p;
		pkl = kl;
		pv = eq + 1;
		pvl = vl;
		p += len + 1;
	}
}

/* Checks the canonical request @c against @in. */
static void check_canonical(const struct input *in, const char *c)
{
	const char *line[4 + MAXH + 8], *p = c, *nl;
	size_t len[4 + MAXH + 8], n = 0, i, h0, hn;
	char body_hash[65], names[8192] = "";
	size_t nlen = 0;
	bool host = false, date = false, token = false;

	while (n < sizeof(line) / sizeof(line[0])) {
		nl = strchr(p, '\n');
		line[n] = p;
		len[n] = nl ? (size_t)(nl - p) : strlen(p);
		n++;
		if (!nl)
			break;
		p = nl + 1;
	}
	if (n < 7)
		fuzz_fail(T, "canonical request too short");
	if (len[0] != strlen(in->req.method) ||
	    memcmp(line[0], in->req.method, len[0]))
		fuzz_fail(T, "method not the request's");
	check_encoded(line[1], len[1], "/");
	if (len[1] == 0 || line[1][0] != '/')
		fuzz_fail(T, "canonical URI does not start with '/'");
	check_query(line[2], len[2]);
	h0 = 3;
	for (hn = h0; hn < n && len[hn]; hn++)
		;
	if (hn + 3 != n)
		fuzz_fail(T, "canonical request has the wrong shape");
	for (i = h0; i < hn; i++) {
		const char *colon = memchr(line[i], ':', len[i]);
		size_t k, vl;
		const char *v;

		if (!colon || colon == line[i])
			fuzz_fail(T, "canonical header without a name");
		k = (size_t)(colon - line[i]);
		for (v = line[i]; v < colon; v++)
			if ((*v >= 'A' && *v <= 'Z') || *v <= ' ')
				fuzz_fail(T, "header name not lower case");
		if (i > h0) {
			const char *pc = memchr(line[i - 1], ':', len[i - 1]);
			size_t pk = (size_t)(pc - line[i - 1]);
			int cmp = memcmp(line[i - 1], line[i], pk < k ? pk : k);

			if (cmp > 0 || (cmp == 0 && pk >= k))
				fuzz_fail(T, "header names not strictly sorted");
		}
		v = colon + 1;
		vl = len[i] - k - 1;
		if (vl && (v[0] == ' ' || v[vl - 1] == ' ' ||
			   memchr(v, '\t', vl) || memmem(v, vl, "  ", 2)))
			fuzz_fail(T, "header value not trimmed");
		host |= k == 4 && !memcmp(line[i], "host", 4);
		date |= k == 10 && !memcmp(line[i], "x-amz-date", 10);
		token |= k == 20 && !memcmp(line[i], "x-amz-security-token", 20);
		if (nlen + k + 2 >= sizeof(names))
			fuzz_fail(T, "too many header names");
		if (i > h0)
			names[nlen++] = ';';
		memcpy(names + nlen, line[i], k);
		nlen += k;
		names[nlen] = '\0';
	}
	if (!host || !date)
		fuzz_fail(T, "host or x-amz-date not signed");
	if (token != (in->token && !in->req.omit_session_token))
		fuzz_fail(T, "session token signed when it must not be, or "
			     "not when it must");
	if (len[hn + 1] != nlen || memcmp(line[hn + 1], names, nlen))
		fuzz_fail(T, "signed headers line differs from the names");
	sha256_hex(in->req.body_len ? in->req.body : "", in->req.body_len,
		   body_hash);
	if (len[hn + 2] != 64 || memcmp(line[hn + 2], body_hash, 64))
		fuzz_fail(T, "payload hash is not SHA-256 of the body");
}

static void check_result(const struct input *in, const struct sigv4_result *r)
{
	char want[65], sts[512], auth[8192];
	const char *b, *e;

	sha256_hex(r->canonical_request, strlen(r->canonical_request), want);
	snprintf(sts, sizeof(sts),
		 "AWS4-HMAC-SHA256\n%s\n%.8s/" REGION "/" SERVICE
		 "/aws4_request\n%s",
		 r->amz_date, r->amz_date, want);
	if (strcmp(sts, r->string_to_sign))
		fuzz_fail(T, "string to sign is not the specification's");
	if (strcmp(r->amz_date, "20260102T030405Z"))
		fuzz_fail(T, "x-amz-date is not the signing time");
	spec_signature(r->string_to_sign, want);
	if (strcmp(want, r->signature))
		fuzz_fail(T, "signature is not HMAC of the string to sign");
	check_canonical(in, r->canonical_request);
	/* The signed-headers line is the one before the payload hash. */
	e = strrchr(r->canonical_request, '\n');
	if (!e)
		fuzz_fail(T, "canonical request has one line");
	for (b = e; b > r->canonical_request && b[-1] != '\n'; b--)
		;
	snprintf(auth, sizeof(auth),
		 "AWS4-HMAC-SHA256 Credential=" KEY_ID "/%.8s/" REGION "/" SERVICE
		 "/aws4_request, SignedHeaders=%.*s, Signature=%s",
		 r->amz_date, (int)(e - b), b, r->signature);
	if (strcmp(auth, r->authorization))
		fuzz_fail(T, "Authorization header is not the specification's");
}

/* Signs @in; 0 and @ret, or the error (then @ret is empty). */
static int sign(const struct input *in, struct sigv4_key_cache *cache,
		struct sigv4_result *ret)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	r = sigv4_sign(&in->req, &in->cred, REGION, SERVICE, WHEN, cache, ret);
	if (r != 0 && r != -EINVAL && r != -ENOMEM)
		fuzz_fail(T, "unexpected return");
	return r;
}

/* Signs @in as changed by the caller; must give @sig. */
static void same_signature(const struct input *in, const char *sig,
			   const char *what)
{
	struct sigv4_result r;

	if (sign(in, NULL, &r))
		fuzz_fail(T, what);
	if (strcmp(r.signature, sig))
		fuzz_fail(T, what);
	sigv4_result_done(&r);
}

/* Next line of [*p, end): NUL-terminated in place. */
static char *next_line(char **p, char *end)
{
	char *s = *p, *nl;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(end - s));
	if (!nl)
		nl = end;
	*nl = '\0';
	*p = nl + 1;
	return s;
}

static void metamorphic(struct input *in, const char *sig)
{
	struct sigv4_header saved[MAXH + 1];
	const char *query = in->req.query;
	char *buf, *q, *dst;
	size_t i, j, n = in->req.nheaders, qn;
	bool distinct = true;

	memcpy(saved, in->h, sizeof(saved));
	/* Names in upper case. */
	for (i = 0; i < n; i++) {
		buf = strdup(in->h[i].name);
		if (!buf)
			fuzz_fail(T, "out of memory");
		for (q = buf; *q; q++)
			if (*q >= 'a' && *q <= 'z')
				*q = (char)(*q - 'a' + 'A');
		in->h[i].name = buf;
	}
	same_signature(in, sig, "signature depends on header name case");
	for (i = 0; i < n; i++)
		free((char *)in->h[i].name);
	memcpy(in->h, saved, sizeof(saved));
	/* Values with surrounding blanks. */
	for (i = 0; i < n; i++) {
		size_t vl = strlen(in->h[i].value);

		buf = malloc(vl + 4);
		if (!buf)
			fuzz_fail(T, "out of memory");
		memcpy(buf, " \t", 2);
		memcpy(buf + 2, in->h[i].value, vl);
		memcpy(buf + 2 + vl, " ", 2);
		in->h[i].value = buf;
	}
	same_signature(in, sig, "signature depends on blanks round values");
	for (i = 0; i < n; i++)
		free((char *)in->h[i].value);
	memcpy(in->h, saved, sizeof(saved));
	/* Headers in reverse order, when no name repeats. */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (!strcasecmp(in->h[i].name, in->h[j].name))
				distinct = false;
	if (distinct && n > 1) {
		for (i = 0; i < n; i++)
			in->h[i] = saved[n - 1 - i];
		same_signature(in, sig, "signature depends on header order");
		memcpy(in->h, saved, sizeof(saved));
	}
	if (!query)
		return;
	qn = strlen(query);
	/* Query parameters in reverse order. */
	buf = malloc(qn + 2);
	if (!buf)
		fuzz_fail(T, "out of memory");
	dst = buf;
	for (i = qn + 1; i-- > 0;) {
		if (i != 0 && query[i - 1] != '&')
			continue;
		j = strcspn(query + i, "&");
		if (dst != buf)
			*dst++ = '&';
		memcpy(dst, query + i, j);
		dst += j;
	}
	*dst = '\0';
	in->req.query = buf;
	same_signature(in, sig, "signature depends on query order");
	free(buf);
	in->req.query = query;
	/* "~" and "%7E" sign alike. */
	if (strchr(query, '~') && !strchr(query, '%')) {
		buf = malloc(qn * 3 + 1);
		if (!buf)
			fuzz_fail(T, "out of memory");
		for (dst = buf, i = 0; i < qn; i++) {
			if (query[i] == '~') {
				memcpy(dst, "%7E", 3);
				dst += 3;
			} else {
				*dst++ = query[i];
			}
		}
		*dst = '\0';
		in->req.query = buf;
		same_signature(in, sig, "\"~\" and \"%7E\" sign differently");
		free(buf);
		in->req.query = query;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = {"POST", "GET", "PUT", "DELETE"};
	struct sigv4_key_cache cache = {0};
	struct sigv4_result r1, r2, r3;
	struct input in;
	char *buf, *p, *end, *line, *colon, *q;
	int ret;

	if (size < 1)
		return 0;
	memset(&in, 0, sizeof(in));
	buf = fuzz_strdup(data + 1, size - 1);
	p = buf;
	end = buf + size - 1;
	in.req.method = methods[(data[0] >> 4) & 3];
	in.req.normalize_path = data[0] & 1;
	in.req.omit_session_token = data[0] & 2;
	in.req.path = (line = next_line(&p, end)) ? line : "/";
	line = next_line(&p, end);
	in.req.query = line && *line ? line : NULL;
	line = next_line(&p, end);
	if ((data[0] & 4) && line && *line)
		in.token = line;
	while (in.req.nheaders < MAXH && (line = next_line(&p, end)) && *line) {
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		in.h[in.req.nheaders].name = line;
		in.h[in.req.nheaders].value = colon + 1;
		in.req.nheaders++;
	}
	if (data[0] & 8) {
		in.h[in.req.nheaders].name = "Host";
		in.h[in.req.nheaders].value = "sms-voice.us-east-1.amazonaws.com";
		in.req.nheaders++;
	}
	in.req.headers = in.h;
	in.req.body = p < end ? p : NULL;
	in.req.body_len = p < end ? (size_t)(end - p) : 0;
	in.cred.access_key_id = KEY_ID;
	in.cred.secret_access_key = SECRET;
	in.cred.session_token = in.token;

	ret = sign(&in, NULL, &r1);
	if (ret) {
		free(buf);
		return 0;
	}
	check_result(&in, &r1);
	if (sign(&in, &cache, &r2) || sign(&in, &cache, &r3))
		fuzz_fail(T, "signing again failed");
	if (strcmp(r1.canonical_request, r2.canonical_request) ||
	    strcmp(r1.signature, r2.signature) ||
	    strcmp(r1.signature, r3.signature) ||
	    strcmp(r1.authorization, r3.authorization))
		fuzz_fail(T, "signing is not deterministic (or the key cache "
			     "changes it)");
	q = strdup(r1.signature);
	if (!q)
		fuzz_fail(T, "out of memory");
	metamorphic(&in, q);
	free(q);
	sigv4_result_done(&r1);
	sigv4_result_done(&r2);
	sigv4_result_done(&r3);
	sigv4_key_cache_done(&cache);
	free(buf);
	return 0;
}
