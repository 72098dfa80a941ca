/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sigv4.c - the SigV4 signer against two independent reference sets
 * and hand-written cases.
 *
 * (a) AWS's SigV4 test suite ($SHARED_DATA/sigv4-test-suite/v4/<case>/):
 *     request.txt is parsed here, signed for header signing with the
 *     case's normalize/omit_session_token/sign_body, and the canonical
 *     request, string to sign, signature and Authorization line are
 *     compared byte for byte.  Every case directory found is run.
 * (b) $SHARED_DATA/sms-voice-vectors.json: DeleteOptedOutNumber requests
 *     signed by botocore, rebuilt the way the daemon sends them.
 * (c) canonicalisation details, input errors and the key cache.
 *
 * The reference data is read where it lies; without it the test skips.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "sigv4.h"
#include "tap.h"

#define SUITE_MIN_CASES 38
#define MAX_HEADERS 16

static const char *shared_data;

/* Reads @dir/@name whole, NUL-terminated; NULL when it cannot. */
static char *slurp(const char *dir, const char *name, size_t *ret_len)
{
	char path[4096], *buf = NULL, *nbuf;
	size_t len = 0, cap = 0, n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				free(buf);
				buf = NULL;
				goto out;
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
out:
	fclose(f);
	return buf;
}

/* "2015-08-30T12:36:00Z" -> seconds; -1 when malformed. */
static time_t parse_time(const char *s)
{
	struct tm tm;
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	if (!s ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
		   &n) != 6 ||
	    s[n] != '\0')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	out[0] = '\0';
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL))
		return;
	for (i = 0; i < mdlen && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * i] = '\0';
}

static void key_hex(const unsigned char key[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[key[i] >> 4];
		out[2 * i + 1] = hex[key[i] & 0xf];
	}
	out[64] = '\0';
}

static const char *json_str(const cJSON *obj, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

static bool json_true(const cJSON *obj, const char *name)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, name));
}

/* ---- (a) the AWS test suite ------------------------------------------ */

/* request.txt cut up in place; header values are owned copies because
 * folded lines are joined with one space. */
struct suite_request {
	char *buf;
	const char *method;
	const char *path;
	const char *query;
	struct sigv4_header headers[MAX_HEADERS + 1];
	char *values[MAX_HEADERS + 1];
	size_t nheaders;
	const char *body;
	size_t body_len;
};

static void suite_request_done(struct suite_request *sr)
{
	size_t i;

	for (i = 0; i < sr->nheaders; i++)
		free(sr->values[i]);
	free(sr->buf);
}

static int add_header(struct suite_request *sr, const char *name,
		      const char *value)
{
	if (sr->nheaders >= MAX_HEADERS + 1)
		return -E2BIG;
	sr->values[sr->nheaders] = strdup(value);
	if (!sr->values[sr->nheaders])
		return -ENOMEM;
	sr->headers[sr->nheaders].name = name;
	sr->headers[sr->nheaders].value = sr->values[sr->nheaders];
	sr->nheaders++;
	return 0;
}

/* Appends a folded line to the last header's value. */
static int fold_header(struct suite_request *sr, const char *more)
{
	char *v, *old;
	size_t olen, mlen;

	if (!sr->nheaders)
		return -EINVAL;
	old = sr->values[sr->nheaders - 1];
	olen = strlen(old);
	mlen = strlen(more);
	v = realloc(old, olen + 1 + mlen + 1);
	if (!v)
		return -ENOMEM;
	v[olen] = ' ';
	memcpy(v + olen + 1, more, mlen + 1);
	sr->values[sr->nheaders - 1] = v;
	sr->headers[sr->nheaders - 1].value = v;
	return 0;
}

