/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sigv4.c - AWS Signature Version 4, header signing, with OpenSSL.
 *
 * sigv4_sign() builds the canonical request (method, canonical URI,
 * canonical query, canonical headers, signed headers, payload hash), hashes
 * it into the string to sign, and signs that with the key derived from the
 * secret, the date, the region and the service.  The canonical URI follows
 * the AWS test suite: the path is URI-encoded again (unreserved characters
 * and '/' kept), after optional removal of "." ".." and empty segments.
 * Query parameters are percent-decoded and re-encoded so that "%7e" and
 * "~", or raw UTF-8 and its escapes, sign alike.
 *
 * Every string is built in a growable buffer whose first allocation failure
 * sticks, so the building code stays linear and is checked once at the end.
 * The derived key is cached per (date, region, service, key id) in a
 * caller-owned struct; intermediate keys and the "AWS4"+secret buffer are
 * wiped with OPENSSL_cleanse before they go out of scope.
 *
 * HMAC is computed here over SHA-256 fetched once from OpenSSL (HMAC() and
 * EVP_sha256() look the algorithms up again on every call in OpenSSL 3).
 *
 * Pure: no I/O, no threads, no logging; any thread may sign (the one
 * shared thing, the fetched digest, is set once under pthread_once()).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sigv4.h"

#include "buf.h"
#include "util.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_SHA256_LEN 32

static const char hexdigits[] = "0123456789abcdef";

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexdigits[in[i] >> 4];
		out[2 * i + 1] = hexdigits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

static void sb_put_encoded_byte(struct buf *sb, unsigned char c,
				int keep_slash)
{
	static const char upper[] = "0123456789ABCDEF";
	char esc[3];

	if (is_unreserved(c) || (keep_slash && c == '/')) {
		buf_putc(sb, (char)c);
		return;
	}
	esc[0] = '%';
	esc[1] = upper[c >> 4];
	esc[2] = upper[c & 0xf];
	buf_put(sb, esc, 3);
}

/* URI-encodes @s[0..n) byte by byte: an existing "%xx" becomes "%25xx". */
static void sb_put_encoded(struct buf *sb, const char *s, size_t n,
			   int keep_slash)
{
	size_t i;

	for (i = 0; i < n; i++)
		sb_put_encoded_byte(sb, (unsigned char)s[i], keep_slash);
}

/* Decodes valid "%xx" escapes and encodes the result; a stray '%' is
 * taken literally (and so becomes "%25"). */
static void sb_put_reencoded(struct buf *sb, const char *s, size_t n)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		hi = lo = -1;
		if (s[i] == '%' && i + 2 < n) {
			hi = hex_value(s[i + 1]);
			lo = hex_value(s[i + 2]);
		}
		if (hi >= 0 && lo >= 0) {
			sb_put_encoded_byte(sb, (unsigned char)(hi * 16 + lo),
					    0);
			i += 2;
		} else {
			sb_put_encoded_byte(sb, (unsigned char)s[i], 0);
		}
	}
}

/* Removes "." and ".." and empty segments; keeps a trailing '/'. */
static void sb_put_normalized_path(struct buf *sb, const char *path)
{
	size_t start = sb->len, len, n, plen = strlen(path);
	const char *p = path, *seg;

	while (*p && !buf_err(sb)) {
		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			/* Drop the last segment, never above the root. */
			len = sb->len;
			while (len > start && sb->p[len - 1] != '/')
				len--;
			buf_truncate(sb, len > start ? len - 1 : start);
			continue;
		}
		buf_putc(sb, '/');
		buf_put(sb, seg, n);
	}
	if (sb->len == start || (plen > 1 && path[plen - 1] == '/'))
		buf_putc(sb, '/');
}

static int put_canonical_uri(struct buf *sb, const char *path, int normalize)
{
	struct buf norm;
	int r = 0;

	buf_init(&norm, 0, 0);
	if (!normalize) {
		sb_put_encoded(sb, path, strlen(path), 1);
		goto out;
	}
	sb_put_normalized_path(&norm, path);
	r = buf_err(&norm);
	if (r)
		goto out;
	sb_put_encoded(sb, norm.p, norm.len, 1);
out:
	buf_free(&norm);
	return r;
}

struct qparam {
	char *key; /* encoded */
	char *val; /* encoded, "" when absent */
};

static int qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->val, y->val);
}

static int put_canonical_query(struct buf *sb, const char *query)
{
	struct qparam *params = NULL;
	struct buf tmp;
	size_t nparams = 0, maxparams = 1, i, n;
	const char *p, *end, *eq;
	int r = 0;

	buf_init(&tmp, 0, 0);
	if (!query || !*query)
		goto out;
	for (p = query; *p; p++)
		maxparams += *p == '&';
	params = calloc(maxparams, sizeof(*params));
	if (!params) {
		r = -ENOMEM;
		goto out;
	}
	for (p = query; *p; p = *end ? end + 1 : end) {
		end = strchr(p, '&');
		if (!end)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (n == 0)
			continue;
		eq = memchr(p, '=', n);
		sb_put_reencoded(&tmp, p, eq ? (size_t)(eq - p) : n);
		params[nparams].key = buf_take(&tmp);
		if (eq)
			sb_put_reencoded(&tmp, eq + 1, (size_t)(end - eq - 1));
		params[nparams].val = buf_take(&tmp);
		nparams++;
		if (!params[nparams - 1].key || !params[nparams - 1].val) {
			r = -ENOMEM;
			goto out;
		}
	}
	qsort(params, nparams, sizeof(*params), qparam_cmp);
	for (i = 0; i < nparams; i++) {
		if (i)
			buf_putc(sb, '&');
		buf_puts(sb, params[i].key);
		buf_putc(sb, '=');
		buf_puts(sb, params[i].val);
	}
out:
	for (i = 0; params && i < nparams; i++) {
		free(params[i].key);
		free(params[i].val);
	}
	free(params);
	buf_free(&tmp);
	return r;
}

struct hdr {
	const char *name;
	const char *value;
	size_t order; /* position given: repeated names keep it */
};

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int name_cmp(const char *a, const char *b)
{
	while (*a && lower((unsigned char)*a) == lower((unsigned char)*b)) {
		a++;
		b++;
	}
	return lower((unsigned char)*a) - lower((unsigned char)*b);
}

static int hdr_cmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	int c = name_cmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Writes the value trimmed, runs of blanks collapsed to one space. */
static void sb_put_trimmed(struct buf *sb, const char *v)
{
	int blank = 0, any = 0;

	for (; *v; v++) {
		if (*v == ' ' || *v == '\t') {
			blank = any;
			continue;
		}
		if (blank)
			buf_putc(sb, ' ');
		buf_putc(sb, *v);
		blank = 0;
		any = 1;
	}
}

static int valid_header(const struct sigv4_header *h)
{
	const char *c;

	if (!h->name || !*h->name || !h->value)
		return 0;
	for (c = h->name; *c; c++)
		if (*c <= ' ' || *c >= 0x7f || *c == ':')
			return 0;
	/* The signer owns these two. */
	if (!name_cmp(h->name, "x-amz-date") ||
	    !name_cmp(h->name, "x-amz-security-token"))
		return 0;
	return strpbrk(h->value, "\r\n") == NULL;
}

/* Appends the canonical headers block to @sb and the signed header list
 * to @signed_hdrs.  @token is NULL when not signed. */