static int parse_request(char *buf, size_t len, struct suite_request *sr)
{
	char *line, *next, *end, *p, *colon, *hdr_end;
	long clen = -1;
	int r;

	sr->buf = buf;
	hdr_end = strstr(buf, "\n\n");
	if (hdr_end) {
		*hdr_end = '\0';
		sr->body = hdr_end + 2;
		sr->body_len = len - (size_t)(sr->body - buf);
	}
	/* Request line: METHOD SP target SP HTTP/1.1; the target may hold
	 * spaces, so split on the last " HTTP/1.1". */
	next = strchr(buf, '\n');
	if (next)
		*next++ = '\0';
	end = NULL;
	for (p = strstr(buf, " HTTP/1.1"); p; p = strstr(p + 1, " HTTP/1.1"))
		end = p;
	p = strchr(buf, ' ');
	if (!end || !p || p >= end)
		return -EINVAL;
	*end = '\0';
	*p = '\0';
	sr->method = buf;
	sr->path = p + 1;
	p = strchr(p + 1, '?');
	if (p) {
		*p = '\0';
		sr->query = p + 1;
	}
	for (line = next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == ' ' || *line == '\t') {
			r = fold_header(sr, line + strspn(line, " \t"));
			if (r)
				return r;
			continue;
		}
		colon = strchr(line, ':');
		if (!colon)
			return -EINVAL;
		*colon = '\0';
		r = add_header(sr, line, colon + 1);
		if (r)
			return r;
		if (!strcasecmp(line, "Content-Length"))
			clen = strtol(colon + 1, NULL, 10);
	}
	if (clen >= 0 && (size_t)clen != sr->body_len)
		return -EINVAL;
	return 0;
}

/* The value of header line @name in a signed request, or NULL. */
static char *signed_header(const char *sreq, const char *name, char *buf,
			   size_t len)
{
	size_t nlen = strlen(name), vlen;
	const char *p = sreq, *eol;

	while (p && *p) {
		eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		if (!strncmp(p, name, nlen) && p[nlen] == ':') {
			vlen = (size_t)(eol - p) - nlen - 1;
			if (vlen >= len)
				return NULL;
			memcpy(buf, p + nlen + 1, vlen);
			buf[vlen] = '\0';
			return buf;
		}
		p = *eol ? eol + 1 : eol;
	}
	return NULL;
}

static void run_suite_case(const char *dir, const char *name)
{
	struct suite_request sr = {0};
	struct sigv4_result res = {0};
	struct credentials cred = {0};
	struct sigv4_request req = {0};
	cJSON *ctx = NULL;
	const cJSON *creds;
	char *ctxtxt, *reqtxt, *creq, *sts, *sig, *sreq, body_hash[65];
	char authz[512], date[32];
	size_t reqlen = 0;
	time_t when;
	int r;

	ctxtxt = slurp(dir, "context.json", NULL);
	reqtxt = slurp(dir, "request.txt", &reqlen);
	creq = slurp(dir, "header-canonical-request.txt", NULL);
	sts = slurp(dir, "header-string-to-sign.txt", NULL);
	sig = slurp(dir, "header-signature.txt", NULL);
	sreq = slurp(dir, "header-signed-request.txt", NULL);
	if (!ok(ctxtxt && reqtxt && creq && sts && sig && sreq,
		"%s: all header-signing files present", name)) {
		free(reqtxt);
		goto out;
	}
	ctx = cJSON_Parse(ctxtxt);
	creds = cJSON_GetObjectItemCaseSensitive(ctx, "credentials");
	when = parse_time(json_str(ctx, "timestamp"));
	r = parse_request(reqtxt, reqlen, &sr);
	if (!ok(ctx && creds && when != -1 && r == 0,
		"%s: context.json and request.txt parsed", name))
		goto out;
	if (json_true(ctx, "sign_body")) {
		sha256_hex(sr.body, sr.body_len, body_hash);
		r = add_header(&sr, "x-amz-content-sha256", body_hash);
		if (!ok(r == 0, "%s: content hash header added", name))
			goto out;
	}
	cred.access_key_id = (char *)json_str(creds, "access_key_id");
	cred.secret_access_key = (char *)json_str(creds, "secret_access_key");
	cred.session_token = (char *)json_str(creds, "token");
	req.method = sr.method;
	req.path = sr.path;
	req.query = sr.query;
	req.headers = sr.headers;
	req.nheaders = sr.nheaders;
	req.body = sr.body;
	req.body_len = sr.body_len;
	req.normalize_path = json_true(ctx, "normalize");
	req.omit_session_token = json_true(ctx, "omit_session_token");

	r = sigv4_sign(&req, &cred, json_str(ctx, "region"),
		       json_str(ctx, "service"), when, NULL, &res);
	if (!is_int(r, 0, "%s: signed", name))
		goto out;
	is_str(res.canonical_request, creq, "%s: canonical request", name);
	is_str(res.string_to_sign, sts, "%s: string to sign", name);
	is_str(res.signature, sig, "%s: signature", name);
	is_str(res.authorization,
	       signed_header(sreq, "Authorization", authz, sizeof(authz)),
	       "%s: Authorization", name);
	is_str(res.amz_date,
	       signed_header(sreq, "X-Amz-Date", date, sizeof(date)),
	       "%s: X-Amz-Date", name);
out:
	sigv4_result_done(&res);
	suite_request_done(&sr);
	cJSON_Delete(ctx);
	free(ctxtxt);
	free(creq);
	free(sts);
	free(sig);
	free(sreq);
}