static int put_canonical_headers(struct buf *sb, struct buf *signed_hdrs,
				 const struct sigv4_request *req,
				 const char *amz_date, const char *token)
{
	struct hdr *hdrs = NULL;
	size_t n = 0, i;
	const char *c;
	int r = -EINVAL, have_host = 0;

	hdrs = calloc(req->nheaders + 2, sizeof(*hdrs));
	if (!hdrs) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < req->nheaders; i++) {
		if (!valid_header(&req->headers[i]))
			goto out;
		if (!name_cmp(req->headers[i].name, "host") &&
		    req->headers[i].value[strspn(req->headers[i].value,
						 " \t")])
			have_host = 1;
		hdrs[n].name = req->headers[i].name;
		hdrs[n].value = req->headers[i].value;
		hdrs[n].order = n;
		n++;
	}
	if (!have_host)
		goto out;
	hdrs[n].name = "x-amz-date";
	hdrs[n].value = amz_date;
	hdrs[n].order = n;
	n++;
	if (token) {
		hdrs[n].name = "x-amz-security-token";
		hdrs[n].value = token;
		hdrs[n].order = n;
		n++;
	}
	qsort(hdrs, n, sizeof(*hdrs), hdr_cmp);
	for (i = 0; i < n; i++) {
		if (i && !name_cmp(hdrs[i].name, hdrs[i - 1].name)) {
			buf_putc(sb, ',');
			sb_put_trimmed(sb, hdrs[i].value);
			continue;
		}
		if (i) {
			buf_putc(sb, '\n');
			buf_putc(signed_hdrs, ';');
		}
		for (c = hdrs[i].name; *c; c++) {
			buf_putc(sb, (char)lower((unsigned char)*c));
			buf_putc(signed_hdrs, (char)lower((unsigned char)*c));
		}
		buf_putc(sb, ':');
		sb_put_trimmed(sb, hdrs[i].value);
	}
	buf_putc(sb, '\n');
	r = 0;
out:
	free(hdrs);
	return r;
}

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
/* SHA-256 fetched once: OpenSSL 3 looks EVP_sha256() up in its provider
 * tables on every use (a third of a signature's cost). */
static EVP_MD *sha256_fetched;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256_md(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_fetched ? sha256_fetched : EVP_sha256();
}
#else
static const EVP_MD *sha256_md(void)
{
	return EVP_sha256();
}
#endif

/* SHA-256 of @a then @b into @out, with @ctx (reused by the caller). */
static int sha256_two(EVP_MD_CTX *ctx, const void *a, size_t alen,
		      const void *b, size_t blen,
		      unsigned char out[SIGV4_SHA256_LEN])
{
	unsigned int mdlen = 0;

	if (!EVP_DigestInit_ex(ctx, sha256_md(), NULL) ||
	    !EVP_DigestUpdate(ctx, a, alen) ||
	    (blen && !EVP_DigestUpdate(ctx, b, blen)) ||
	    !EVP_DigestFinal_ex(ctx, out, &mdlen) ||
	    mdlen != SIGV4_SHA256_LEN)
		return -ENOMEM;
	return 0;
}

static int sha256_hex(EVP_MD_CTX *ctx, const void *data, size_t len,
		      char out[65])
{
	unsigned char md[SIGV4_SHA256_LEN];
	int r = sha256_two(ctx, data, len, "", 0, md);

	if (!r)
		hex_encode(md, sizeof(md), out);
	return r;
}

/* Builds the canonical request in @creq, the signed header list in
 * @shdrs. */
static int put_canonical_request(EVP_MD_CTX *ctx, struct buf *creq,
				 struct buf *shdrs,
				 const struct sigv4_request *req,
				 const char *amz_date, const char *token)
{
	char hash[65];
	int r;

	buf_puts(creq, req->method);
	buf_putc(creq, '\n');
	r = put_canonical_uri(creq, req->path, req->normalize_path);
	if (r)
		return r;
	buf_putc(creq, '\n');
	r = put_canonical_query(creq, req->query);
	if (r)
		return r;
	buf_putc(creq, '\n');
	r = put_canonical_headers(creq, shdrs, req, amz_date, token);
	if (r)
		return r;
	buf_putc(creq, '\n');
	buf_put(creq, shdrs->p, shdrs->len);
	buf_putc(creq, '\n');
	r = sha256_hex(ctx, req->body_len ? req->body : "", req->body_len,
		       hash);
	if (r)
		return r;
	buf_puts(creq, hash);
	return buf_err(creq) ? buf_err(creq) : buf_err(shdrs);
}

/* HMAC-SHA256 (RFC 2104) over SHA-256 fetched once; @out may alias
 * @key.  With the algorithm fixed, OpenSSL can only fail for want of
 * memory.  Every copy of the key is wiped. */