static int is_case_dir(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

static void test_suite(void)
{
	struct dirent **list = NULL;
	char dir[4096], path[4400];
	struct stat st;
	int n, i, ncases = 0;

	snprintf(dir, sizeof(dir), "%s/sigv4-test-suite/v4", shared_data);
	n = scandir(dir, &list, is_case_dir, alphasort);
	if (!ok(n >= 0, "test suite directory %s readable", dir))
		return;
	tap_diag("sigv4-test-suite: header signing only; query (presigned "
		 "URL) signing is not used by the daemon and not tested");
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			run_suite_case(path, list[i]->d_name);
			ncases++;
		}
		free(list[i]);
	}
	free(list);
	tap_diag("sigv4-test-suite: %d cases run", ncases);
	ok(ncases >= SUITE_MIN_CASES, "test suite: %d cases found (>= %d)",
	   ncases, SUITE_MIN_CASES);
}

/* ---- (b) botocore's DeleteOptedOutNumber vectors ------------------------ */

static void run_sms_case(const cJSON *c, struct sigv4_key_cache *cache)
{
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(c, "inputs");
	const cJSON *out, *derived, *blen;
	const char *id = json_str(c, "id"), *url, *body, *p;
	struct sigv4_result res = {0}, again = {0}, nocache = {0};
	struct credentials cred = {0};
	struct sigv4_request req = {0};
	struct sigv4_header hdrs[3];
	char host[256], hash[65], khex[65];
	size_t hlen;
	time_t when;
	int r;

	out = cJSON_GetObjectItemCaseSensitive(c, "botocore_output");
	url = json_str(out, "url");
	body = json_str(out, "body");
	derived = cJSON_GetObjectItemCaseSensitive(c, "derived");
	blen = cJSON_GetObjectItemCaseSensitive(out, "body_length");
	if (!id)
		id = "(no id)";
	when = parse_time(json_str(in, "timestamp"));
	p = url ? strstr(url, "://") : NULL;
	hlen = p ? strcspn(p + 3, "/") : 0;
	if (!ok(in && out && body && cJSON_IsNumber(blen) && when != -1 &&
			hlen > 0 && hlen < sizeof(host),
		"%s: vector complete", id))
		return;
	memcpy(host, p + 3, hlen);
	host[hlen] = '\0';
	is_int(strlen(body), blen->valuedouble, "%s: body length", id);
	sha256_hex(body, strlen(body), hash);
	is_str(hash, json_str(out, "body_sha256"), "%s: body hash", id);

	hdrs[0].name = "Host";
	hdrs[0].value = host;
	hdrs[1].name = "Content-Type";
	hdrs[1].value = "application/x-amz-json-1.0";
	hdrs[2].name = "X-Amz-Target";
	hdrs[2].value = "PinpointSMSVoiceV2.DeleteOptedOutNumber";
	req.method = "POST";
	req.path = "/";
	req.headers = hdrs;
	req.nheaders = 3;
	req.body = body;
	req.body_len = strlen(body);
	cred.access_key_id = (char *)json_str(in, "access_key_id");
	cred.secret_access_key = (char *)json_str(in, "secret_access_key");
	cred.session_token = (char *)json_str(in, "session_token");

	r = sigv4_sign(&req, &cred, json_str(in, "region"), "sms-voice", when,
		       cache, &res);
	if (!is_int(r, 0, "%s: signed", id))
		goto out;
	is_str(res.canonical_request, json_str(out, "canonical_request"),
	       "%s: canonical request", id);
	is_str(res.string_to_sign, json_str(out, "string_to_sign"),
	       "%s: string to sign", id);
	is_str(res.signature, json_str(out, "signature"), "%s: signature", id);
	is_str(res.authorization, json_str(out, "authorization"),
	       "%s: Authorization", id);
	is_str(res.amz_date, json_str(out, "x_amz_date"), "%s: X-Amz-Date", id);
	key_hex(cache->key, khex);
	is_str(khex, json_str(derived, "signing_key_hex"),
	       "%s: cached signing key", id);

	r = sigv4_sign(&req, &cred, json_str(in, "region"), "sms-voice", when,
		       cache, &again);
	is_int(r, 0, "%s: signed again from the cache", id);
	is_str(again.authorization, res.authorization,
	       "%s: cache hit gives the same Authorization", id);
	r = sigv4_sign(&req, &cred, json_str(in, "region"), "sms-voice", when,
		       NULL, &nocache);
	is_int(r, 0, "%s: signed without cache", id);
	is_str(nocache.authorization, res.authorization,
	       "%s: no cache gives the same Authorization", id);
out:
	sigv4_result_done(&res);
	sigv4_result_done(&again);
	sigv4_result_done(&nocache);
}

static void test_sms_vectors(void)
{
	struct sigv4_key_cache cache = {0};
	const cJSON *cases, *c;
	cJSON *root = NULL;
	char *txt;
	int n = 0;

	txt = slurp(shared_data, "sms-voice-vectors.json", NULL);
	if (!ok(txt != NULL, "%s/sms-voice-vectors.json readable", shared_data))
		return;
	root = cJSON_Parse(txt);
	cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
	if (!ok(cJSON_IsArray(cases), "sms-voice vectors parsed"))
		goto out;
	is_str(json_str(root, "signing_name"), "sms-voice", "signing name");
	cJSON_ArrayForEach(c, cases) {
		run_sms_case(c, &cache);
		n++;
	}
	tap_diag("sms-voice-vectors: %d cases run", n);
	ok(n >= 15, "sms-voice vectors: %d cases found (>= 15)", n);
out:
	sigv4_key_cache_done(&cache);
	cJSON_Delete(root);
	free(txt);
}

/* ---- (c) hand-written cases ------------------------------------------ */

#define BASE_WHEN 1440938160 /* 2015-08-30T12:36:00Z */

/* One signing; zero fields take the defaults of a plain POST / to
 * example.amazonaws.com with long-term credentials. */
struct spec {
	const char *what;
	const char *method;
	const char *path;
	const char *query;
	struct sigv4_header hdrs[3];
	size_t nhdrs;
	const char *akid;
	const char *secret;
	const char *token;
	const char *region;
	const char *service;
	const char *body;
	time_t when;
	bool normalize;
	bool omit_token;
	bool no_headers;
	/* Error rows: pass NULL for these instead of the default. */
	bool null_req, null_cred, null_method, null_path, null_akid,
		null_secret, null_region, null_service, null_body;
	int want;
	int line;              /* canonical request line (1-based; <0 from
				  the end) to compare with want_line */
	const char *want_line;
};

static const struct sigv4_header host_hdr = {"Host", "example.amazonaws.com"};

/* @v, or NULL when @null, or @def when @v is NULL. */
static const char *pick(const char *v, bool null, const char *def)
{
	if (null)
		return NULL;
	return v ? v : def;
}

static int spec_sign(const struct spec *s, struct sigv4_key_cache *cache,
		     struct sigv4_result *res)
{
	struct sigv4_request req = {0};
	struct credentials cred = {0};

	req.method = pick(s->method, s->null_method, "POST");
	req.path = pick(s->path, s->null_path, "/");
	req.query = s->query;
	req.headers = s->nhdrs ? s->hdrs : &host_hdr;
	req.nheaders = s->nhdrs ? s->nhdrs : 1;
	if (s->no_headers) {
		req.headers = NULL;
		req.nheaders = 0;
	}
	req.body = s->null_body ? NULL : s->body;
	req.body_len = s->body ? strlen(s->body) : 0;
	req.normalize_path = s->normalize;
	req.omit_session_token = s->omit_token;
	cred.access_key_id = (char *)pick(s->akid, s->null_akid, "AKIDEXAMPLE");
	cred.secret_access_key = (char *)pick(s->secret, s->null_secret,
				      "test/secret+key");
	cred.session_token = (char *)s->token;
	return sigv4_sign(s->null_req ? NULL : &req,
			  s->null_cred ? NULL : &cred,
			  pick(s->region, s->null_region, "us-east-1"),
			  pick(s->service, s->null_service, "service"),
			  s->when ? s->when : BASE_WHEN, cache, res);
}