static int hmac(EVP_MD_CTX *ctx, const unsigned char *key, size_t keylen,
		const char *data, unsigned char out[SIGV4_SHA256_LEN])
{
	unsigned char k0[64] = {0}, pad[64], inner[SIGV4_SHA256_LEN];
	size_t i;
	int r = 0;

	if (keylen > sizeof(k0))
		r = sha256_two(ctx, key, keylen, "", 0, k0);
	else
		memcpy(k0, key, keylen);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k0[i] ^ 0x36;
	if (!r)
		r = sha256_two(ctx, pad, sizeof(pad), data, strlen(data),
			       inner);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k0[i] ^ 0x5c;
	if (!r)
		r = sha256_two(ctx, pad, sizeof(pad), inner, sizeof(inner),
			       out);
	OPENSSL_cleanse(k0, sizeof(k0));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
	return r;
}

static int derive_key(EVP_MD_CTX *ctx, const char *secret, const char *date,
		      const char *region, const char *service,
		      unsigned char out[SIGV4_SHA256_LEN])
{
	unsigned char k[SIGV4_SHA256_LEN];
	size_t slen = strlen(secret);
	unsigned char *ksecret = NULL;
	int r;

	ksecret = malloc(slen + 4);
	if (!ksecret) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(ksecret, "AWS4", 4);
	memcpy(ksecret + 4, secret, slen);
	r = hmac(ctx, ksecret, slen + 4, date, k);
	if (!r)
		r = hmac(ctx, k, sizeof(k), region, k);
	if (!r)
		r = hmac(ctx, k, sizeof(k), service, k);
	if (!r)
		r = hmac(ctx, k, sizeof(k), "aws4_request", k);
	if (!r)
		memcpy(out, k, sizeof(k));
out:
	if (ksecret)
		OPENSSL_cleanse(ksecret, slen + 4);
	free(ksecret);
	OPENSSL_cleanse(k, sizeof(k));
	return r;
}

static int signing_key(EVP_MD_CTX *ctx, const struct credentials *cred,
		       const char *date, const char *region,
		       const char *service, struct sigv4_key_cache *cache,
		       unsigned char out[SIGV4_SHA256_LEN])
{
	int r;

	if (cache && cache->valid && !strcmp(cache->date, date) &&
	    !strcmp(cache->region, region) &&
	    !strcmp(cache->service, service) &&
	    !strcmp(cache->access_key_id, cred->access_key_id)) {
		memcpy(out, cache->key, SIGV4_SHA256_LEN);
		return 0;
	}
	r = derive_key(ctx, cred->secret_access_key, date, region, service,
		       out);
	if (r || !cache)
		return r;
	/* Lengths were checked by check_input(). */
	snprintf(cache->date, sizeof(cache->date), "%s", date);
	snprintf(cache->region, sizeof(cache->region), "%s", region);
	snprintf(cache->service, sizeof(cache->service), "%s", service);
	snprintf(cache->access_key_id, sizeof(cache->access_key_id), "%s",
		 cred->access_key_id);
	memcpy(cache->key, out, SIGV4_SHA256_LEN);
	cache->valid = true;
	return 0;
}

/* A credential scope part: 1..max-1 visible ASCII characters, no '/'. */
static int valid_scope_part(const char *s, size_t max)
{
	size_t n;

	if (!s)
		return 0;
	for (n = 0; s[n]; n++)
		if (s[n] <= ' ' || s[n] >= 0x7f || s[n] == '/' || s[n] == ',')
			return 0;
	return n > 0 && n < max;
}

static int check_input(const struct sigv4_request *req,
		       const struct credentials *cred,
		       const char *region, const char *service)
{
	struct sigv4_key_cache *c = NULL;

	if (!req || !cred || !req->method || !*req->method || !req->path ||
	    req->path[0] != '/' || (req->nheaders && !req->headers) ||
	    (req->body_len && !req->body))
		return -EINVAL;
	if (strpbrk(req->method, " \t\r\n") ||
	    strpbrk(req->path, "\r\n") ||
	    (req->query && strpbrk(req->query, "\r\n")))
		return -EINVAL;
	if (!cred->secret_access_key || !*cred->secret_access_key ||
	    (cred->session_token && strpbrk(cred->session_token, "\r\n")))
		return -EINVAL;
	if (!valid_scope_part(cred->access_key_id, sizeof(c->access_key_id)) ||
	    !valid_scope_part(region, sizeof(c->region)) ||
	    !valid_scope_part(service, sizeof(c->service)))
		return -EINVAL;
	return 0;
}