/* Line @n of @text (1-based; negative counts from the end) into @buf. */
static const char *nth_line(const char *text, int n, char *buf, size_t len)
{
	const char *p = text, *eol;
	int nlines = 1, i;
	size_t l;

	for (eol = text; *eol; eol++)
		nlines += *eol == '\n';
	if (n < 0)
		n = nlines + 1 + n;
	for (i = 1; i < n && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || n < 1)
		return NULL;
	eol = strchr(p, '\n');
	l = eol ? (size_t)(eol - p) : strlen(p);
	if (l >= len)
		return NULL;
	memcpy(buf, p, l);
	buf[l] = '\0';
	return buf;
}

static const char long64[] =
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

static const struct spec specs[] = {
	/* canonical URI */
	{.what = "path space", .path = "/a b", .line = 2,
	 .want_line = "/a%20b"},
	{.what = "path escape encoded again", .path = "/%41", .line = 2,
	 .want_line = "/%2541"},
	{.what = "path utf-8", .path = "/\xc3\xbc", .line = 2,
	 .want_line = "/%C3%BC"},
	{.what = "path reserved", .path = "/a+b=c;d", .line = 2,
	 .want_line = "/a%2Bb%3Dc%3Bd"},
	{.what = "path unreserved", .path = "/~user/-._", .line = 2,
	 .want_line = "/~user/-._"},
	{.what = "path dots kept", .path = "/a/b/../c/./d", .line = 2,
	 .want_line = "/a/b/../c/./d"},
	{.what = "path dots removed", .path = "/a/b/../c/./d",
	 .normalize = true, .line = 2, .want_line = "/a/c/d"},
	{.what = "path trailing ..", .path = "/a/b/..", .normalize = true,
	 .line = 2, .want_line = "/a"},
	{.what = "path .. above root", .path = "/../../x", .normalize = true,
	 .line = 2, .want_line = "/x"},
	{.what = "path only ..", .path = "/..", .normalize = true, .line = 2,
	 .want_line = "/"},
	{.what = "path empty segments", .path = "/a//", .normalize = true,
	 .line = 2, .want_line = "/a/"},
	{.what = "path root", .path = "/", .normalize = true, .line = 2,
	 .want_line = "/"},
	{.what = "path dotted name", .path = "/a/..b/.c", .normalize = true,
	 .line = 2, .want_line = "/a/..b/.c"},
	/* canonical query */
	{.what = "query sorted", .query = "b=2&a=1", .line = 3,
	 .want_line = "a=1&b=2"},
	{.what = "query same key by value", .query = "a=2&a=1", .line = 3,
	 .want_line = "a=1&a=2"},
	{.what = "query empty values", .query = "b&a=", .line = 3,
	 .want_line = "a=&b="},
	{.what = "query escapes normalised", .query = "%7e=%7E", .line = 3,
	 .want_line = "~=~"},
	{.what = "query lower-case escape", .query = "k=%e1%88%b4", .line = 3,
	 .want_line = "k=%E1%88%B4"},
	{.what = "query space", .query = "k=a b", .line = 3,
	 .want_line = "k=a%20b"},
	{.what = "query bad escape", .query = "k=%zz", .line = 3,
	 .want_line = "k=%25zz"},
	{.what = "query short escape", .query = "k=%4", .line = 3,
	 .want_line = "k=%254"},
	{.what = "query plus is literal", .query = "a+b=c", .line = 3,
	 .want_line = "a%2Bb=c"},
	{.what = "query slash encoded", .query = "x=%2F/", .line = 3,
	 .want_line = "x=%2F%2F"},
	{.what = "query empty key", .query = "=v", .line = 3,
	 .want_line = "=v"},
	{.what = "query empty pieces", .query = "a=1&&b=2&", .line = 3,
	 .want_line = "a=1&b=2"},
	{.what = "query case order", .query = "a=1&A=1", .line = 3,
	 .want_line = "A=1&a=1"},
	{.what = "query second =", .query = "k=a=b", .line = 3,
	 .want_line = "k=a%3Db"},
	{.what = "query empty", .query = "", .line = 3, .want_line = ""},
	/* canonical headers */
	{.what = "header value trimmed",
	 .hdrs = {{"Host", "h"}, {"X-H", "  a \t  b  "}}, .nhdrs = 2,
	 .line = 6, .want_line = "x-h:a b"},
	{.what = "header repeated in order",
	 .hdrs = {{"X-H", "2"}, {"Host", "h"}, {"x-h", "1"}}, .nhdrs = 3,
	 .line = 6, .want_line = "x-h:2,1"},
	{.what = "header empty value",
	 .hdrs = {{"Host", "h"}, {"X-H", ""}}, .nhdrs = 2, .line = 6,
	 .want_line = "x-h:"},
	{.what = "header blank value",
	 .hdrs = {{"Host", "h"}, {"X-H", " \t "}}, .nhdrs = 2, .line = 6,
	 .want_line = "x-h:"},
	{.what = "header name lowered, value kept",
	 .hdrs = {{"HOST", "Example.COM"}}, .nhdrs = 1, .line = 4,
	 .want_line = "host:Example.COM"},
	{.what = "header prefix sorts first",
	 .hdrs = {{"x-amz-d", "1"}, {"Host", "h"}}, .nhdrs = 2, .line = -2,
	 .want_line = "host;x-amz-d;x-amz-date"},
	{.what = "signed headers of the API call",
	 .hdrs = {{"X-Amz-Target", "T"}, {"Content-Type", "C"}, {"Host", "h"}},
	 .nhdrs = 3, .line = -2,
	 .want_line = "content-type;host;x-amz-date;x-amz-target"},
	{.what = "token signed", .token = "TOKEN", .line = -2,
	 .want_line = "host;x-amz-date;x-amz-security-token"},
	{.what = "token value", .token = "TOKEN", .line = 6,
	 .want_line = "x-amz-security-token:TOKEN"},
	{.what = "token omitted", .token = "TOKEN", .omit_token = true,
	 .line = -2, .want_line = "host;x-amz-date"},
	{.what = "empty token is none", .token = "", .line = -2,
	 .want_line = "host;x-amz-date"},
	{.what = "date header", .line = 5,
	 .want_line = "x-amz-date:20150830T123600Z"},
	/* payload hash */
	{.what = "payload hash", .body = "abc", .line = -1,
	 .want_line = "ba7816bf8f01cfea414140de5dae2223"
		      "b00361a396177a9cb410ff61f20015ad"},
	{.what = "empty payload hash", .line = -1,
	 .want_line = "e3b0c44298fc1c149afbf4c8996fb924"
		      "27ae41e4649b934ca495991b7852b855"},
	{.what = "method kept", .method = "GET", .line = 1, .want_line = "GET"},
	/* errors */
	{.what = "no headers", .no_headers = true, .want = -EINVAL},
	{.what = "no host header", .hdrs = {{"X-H", "1"}}, .nhdrs = 1,
	 .want = -EINVAL},
	{.what = "empty host", .hdrs = {{"Host", ""}}, .nhdrs = 1,
	 .want = -EINVAL},
	{.what = "blank host", .hdrs = {{"Host", " \t"}}, .nhdrs = 1,
	 .want = -EINVAL},
	{.what = "NULL header value", .hdrs = {{"Host", "h"}, {"X", NULL}},
	 .nhdrs = 2, .want = -EINVAL},
	{.what = "NULL header name", .hdrs = {{"Host", "h"}, {NULL, "v"}},
	 .nhdrs = 2, .want = -EINVAL},
	{.what = "empty header name", .hdrs = {{"Host", "h"}, {"", "v"}},
	 .nhdrs = 2, .want = -EINVAL},
	{.what = "header name with colon",
	 .hdrs = {{"Host", "h"}, {"a:b", "v"}}, .nhdrs = 2, .want = -EINVAL},
	{.what = "header name with space",
	 .hdrs = {{"Host", "h"}, {"a b", "v"}}, .nhdrs = 2, .want = -EINVAL},
	{.what = "header value with CRLF",
	 .hdrs = {{"Host", "h"}, {"X", "a\r\nEvil: 1"}}, .nhdrs = 2,
	 .want = -EINVAL},
	{.what = "caller's x-amz-date",
	 .hdrs = {{"Host", "h"}, {"X-Amz-Date", "20150830T123600Z"}},
	 .nhdrs = 2, .want = -EINVAL},
	{.what = "caller's security token",
	 .hdrs = {{"Host", "h"}, {"x-amz-security-token", "t"}}, .nhdrs = 2,
	 .want = -EINVAL},
	{.what = "NULL request", .null_req = true, .want = -EINVAL},
	{.what = "NULL credentials", .null_cred = true, .want = -EINVAL},
	{.what = "NULL method", .null_method = true, .want = -EINVAL},
	{.what = "empty method", .method = "", .want = -EINVAL},
	{.what = "method with space", .method = "PO ST", .want = -EINVAL},
	{.what = "NULL path", .null_path = true, .want = -EINVAL},
	{.what = "empty path", .path = "", .want = -EINVAL},
	{.what = "relative path", .path = "a/b", .want = -EINVAL},
	{.what = "path with LF", .path = "/a\nb", .want = -EINVAL},
	{.what = "query with CR", .query = "a=\r", .want = -EINVAL},
	{.what = "NULL body with length", .body = "abc", .null_body = true,
	 .want = -EINVAL},
	{.what = "NULL key id", .null_akid = true, .want = -EINVAL},
	{.what = "empty key id", .akid = "", .want = -EINVAL},
	{.what = "key id with slash", .akid = "AKID/X", .want = -EINVAL},
	{.what = "NULL secret", .null_secret = true, .want = -EINVAL},
	{.what = "empty secret", .secret = "", .want = -EINVAL},
	{.what = "token with LF", .token = "a\nb", .want = -EINVAL},
	{.what = "NULL region", .null_region = true, .want = -EINVAL},
	{.what = "empty region", .region = "", .want = -EINVAL},
	{.what = "region too long", .region = long64, .want = -EINVAL},
	{.what = "region with slash", .region = "us/east", .want = -EINVAL},
	{.what = "region with space", .region = "us east", .want = -EINVAL},
	{.what = "NULL service", .null_service = true, .want = -EINVAL},
	{.what = "empty service", .service = "", .want = -EINVAL},
	{.what = "region of 63 characters", .region = long64 + 1, .line = 1,
	 .want_line = "POST"},
};