int sigv4_sign(const struct sigv4_request *req,
	       const struct credentials *cred, const char *region,
	       const char *service, time_t when, struct sigv4_key_cache *cache,
	       struct sigv4_result *ret)
{
	struct sigv4_result res = {0};
	struct buf creq, sts, auth, shdrs;
	unsigned char key[SIGV4_SHA256_LEN], sig[SIGV4_SHA256_LEN];
	char date[9], hash[65], scope[160];
	const char *token = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	struct tm tm;
	int r;

	/* The canonical request holds the session token: wiped when let go. */
	buf_init(&creq, 0, BUF_SECRET);
	buf_init(&sts, 0, 0);
	buf_init(&auth, 0, 0);
	buf_init(&shdrs, 0, 0);
	r = ret ? check_input(req, cred, region, service) : -EINVAL;
	if (!r && !ctx)
		r = -ENOMEM;
	if (r)
		goto out;
	if (cred->session_token && *cred->session_token &&
	    !req->omit_session_token)
		token = cred->session_token;
	/* One allocation each for the usual sizes (a DeleteOptedOutNumber
	 * canonical request is about 330 bytes and the token's). */
	buf_reserve(&creq, 512 + (token ? strlen(token) : 0));
	buf_reserve(&sts, 256);
	buf_reserve(&auth, 256);
	if (!gmtime_r(&when, &tm) ||
	    strftime(res.amz_date, sizeof(res.amz_date), "%Y%m%dT%H%M%SZ",
		     &tm) != 16) {
		r = -EINVAL;
		goto out;
	}
	memcpy(date, res.amz_date, 8);
	date[8] = '\0';
	snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", date, region,
		 service);
	r = put_canonical_request(ctx, &creq, &shdrs, req, res.amz_date,
				  token);
	if (r)
		goto out;
	r = sha256_hex(ctx, creq.p, creq.len, hash);
	if (r)
		goto out;
	buf_puts(&sts, SIGV4_ALGORITHM "\n");
	buf_puts(&sts, res.amz_date);
	buf_putc(&sts, '\n');
	buf_puts(&sts, scope);
	buf_putc(&sts, '\n');
	buf_puts(&sts, hash);
	r = buf_err(&sts);
	if (r)
		goto out;

	r = signing_key(ctx, cred, date, region, service, cache, key);
	if (r)
		goto out;
	r = hmac(ctx, key, sizeof(key), sts.p, sig);
	if (r)
		goto out;
	hex_encode(sig, sizeof(sig), res.signature);

	buf_puts(&auth, SIGV4_ALGORITHM " Credential=");
	buf_puts(&auth, cred->access_key_id);
	buf_putc(&auth, '/');
	buf_puts(&auth, scope);
	buf_puts(&auth, ", SignedHeaders=");
	buf_put(&auth, shdrs.p, shdrs.len);
	buf_puts(&auth, ", Signature=");
	buf_puts(&auth, res.signature);

	res.authorization = buf_take(&auth);
	res.canonical_request = buf_take(&creq);
	res.string_to_sign = buf_take(&sts);
	if (!res.authorization || !res.canonical_request ||
	    !res.string_to_sign) {
		sigv4_result_done(&res);
		r = -ENOMEM;
		goto out;
	}
	*ret = res;
out:
	OPENSSL_cleanse(key, sizeof(key));
	EVP_MD_CTX_free(ctx);
	buf_free(&creq);
	buf_free(&sts);
	buf_free(&auth);
	buf_free(&shdrs);
	return r;
}

void sigv4_result_done(struct sigv4_result *res)
{
	if (!res)
		return;
	free(res->authorization);
	util_secret_free(res->canonical_request);
	free(res->string_to_sign);
	memset(res, 0, sizeof(*res));
}

void sigv4_key_cache_done(struct sigv4_key_cache *cache)
{
	if (!cache)
		return;
	OPENSSL_cleanse(cache, sizeof(*cache));
	cache->valid = false;
}