static void test_specs(void)
{
	static char sentinel[] = "untouched";
	struct sigv4_result res;
	char line[512];
	size_t i;
	int r;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		memset(&res, 0, sizeof(res));
		res.authorization = sentinel;
		res.canonical_request = sentinel;
		res.string_to_sign = sentinel;
		r = spec_sign(&specs[i], NULL, &res);
		if (!is_int(r, specs[i].want, "%s: returns %d", specs[i].what,
			    specs[i].want)) {
			if (r == 0)
				sigv4_result_done(&res);
			continue;
		}
		if (r) {
			ok(res.authorization == sentinel &&
				   res.canonical_request == sentinel &&
				   res.string_to_sign == sentinel &&
				   res.amz_date[0] == '\0',
			   "%s: result untouched", specs[i].what);
			continue;
		}
		is_str(nth_line(res.canonical_request, specs[i].line, line,
				sizeof(line)),
		       specs[i].want_line, "%s", specs[i].what);
		sigv4_result_done(&res);
	}
}

static void test_times(void)
{
	struct spec s = {.what = "time"};
	struct sigv4_result res = {0};
	struct tm tm;
	int r;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 10000 - 1900;
	tm.tm_mday = 1;
	s.when = timegm(&tm);
	r = spec_sign(&s, NULL, &res);
	is_int(r, -EINVAL, "year 10000 does not fit X-Amz-Date");
	tm.tm_year = 999 - 1900;
	s.when = timegm(&tm);
	r = spec_sign(&s, NULL, &res);
	is_int(r, -EINVAL, "year 999 does not fit X-Amz-Date");
	s.when = parse_time("2024-02-29T23:59:59Z");
	r = spec_sign(&s, NULL, &res);
	if (is_int(r, 0, "leap day signs")) {
		is_str(res.amz_date, "20240229T235959Z", "leap day X-Amz-Date");
		ok(strstr(res.string_to_sign, "\n20240229/us-east-1/service/"
					      "aws4_request\n") != NULL,
		   "leap day credential scope");
		ok(strstr(res.authorization,
			  "Credential=AKIDEXAMPLE/20240229/us-east-1/service/"
			  "aws4_request, SignedHeaders=host;x-amz-date, "
			  "Signature=") == res.authorization +
						   strlen("AWS4-HMAC-SHA256 "),
		   "Authorization layout");
		is_int(strlen(res.signature), 64, "signature is 64 hex digits");
		is_int(strspn(res.signature, "0123456789abcdef"), 64,
		       "signature is lower-case hex");
	}
	sigv4_result_done(&res);
	sigv4_result_done(&res);
	sigv4_result_done(NULL);
	s.when = 0;
	is_int(spec_sign(&s, NULL, NULL), -EINVAL, "NULL result is refused");
}

/* Signs @s with and without @cache; returns whether both agree. */
static bool agrees(const struct spec *s, struct sigv4_key_cache *cache)
{
	struct sigv4_result a = {0}, b = {0};
	bool same;

	same = spec_sign(s, cache, &a) == 0 && spec_sign(s, NULL, &b) == 0 &&
	       !strcmp(a.authorization, b.authorization);
	sigv4_result_done(&a);
	sigv4_result_done(&b);
	return same;
}

static void test_cache(void)
{
	struct sigv4_key_cache cache = {0}, zero = {0};
	struct spec s = {.what = "cache"};
	struct sigv4_result a = {0}, b = {0};
	unsigned char use1[32], day1[32];
	int r;

	ok(agrees(&s, &cache), "cache miss signs like no cache");
	ok(cache.valid, "cache filled");
	is_str(cache.date, "20150830", "cache date");
	is_str(cache.region, "us-east-1", "cache region");
	is_str(cache.service, "service", "cache service");
	is_str(cache.access_key_id, "AKIDEXAMPLE", "cache key id");
	memcpy(use1, cache.key, sizeof(use1));
	memcpy(day1, cache.key, sizeof(day1));

	r = spec_sign(&s, &cache, &a);
	is_int(r, 0, "cache hit signs");
	r = spec_sign(&s, &cache, &b);
	is_int(r, 0, "second cache hit signs");
	is_str(a.authorization, b.authorization, "same day, same result");
	sigv4_result_done(&b);

	/* A hit must use the stored key, not derive a new one. */
	cache.key[0] ^= 0x01;
	r = spec_sign(&s, &cache, &b);
	ok(r == 0 && strcmp(a.signature, b.signature) != 0,
	   "cache hit uses the cached key");
	sigv4_result_done(&b);
	cache.key[0] ^= 0x01;

	s.when = BASE_WHEN + 3600;
	ok(agrees(&s, &cache), "later the same day: same key, right result");
	ok(memcmp(cache.key, day1, 32) == 0, "same day keeps the key");

	s.region = "eu-west-2";
	ok(agrees(&s, &cache), "other region signs like no cache");
	is_str(cache.region, "eu-west-2", "cache moved to the other region");
	ok(memcmp(cache.key, use1, 32) != 0, "other region, other key");

	s.region = NULL;
	s.when = BASE_WHEN + 86400;
	ok(agrees(&s, &cache), "next day signs like no cache");
	is_str(cache.date, "20150831", "cache moved to the next day");
	ok(memcmp(cache.key, day1, 32) != 0, "next day, other key");

	/* A poisoned key for another key id or service is not used. */
	cache.key[0] ^= 0x01;
	s.akid = "AKIDOTHER";
	ok(agrees(&s, &cache), "other key id derives a fresh key");
	is_str(cache.access_key_id, "AKIDOTHER", "cache moved to the key id");
	cache.key[0] ^= 0x01;
	s.service = "sms-voice";
	ok(agrees(&s, &cache), "other service derives a fresh key");
	is_str(cache.service, "sms-voice", "cache moved to the service");

	/* A failed signing leaves the cache as it was. */
	s.region = "";
	r = spec_sign(&s, &cache, &b);
	is_int(r, -EINVAL, "bad region fails");
	is_str(cache.service, "sms-voice", "failed signing keeps the cache");

	sigv4_key_cache_done(&cache);
	ok(!memcmp(&cache, &zero, sizeof(cache)), "cache wiped");
	sigv4_key_cache_done(NULL);
	sigv4_result_done(&a);
}

int main(void)
{
	char why[4200];
	struct stat st;

	shared_data = getenv("SHARED_DATA");
	if (!shared_data || !*shared_data)
		shared_data = "/work/shared/data";

	if (stat(shared_data, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, sizeof(why),
			 "reference data directory %s (SHARED_DATA) not found",
			 shared_data);
		tap_skip_all(why);
	}
	test_specs();
	test_times();
	test_cache();
	test_suite();
	test_sms_vectors();
	return tap_done();
}
