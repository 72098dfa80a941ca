/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_credprov.c - the credential chain and its refresher, against local
 * fakes.
 *
 * A small HTTP server on 127.0.0.1 (a thread of this program) plays the
 * container endpoint, the instance metadata service and STS: it issues
 * numbered temporary keys (ASIACONT0001, ASIAIMDS0002 ...) that expire
 * after a lifetime the test sets, checks the headers the SDKs send, and
 * records every request.  credential_process is a shell script written by
 * the test; the files, the systemd directory and the web identity token
 * live in a fresh directory per case, which is also $HOME.
 *
 * The chain table states, for each arrangement of sources, which source
 * wins (or the error).  Then the refresher: keys that expire in a few
 * seconds are replaced before they expire, a snapshot held across a
 * refresh stays intact, a failed refresh keeps the old keys and is retried,
 * credprov_invalidate() refreshes at once but at most once a second and
 * ignores stale reports, the listener hears each change of keys once, and
 * credprov_free() stops a refresh in progress promptly.  Every secret contains "s3cr3t" or "t0k3n"; no message may.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "credprov.h"
#include "creddoc.h"
#include "util.h"
#include "tap.h"

/* ------------------------------------------------------------ the fake */

enum gen { GEN_STATIC, GEN_CONTAINER, GEN_IMDS, GEN_STS };

struct route {
	const char *method;
	const char *path;
	int status;
	const char *body; /* GEN_STATIC */
	enum gen gen;
	const char *need_name; /* a header that must carry need_value */
	const char *need_value;
};

#define ROLE "arn:aws:iam::123456789012:role/r"

struct fake_req {
	char method[8];
	char path[256];
	char authorization[256];
	char imds_token[256];
	char imds_ttl[32];
	char content_type[128];
	char body[4096];
};

#define FAKE_ROUTES 8
#define FAKE_REQS 256

static struct {
	int fd;
	int port;
	char url[64];
	pthread_t thread;
	pthread_mutex_t lock;
	struct route routes[FAKE_ROUTES];
	int lifetime_s;
	int delay_ms;   /* before answering */
	int fail_status; /* when set, every answer is this status */
	int issued;
	struct fake_req reqs[FAKE_REQS];
	int nreqs;
	atomic_int stop;
} fake = {.fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER};

static void fake_set(const struct route *routes, size_t n, int lifetime_s)
{
	pthread_mutex_lock(&fake.lock);
	memset(fake.routes, 0, sizeof(fake.routes));
	memcpy(fake.routes, routes, n * sizeof(*routes));
	fake.lifetime_s = lifetime_s;
	fake.delay_ms = 0;
	fake.fail_status = 0;
	fake.nreqs = 0;
	pthread_mutex_unlock(&fake.lock);
}

static int fake_count(const char *method, const char *path)
{
	int i, n = 0;

	pthread_mutex_lock(&fake.lock);
	for (i = 0; i < fake.nreqs && i < FAKE_REQS; i++)
		if (!strcmp(fake.reqs[i].method, method) &&
		    !strcmp(fake.reqs[i].path, path))
			n++;
	pthread_mutex_unlock(&fake.lock);
	return n;
}

/* A copy of the last request to @path. */
static bool fake_last(const char *path, struct fake_req *ret)
{
	bool found = false;
	int i;

	pthread_mutex_lock(&fake.lock);
	for (i = (fake.nreqs < FAKE_REQS ? fake.nreqs : FAKE_REQS) - 1; i >= 0;
	     i--)
		if (!strcmp(fake.reqs[i].path, path)) {
			*ret = fake.reqs[i];
			found = true;
			break;
		}
	pthread_mutex_unlock(&fake.lock);
	return found;
}

static void copy_value(char *dst, size_t len, const char *v, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* Reads one request from @fd into @req; 0 or -1. */
static int read_request(int fd, struct fake_req *req)
{
	char buf[16384], *end, *line, *next, *colon;
	size_t len = 0, clen = 0, hlen;
	ssize_t n;

	memset(req, 0, sizeof(*req));
	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end)
			break;
		if (len == sizeof(buf) - 1)
			return -1;
	}
	hlen = (size_t)(end - buf) + 4;
	if (sscanf(buf, "%7s %255s", req->method, req->path) != 2)
		return -1;
	for (line = strstr(buf, "\r\n") + 2; line < end; line = next + 2) {
		next = strstr(line, "\r\n");
		colon = memchr(line, ':', (size_t)(next - line));
		if (!colon)
			continue;
		*colon = '\0';
		colon++;
		while (*colon == ' ')
			colon++;
		if (!strcasecmp(line, "authorization"))
			copy_value(req->authorization,
				   sizeof(req->authorization), colon,
				   (size_t)(next - colon));
		else if (!strcasecmp(line, "x-aws-ec2-metadata-token"))
			copy_value(req->imds_token, sizeof(req->imds_token),
				   colon, (size_t)(next - colon));
		else if (!strcasecmp(line,
				     "x-aws-ec2-metadata-token-ttl-seconds"))
			copy_value(req->imds_ttl, sizeof(req->imds_ttl), colon,
				   (size_t)(next - colon));
		else if (!strcasecmp(line, "content-type"))
			copy_value(req->content_type,
				   sizeof(req->content_type), colon,
				   (size_t)(next - colon));
		else if (!strcasecmp(line, "content-length"))
			clen = strtoul(colon, NULL, 10);
	}
	while (len < hlen + clen && len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
	}
	copy_value(req->body, sizeof(req->body), buf + hlen,
		   len - hlen < clen ? len - hlen : clen);
	return 0;
}

static void write_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, s, len, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void answer(int fd, const struct fake_req *req)
{
	char body[4096], head[512], exp[CREDDOC_TIME_MAX];
	const struct route *rt = NULL;
	const char *have;
	int i, status = 404, num, delay;

	pthread_mutex_lock(&fake.lock);
	if (fake.nreqs < FAKE_REQS)
		fake.reqs[fake.nreqs] = *req;
	fake.nreqs++;
	for (i = 0; i < FAKE_ROUTES && fake.routes[i].path; i++)
		if (!strcmp(fake.routes[i].method, req->method) &&
		    !strcmp(fake.routes[i].path, req->path))
			rt = &fake.routes[i];
	snprintf(body, sizeof(body), "not found");
	if (rt) {
		have = !rt->need_name ? NULL :
		       !strcasecmp(rt->need_name, "authorization") ?
					req->authorization :
					req->imds_token;
		status = rt->status;
		if (have && strcmp(have, rt->need_value)) {
			status = 401;
			snprintf(body, sizeof(body),
				 "{\"code\": \"Unauthorized\", \"message\": "
				 "\"wrong token\"}");
			rt = NULL;
		}
	}
	if (rt && fake.fail_status) {
		status = fake.fail_status;
		snprintf(body, sizeof(body), "failing");
		rt = NULL;
	}
	if (rt) {
		num = ++fake.issued;
		creddoc_format_time(util_wall_ms() +
					       fake.lifetime_s * INT64_C(1000),
				       exp, sizeof(exp));
		switch (rt->gen) {
		case GEN_STATIC:
			snprintf(body, sizeof(body), "%s", rt->body);
			break;
		case GEN_CONTAINER:
		case GEN_IMDS:
			snprintf(body, sizeof(body),
				 "{%s\"AccessKeyId\": \"ASIA%s%04d\", "
				 "\"SecretAccessKey\": \"s3cr3t-%d\", "
				 "\"Token\": \"t0k3n-%d\", "
				 "\"Expiration\": \"%s\"}",
				 rt->gen == GEN_IMDS ?
					 "\"Code\": \"Success\", \"Type\": "
					 "\"AWS-HMAC\", " :
					 "",
				 rt->gen == GEN_IMDS ? "IMDS" : "CONT", num,
				 num, num, exp);
			break;
		case GEN_STS:
			snprintf(body, sizeof(body),
				 "<AssumeRoleWithWebIdentityResponse xmlns=\""
				 "https://sts.amazonaws.com/doc/2011-06-15/\">"
				 "<AssumeRoleWithWebIdentityResult><Credentials>"
				 "<AccessKeyId>ASIASTS%04d</AccessKeyId>"
				 "<SecretAccessKey>s3cr3t-%d</SecretAccessKey>"
				 "<SessionToken>t0k3n-%d</SessionToken>"
				 "<Expiration>%s</Expiration></Credentials>"
				 "</AssumeRoleWithWebIdentityResult>"
				 "</AssumeRoleWithWebIdentityResponse>",
				 num, num, num, exp);
			break;
		}
	}
	delay = fake.delay_ms;
	pthread_mutex_unlock(&fake.lock);
	/* A test that is done with a slow answer sets delay_ms back to 0. */
	for (; delay > 0 && !atomic_load(&fake.stop); delay -= 50) {
		poll(NULL, 0, 50);
		pthread_mutex_lock(&fake.lock);
		if (!fake.delay_ms)
			delay = 0;
		pthread_mutex_unlock(&fake.lock);
	}
	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n",
		 status, strlen(body));
	write_all(fd, head, strlen(head));
	write_all(fd, body, strlen(body));
}

static void *fake_main(void *arg)
{
	struct pollfd pfd = {.fd = fake.fd, .events = POLLIN};
	struct fake_req req;
	int c;

	(void)arg;
	while (!atomic_load(&fake.stop)) {
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		c = accept(fake.fd, NULL, NULL);
		if (c < 0)
			continue;
		if (!read_request(c, &req))
			answer(c, &req);
		close(c);
	}
	return NULL;
}

static void fake_start(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fake.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fake.fd < 0 || bind(fake.fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fake.fd, 16) ||
	    getsockname(fake.fd, (struct sockaddr *)&sa, &len)) {
		perror("fake server");
		exit(1);
	}
	fake.port = ntohs(sa.sin_port);
	snprintf(fake.url, sizeof(fake.url), "http://127.0.0.1:%d", fake.port);
	if (pthread_create(&fake.thread, NULL, fake_main, NULL)) {
		perror("pthread_create");
		exit(1);
	}
}

static void fake_stop(void)
{
	atomic_store(&fake.stop, 1);
	pthread_join(fake.thread, NULL);
	close(fake.fd);
}

/* ------------------------------------------------------ the environment */

#define AUTH "Bearer t0k3n-auth"
#define IMDS_TOKEN "imds-t0k3n-1"

static const struct route std_routes[] = {
	{"GET", "/creds", 200, NULL, GEN_CONTAINER, "authorization", AUTH},
	{"PUT", "/latest/api/token", 200, IMDS_TOKEN "\n", GEN_STATIC, NULL,
	 NULL},
	{"GET", "/latest/meta-data/iam/security-credentials/", 200,
	 "fake-role\n", GEN_STATIC, "x-aws-ec2-metadata-token", IMDS_TOKEN},
	{"GET", "/latest/meta-data/iam/security-credentials/fake-role", 200,
	 NULL, GEN_IMDS, "x-aws-ec2-metadata-token", IMDS_TOKEN},
	{"POST", "/sts/", 200, NULL, GEN_STS, NULL, NULL},
};

static const char *const env_names[] = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
	"CREDENTIALS_DIRECTORY", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
	"AWS_ROLE_SESSION_NAME", "AWS_ENDPOINT_URL_STS",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_EC2_METADATA_DISABLED",
	"AWS_EC2_METADATA_SERVICE_ENDPOINT",
	"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
};

/* @in with $DIR and $URL replaced. */
static void subst(const char *in, const char *dir, char *out, size_t len)
{
	size_t n = 0;

	while (*in && n + 1 < len) {
		if (!strncmp(in, "$DIR", 4)) {
			n += (size_t)snprintf(out + n, len - n, "%s", dir);
			in += 4;
		} else if (!strncmp(in, "$URL", 4)) {
			n += (size_t)snprintf(out + n, len - n, "%s", fake.url);
			in += 4;
		} else {
			out[n++] = *in++;
		}
	}
	out[n < len ? n : len - 1] = '\0';
}

static void write_file(const char *dir, const char *name, const char *text,
		       int mode)
{
	char path[512], buf[8192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	subst(text, dir, buf, sizeof(buf));
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(buf, f);
	fclose(f);
	chmod(path, (mode_t)mode);
}

/* A fresh directory that is $HOME and holds the files; AWS_* cleared. */
static void env_reset(char *dir)
{
	char path[600];
	size_t i;

	snprintf(dir, 64, "/tmp/test_credprov.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	for (i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++)
		unsetenv(env_names[i]);
	setenv("HOME", dir, 1);
	snprintf(path, sizeof(path), "%s/credentials", dir);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	snprintf(path, sizeof(path), "%s/config", dir);
	setenv("AWS_CONFIG_FILE", path, 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static void remove_tree(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", dir);
}

static bool no_secret(const char *msg)
{
	return !strstr(msg, "s3cr3t") && !strstr(msg, "t0k3n");
}

/* ------------------------------------------------------ the chain table */

struct chain_case {
	const char *what;
	const char *env[10]; /* "NAME=value", $DIR and $URL replaced */
	const char *profile; /* aws.profile */
	const char *credentials;
	const char *config;
	const char *sysd[3]; /* key id, secret, token files */
	const char *script;  /* $DIR/proc.sh */
	const char *token;   /* $DIR/token */
	int fail_status;     /* the fake answers this to everything */
	const char *want_source;
	const char *want_id; /* prefix */
	bool want_token;
	bool want_expiry;
	const char *want_err; /* part of the message */
};

#define ENV_KEYS "AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=s3cr3t-env"
#define CRED_FILE "[default]\naws_access_key_id = AKIDFILE\n" \
		  "aws_secret_access_key = s3cr3t-file\n"
#define CONF_KEYS "[default]\naws_access_key_id = AKIDCONF\n" \
		  "aws_secret_access_key = s3cr3t-conf\n"
#define CONF_PROC "[default]\ncredential_process = $DIR/proc.sh\n" \
		  "aws_access_key_id = AKIDCONF\n" \
		  "aws_secret_access_key = s3cr3t-conf\n"
#define PROC_SCRIPT "#!/bin/sh\nprintf '%s' '{\"Version\": 1, " \
		    "\"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": " \
		    "\"s3cr3t-proc\", \"SessionToken\": \"t0k3n-proc\", " \
		    "\"Expiration\": \"2999-01-01T00:00:00Z\"}'\n"
#define SYSD {"AKIDSYSD\n", "s3cr3t-sysd\n", NULL}
#define CONTAINER "AWS_CONTAINER_CREDENTIALS_FULL_URI=$URL/creds", \
		  "AWS_CONTAINER_AUTHORIZATION_TOKEN=" AUTH
#define WEB_ID "AWS_WEB_IDENTITY_TOKEN_FILE=$DIR/token", \
	       "AWS_ROLE_ARN=arn:aws:iam::123456789012:role/web", \
	       "AWS_ENDPOINT_URL_STS=$URL/sts/"
#define IMDS "AWS_EC2_METADATA_DISABLED=false", \
	     "AWS_EC2_METADATA_SERVICE_ENDPOINT=$URL/"

static const struct chain_case chain_cases[] = {
	{.what = "environment before everything",
	 .env = {ENV_KEYS, CONTAINER, WEB_ID},
	 .credentials = CRED_FILE, .config = CONF_PROC, .sysd = SYSD,
	 .script = PROC_SCRIPT, .token = "t0k3n-jwt",
	 .want_source = "environment", .want_id = "AKIDENV"},
	{.what = "systemd credentials before the files",
	 .env = {CONTAINER, WEB_ID}, .credentials = CRED_FILE,
	 .config = CONF_PROC, .sysd = SYSD, .token = "t0k3n-jwt",
	 .script = PROC_SCRIPT,
	 .want_source = "systemd-credentials", .want_id = "AKIDSYSD"},
	{.what = "systemd credentials with a token",
	 .sysd = {"AKIDSYSD", "s3cr3t-sysd\r\n", "t0k3n-sysd\n"},
	 .want_source = "systemd-credentials", .want_id = "AKIDSYSD",
	 .want_token = true},
	{.what = "explicit profile skips environment and systemd",
	 .env = {ENV_KEYS}, .sysd = SYSD, .profile = "prod",
	 .credentials = "[prod]\naws_access_key_id = AKIDPROD\n"
			"aws_secret_access_key = s3cr3t-prod\n",
	 .want_source = "shared-credentials-file:prod", .want_id = "AKIDPROD"},
	{.what = "web identity before the files",
	 .env = {WEB_ID, CONTAINER}, .token = "t0k3n-jwt\n",
	 .credentials = CRED_FILE, .want_source = "web-identity",
	 .want_id = "ASIASTS", .want_token = true, .want_expiry = true},
	{.what = "web identity from the profile",
	 .env = {"AWS_ENDPOINT_URL_STS=$URL/sts/"}, .token = "t0k3n-jwt",
	 .config = "[profile web]\nrole_arn = arn:aws:iam::1:role/w\n"
		   "web_identity_token_file = $DIR/token\n"
		   "role_session_name = my-session\n",
	 .profile = "web", .want_source = "web-identity",
	 .want_id = "ASIASTS", .want_token = true, .want_expiry = true},
	{.what = "web identity profile with a source_profile too",
	 .env = {"AWS_ENDPOINT_URL_STS=$URL/sts/"}, .token = "t0k3n-jwt",
	 .config = "[default]\nrole_arn = arn:aws:iam::1:role/w\n"
		   "web_identity_token_file = $DIR/token\n"
		   "source_profile = other\n",
	 .want_source = "web-identity", .want_id = "ASIASTS",
	 .want_token = true, .want_expiry = true},
	{.what = "shared credentials file before credential_process",
	 .env = {CONTAINER}, .credentials = CRED_FILE, .config = CONF_PROC,
	 .script = PROC_SCRIPT,
	 .want_source = "shared-credentials-file:default",
	 .want_id = "AKIDFILE"},
	{.what = "credential_process before the config file's keys",
	 .env = {CONTAINER}, .config = CONF_PROC, .script = PROC_SCRIPT,
	 .want_source = "credential-process:default", .want_id = "AKIDPROC",
	 .want_token = true, .want_expiry = true},
	{.what = "credential_process in the credentials file",
	 .credentials = "[default]\ncredential_process = $DIR/proc.sh\n",
	 .script = PROC_SCRIPT, .want_source = "credential-process:default",
	 .want_id = "AKIDPROC", .want_token = true, .want_expiry = true},
	{.what = "config file's keys before the container",
	 .env = {CONTAINER, IMDS}, .config = CONF_KEYS,
	 .want_source = "config-file:default", .want_id = "AKIDCONF"},
	{.what = "container before instance metadata",
	 .env = {CONTAINER, IMDS}, .want_source = "container",
	 .want_id = "ASIACONT", .want_token = true, .want_expiry = true},
	{.what = "container token from a file",
	 .env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=$URL/creds",
		 "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$DIR/token",
		 "AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong"},
	 .token = AUTH "\n", .want_source = "container", .want_id = "ASIACONT",
	 .want_token = true, .want_expiry = true},
	{.what = "instance metadata", .env = {IMDS}, .want_source = "imds",
	 .want_id = "ASIAIMDS", .want_token = true, .want_expiry = true},
	{.what = "instance metadata disabled",
	 .env = {"AWS_EC2_METADATA_SERVICE_ENDPOINT=$URL"},
	 .want_err = "no AWS credentials found (environment, systemd "
		     "credentials, /tmp/"},
	/* broken sources stop the chain */
	{.what = "half a pair in the environment",
	 .env = {"AWS_ACCESS_KEY_ID=AKIDENV"}, .credentials = CRED_FILE,
	 .want_err = "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY "
		     "is not"},
	{.what = "half a pair in the systemd directory",
	 .sysd = {NULL, "s3cr3t-sysd", NULL}, .credentials = CRED_FILE,
	 .want_err = "has aws-secret-access-key but no aws-access-key-id"},
	{.what = "systemd key with a space",
	 .sysd = {"AKID SYSD", "s3cr3t-sysd", NULL},
	 .want_err = "aws-access-key-id: not a key"},
	{.what = "named profile missing",
	 .env = {"AWS_PROFILE=nosuch", CONTAINER}, .credentials = CRED_FILE,
	 .want_err = "AWS profile \"nosuch\" not found"},
	{.what = "role profile: malformed role ARN", .profile = "assume",
	 .config = "[profile assume]\nrole_arn = arn:aws:iam::1:role/a\n"
		   "source_profile = default\n",
	 .want_err = "AWS profile \"assume\": role_arn, role_session_name "
		     "or external_id is malformed"},
	{.what = "role profile: role_arn alone", .credentials = CRED_FILE,
	 .config = "[default]\nrole_arn = " ROLE "\n",
	 .want_err = "AWS profile \"default\" has role_arn but neither "
		     "source_profile nor credential_source"},
	{.what = "role profile: a loop", .profile = "a",
	 .config = "[profile a]\nrole_arn = " ROLE "\nsource_profile = b\n"
		   "[profile b]\nrole_arn = " ROLE "\nsource_profile = c\n"
		   "[profile c]\nrole_arn = " ROLE "\nsource_profile = a\n",
	 .want_err = "AWS profiles loop through source_profile: a -> b -> c "
		     "-> a"},
	{.what = "role profile: source profile missing", .profile = "a",
	 .config = "[profile a]\nrole_arn = " ROLE "\nsource_profile = b\n",
	 .want_err = "AWS profile \"b\" not found (source_profile)"},
	{.what = "role profile: source profile without keys", .profile = "a",
	 .config = "[profile a]\nrole_arn = " ROLE "\nsource_profile = b\n"
		   "[profile b]\nregion = eu-west-1\n",
	 .want_err = "AWS profile \"b\" (a source_profile) has no keys"},
	{.what = "role profile: both sources", .profile = "a",
	 .config = "[profile a]\nrole_arn = " ROLE "\nsource_profile = a\n"
		   "credential_source = Environment\n",
	 .want_err = "has both source_profile and credential_source"},
	{.what = "role profile: unknown credential_source", .profile = "a",
	 .config = "[profile a]\nrole_arn = " ROLE "\n"
		   "credential_source = Vault\n",
	 .want_err = "credential_source \"Vault\" is not Environment, "
		     "Ec2InstanceMetadata or EcsContainer"},
	{.what = "role profile: Environment without keys", .profile = "a",
	 .config = "[profile a]\nrole_arn = " ROLE "\n"
		   "credential_source = Environment\n",
	 .want_err = "credential_source Environment has no credentials"},
	{.what = "role profile: duration_seconds", .profile = "a",
	 .config = "[profile a]\nrole_arn = " ROLE "\nsource_profile = a\n"
		   "duration_seconds = 60\naws_access_key_id = AKIDX\n"
		   "aws_secret_access_key = s3cr3t\n",
	 .want_err = "duration_seconds \"60\" is not 900 to 43200"},
	{.what = "web identity without a role", .token = "t0k3n-jwt",
	 .env = {"AWS_WEB_IDENTITY_TOKEN_FILE=$DIR/token"},
	 .credentials = CRED_FILE,
	 .want_err = "is set but no role ARN (AWS_ROLE_ARN or role_arn)"},
	{.what = "web identity token file missing",
	 .env = {WEB_ID}, .credentials = CRED_FILE,
	 .want_err = "STS AssumeRoleWithWebIdentity: /tmp/"},
	{.what = "web identity token file empty", .token = "\n",
	 .env = {WEB_ID}, .want_err = "token is empty"},
	{.what = "STS refuses", .env = {WEB_ID}, .token = "t0k3n-jwt",
	 .fail_status = 403, .credentials = CRED_FILE,
	 .want_err = "STS AssumeRoleWithWebIdentity: HTTP 403"},
	{.what = "credential_process fails", .config = CONF_PROC,
	 .script = "#!/bin/sh\necho s3cr3t-leak >&2\necho '{}'\nexit 3\n",
	 .want_err = "credential_process: exited with status 3"},
	{.what = "credential_process prints no JSON", .config = CONF_PROC,
	 .script = "#!/bin/sh\necho AKIDPROC s3cr3t-proc\n",
	 .want_err = "credential_process: its output: answer is not a JSON "
		     "object"},
	{.what = "credential_process not there",
	 .config = "[default]\ncredential_process = $DIR/nosuch\n",
	 .want_err = "credential_process: exited with status 127"},
	{.what = "credential_process killed",
	 .config = "[default]\ncredential_process = exec $DIR/proc.sh\n",
	 .script = "#!/bin/sh\nkill -9 $$\n",
	 .want_err = "credential_process: killed by signal 9"},
	{.what = "container refuses the token",
	 .env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=$URL/creds",
		 "AWS_CONTAINER_AUTHORIZATION_TOKEN=Bearer wrong"},
	 .want_err = "container credentials: HTTP 401: Unauthorized: "
		     "wrong token"},
	{.what = "container failing", .env = {CONTAINER},
	 .fail_status = 500, .want_err = "container credentials: HTTP 500"},
	{.what = "container over plain http elsewhere",
	 .env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://example.com/x"},
	 .want_err = "plain http is allowed only to a loopback host"},
	{.what = "container relative URI without slash",
	 .env = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=v2/x"},
	 .want_err = "does not start with '/'"},
	{.what = "container token file missing",
	 .env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=$URL/creds",
		 "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$DIR/nosuch"},
	 .want_err = "nosuch: no such file"},
	{.what = "container token with a line break",
	 .env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=$URL/creds",
		 "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$DIR/token"},
	 .token = "t0k3n\nX-Evil: 1", .want_err = "control characters"},
	/* instance metadata that fails means no credentials */
	{.what = "instance metadata failing", .env = {IMDS},
	 .fail_status = 503,
	 .want_err = "metadata: instance metadata: token request: HTTP 503"},
	{.what = "instance metadata not answering",
	 .env = {"AWS_EC2_METADATA_DISABLED=false",
		 "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:1"},
	 .want_err = "no AWS credentials found"},
	{.what = "instance metadata endpoint not a URL",
	 .env = {"AWS_EC2_METADATA_DISABLED=false",
		 "AWS_EC2_METADATA_SERVICE_ENDPOINT=169.254.169.254"},
	 .want_err = "not an http:// or https:// URL"},
};

static void run_chain_case(const struct chain_case *tc)
{
	struct source_opts cfg = {0};
	struct credprov *p;
	struct creds *c;
	char dir[64], buf[512], err[1024], *eq;
	size_t i;

	env_reset(dir);
	fake_set(std_routes, sizeof(std_routes) / sizeof(std_routes[0]), 3600);
	fake.fail_status = tc->fail_status;
	for (i = 0; i < 10 && tc->env[i]; i++) {
		subst(tc->env[i], dir, buf, sizeof(buf));
		eq = strchr(buf, '=');
		*eq = '\0';
		setenv(buf, eq + 1, 1);
	}
	if (tc->credentials)
		write_file(dir, "credentials", tc->credentials, 0600);
	if (tc->config)
		write_file(dir, "config", tc->config, 0600);
	if (tc->script)
		write_file(dir, "proc.sh", tc->script, 0700);
	if (tc->token)
		write_file(dir, "token", tc->token, 0600);
	if (tc->sysd[0] || tc->sysd[1] || tc->sysd[2]) {
		snprintf(buf, sizeof(buf), "%s/creds", dir);
		mkdir(buf, 0700);
		setenv("CREDENTIALS_DIRECTORY", buf, 1);
		if (tc->sysd[0])
			write_file(buf, "aws-access-key-id", tc->sysd[0], 0400);
		if (tc->sysd[1])
			write_file(buf, "aws-secret-access-key", tc->sysd[1],
				   0400);
		if (tc->sysd[2])
			write_file(buf, "aws-session-token", tc->sysd[2], 0400);
	}
	cfg.profile = tc->profile;
	cfg.region = "us-east-1";

	err[0] = 'x';
	err[1] = '\0';
	p = credprov_new(&cfg, err, sizeof(err));
	if (tc->want_err) {
		ok(!p, "%s: fails", tc->what);
		ok(strstr(err, tc->want_err) != NULL,
		   "%s: message has \"%s\" (%s)", tc->what, tc->want_err, err);
	} else if (ok(p != NULL, "%s: succeeds", tc->what)) {
		is_str(err, "", "%s: no message", tc->what);
		is_str(credprov_source(p), tc->want_source, "%s: source",
		       tc->what);
		c = credprov_get(p);
		ok(!strncmp(c->c.access_key_id, tc->want_id,
			    strlen(tc->want_id)),
		   "%s: key id %s", tc->what, c->c.access_key_id);
		ok(c->c.secret_access_key &&
			   strstr(c->c.secret_access_key, "s3cr3t"),
		   "%s: secret", tc->what);
		ok(!c->c.session_token == !tc->want_token, "%s: %s", tc->what,
		   tc->want_token ? "a token" : "no token");
		ok(!c->c.expires_ms == !tc->want_expiry, "%s: %s", tc->what,
		   tc->want_expiry ? "an expiry" : "no expiry");
		is_int(credprov_expires_ms(p), c->c.expires_ms,
		       "%s: credprov_expires_ms", tc->what);
		is_str(c->c.source, tc->want_source, "%s: snapshot source",
		       tc->what);
		creds_unref(c);
		credprov_free(p);
	}
	ok(no_secret(err), "%s: no secret in the message", tc->what);
	remove_tree(dir);
}

/* What the sources were sent. */
static void test_requests(void)
{
	struct source_opts cfg = {.region = "us-east-1"};
	struct fake_req req;
	struct credprov *p;
	char dir[64], err[512], buf[256];

	/* STS: the form, unsigned. */
	env_reset(dir);
	fake_set(std_routes, sizeof(std_routes) / sizeof(std_routes[0]), 3600);
	write_file(dir, "token", "eyJ.t0k3n+/=\n", 0600);
	snprintf(buf, sizeof(buf), "%s/token", dir);
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", buf, 1);
	setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web", 1);
	setenv("AWS_ROLE_SESSION_NAME", "sess-1", 1);
	snprintf(buf, sizeof(buf), "%s/sts/", fake.url);
	setenv("AWS_ENDPOINT_URL_STS", buf, 1);
	p = credprov_new(&cfg, err, sizeof(err));
	ok(p && fake_last("/sts/", &req), "sts: called (%s)", p ? "" : err);
	is_str(req.method, "POST", "sts: POST");
	is_str(req.content_type,
	       "application/x-www-form-urlencoded; charset=utf-8",
	       "sts: form content type");
	is_str(req.body,
	       "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
	       "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb"
	       "&RoleSessionName=sess-1&WebIdentityToken=eyJ.t0k3n%2B%2F%3D",
	       "sts: form body, token trimmed");
	is_str(req.authorization, "", "sts: not signed");
	credprov_free(p);
	unsetenv("AWS_ROLE_SESSION_NAME");
	p = credprov_new(&cfg, err, sizeof(err));
	fake_last("/sts/", &req);
	snprintf(buf, sizeof(buf), "RoleSessionName=optout-eraserd-%ld&",
		 (long)getpid());
	ok(strstr(req.body, buf) != NULL, "sts: default session name (%s)",
	   req.body);
	credprov_free(p);
	remove_tree(dir);

	/* Instance metadata: IMDSv2. */
	env_reset(dir);
	fake_set(std_routes, sizeof(std_routes) / sizeof(std_routes[0]), 3600);
	setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", fake.url, 1);
	p = credprov_new(&cfg, err, sizeof(err));
	ok(p && fake_last("/latest/api/token", &req), "imds: token asked");
	is_str(req.method, "PUT", "imds: token by PUT");
	is_str(req.imds_ttl, "21600", "imds: token TTL 6 hours");
	fake_last("/latest/meta-data/iam/security-credentials/fake-role", &req);
	is_str(req.imds_token, IMDS_TOKEN, "imds: credentials with the token");
	is_int(fake_count("GET", "/latest/meta-data/iam/security-credentials/"),
	       1, "imds: role listed once");
	credprov_free(p);
	remove_tree(dir);
}

/* ------------------------------------------------------------ refresher */

/* Waits up to @ms for a snapshot other than @old, with other keys unless
 * @same_keys_ok; returns it or NULL. */
static struct creds *wait_snapshot(struct credprov *p, const struct creds *old,
				   bool same_keys_ok, int ms)
{
	int64_t end = util_mono_ms() + ms;
	struct creds *c;

	for (;;) {
		c = credprov_get(p);
		if (c != old && (same_keys_ok || strcmp(c->c.access_key_id,
							old->c.access_key_id)))
			return c;
		creds_unref(c);
		if (util_mono_ms() >= end)
			return NULL;
		poll(NULL, 0, 20);
	}
}

/* A snapshot with other keys than @old's, within @ms; or NULL. */
static struct creds *wait_change(struct credprov *p, const struct creds *old,
				 int ms)
{
	return wait_snapshot(p, old, false, ms);
}

/* Container keys living 4 s: replaced half-way, before they expire; the
 * old snapshot stays intact while it is held. */
static void test_refresh_container(void)
{
	struct source_opts cfg = {.region = "us-east-1"};
	struct creds *c1, *c2, *prev, *next;
	struct credprov *p;
	char dir[64], err[512], url[128], id1[64], want[64], want_token[64];
	int64_t t0, t;
	int i, early = 0, late = 0;

	env_reset(dir);
	fake_set(std_routes, sizeof(std_routes) / sizeof(std_routes[0]), 4);
	snprintf(url, sizeof(url), "%s/creds", fake.url);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", AUTH, 1);
	p = credprov_new(&cfg, err, sizeof(err));
	if (!ok(p != NULL, "refresh: container loaded (%s)", err))
		goto out;
	t0 = util_wall_ms();
	c1 = credprov_get(p);
	snprintf(id1, sizeof(id1), "%s", c1->c.access_key_id);
	ok(c1->c.expires_ms > t0 + 2000 && c1->c.expires_ms <= t0 + 4000,
	   "refresh: first keys expire in 3-4 s (%" PRId64 " ms)",
	   c1->c.expires_ms - t0);
	c2 = wait_change(p, c1, 5000);
	t = util_wall_ms();
	if (ok(c2 != NULL, "refresh: new keys arrived")) {
		ok(t < c1->c.expires_ms, "refresh: before the old ones expired "
		   "(%" PRId64 " ms early)", c1->c.expires_ms - t);
		ok(t - t0 >= 1000, "refresh: not before half-way (after "
		   "%" PRId64 " ms)", t - t0);
		ok(c2->c.expires_ms > c1->c.expires_ms, "refresh: new expiry later");
	}
	is_str(c1->c.access_key_id, id1, "refresh: held snapshot intact");
	snprintf(want, sizeof(want), "s3cr3t-%d", (int)strtol(id1 + 8, NULL, 10));
	snprintf(want_token, sizeof(want_token), "t0k3n-%d", (int)strtol(id1 + 8, NULL, 10));
	ok(!strcmp(c1->c.secret_access_key, want) &&
		   !strcmp(c1->c.session_token, want_token),
	   "refresh: held snapshot's secret and token intact");
	creds_unref(c1);

	/* Two more rounds: each replacement comes before the expiry of
	 * the keys it replaces. */
	prev = c2;
	for (i = 0; i < 2 && prev; i++) {
		next = wait_change(p, prev, 5000);
		t = util_wall_ms();
		if (!next || t >= prev->c.expires_ms)
			late++;
		if (next && t < prev->c.expires_ms - 4000)
			early++;
		creds_unref(prev);
		prev = next;
	}
	is_int(late, 0, "refresh: 2 more rounds, none late");
	is_int(early, 0, "refresh: none too early");
	creds_unref(prev);
	ok(fake_count("GET", "/creds") >= 4 && fake_count("GET", "/creds") <= 5,
	   "refresh: one fetch per round (%d)", fake_count("GET", "/creds"));
	credprov_free(p);
out:
	remove_tree(dir);
}

/* A refresh that fails keeps the old keys and is retried in time. */
static void test_refresh_failure(void)
{
	struct source_opts cfg = {.region = "us-east-1"};
	struct creds *c1, *c, *c2;
	struct credprov *p;
	char dir[64], err[512], url[128];
	int64_t end;
	bool same = true;

	env_reset(dir);
	fake_set(std_routes, sizeof(std_routes) / sizeof(std_routes[0]), 6);
	snprintf(url, sizeof(url), "%s/creds", fake.url);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", AUTH, 1);
	p = credprov_new(&cfg, err, sizeof(err));
	if (!ok(p != NULL, "failure: container loaded (%s)", err))
		goto out;
	c1 = credprov_get(p);
	pthread_mutex_lock(&fake.lock);
	fake.fail_status = 500;
	pthread_mutex_unlock(&fake.lock);
	/* Until 4 s: the refresh (due at 2.5-3 s) and a retry fail. */
	end = util_mono_ms() + 4000;
	while (util_mono_ms() < end) {
		c = credprov_get(p);
		same &= c == c1;
		creds_unref(c);
		poll(NULL, 0, 50);
	}
	ok(same, "failure: the old keys stay while refreshing fails");
	ok(fake_count("GET", "/creds") >= 3,
	   "failure: retried (%d fetches)", fake_count("GET", "/creds"));
	pthread_mutex_lock(&fake.lock);
	fake.fail_status = 0;
	pthread_mutex_unlock(&fake.lock);
	c2 = wait_change(p, c1, 3000);
	ok(c2 && util_wall_ms() < c1->c.expires_ms,
	   "failure: recovered before the old keys expired");
	creds_unref(c2);
	creds_unref(c1);
	credprov_free(p);
out:
	remove_tree(dir);
}

/* credential_process with a counter: invalidate, its rate limit, stale
 * reports. */
#define COUNTING_SCRIPT                                                        \
	"#!/bin/sh\nn=$(cat $DIR/n 2>/dev/null || echo 0)\nn=$((n + 1))\n"     \
	"echo $n > $DIR/n\n"                                                   \
	"printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC%04d\", "         \
	"\"SecretAccessKey\": \"s3cr3t-%d\", \"Expiration\": "                 \
	"\"2999-01-01T00:00:00Z\"}' $n $n\n"

static int runs(const char *dir)
{
	char path[128];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/n", dir);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = 0;
		fclose(f);
	}
	return n;
}

static void test_invalidate(void)
{
	struct source_opts cfg = {0};
	struct creds *c1, *c2, *c3, *c4;
	struct credprov *p;
	char dir[64], err[512];
	int64_t asked, seen;

	env_reset(dir);
	write_file(dir, "config",
		   "[default]\ncredential_process = $DIR/proc.sh\n", 0600);
	write_file(dir, "proc.sh", COUNTING_SCRIPT, 0700);
	p = credprov_new(&cfg, err, sizeof(err));
	if (!ok(p != NULL, "invalidate: process loaded (%s)", err))
		goto out;
	c1 = credprov_get(p);
	is_str(c1->c.access_key_id, "AKIDPROC0001", "invalidate: first run");
	credprov_invalidate(p, c1);
	c2 = wait_change(p, c1, 2000);
	ok(c2 && !strcmp(c2->c.access_key_id, "AKIDPROC0002"),
	   "invalidate: refreshed at once");
	/* A report about c1, now replaced, changes nothing. */
	credprov_invalidate(p, c1);
	poll(NULL, 0, 1500);
	is_int(runs(dir), 2, "invalidate: stale report ignored");
	/* Two reports in a row about the current keys: two refreshes, at
	 * least a second apart.  The third fetch starts after @asked and the
	 * fourth a second after the third started, so the fourth keys are
	 * seen at least a second after @asked, however long a run of the
	 * script takes; fetching again at once would show them a few ms
	 * after the third. */
	asked = util_mono_ms();
	credprov_invalidate(p, c2);
	c3 = wait_change(p, c2, 2000);
	ok(c3 && !strcmp(c3->c.access_key_id, "AKIDPROC0003"),
	   "invalidate: refreshed again");
	credprov_invalidate(p, c3);
	credprov_invalidate(p, c3);
	c4 = wait_change(p, c3, 3000);
	seen = util_mono_ms();
	ok(c4 && seen - asked >= 1000,
	   "invalidate: not within a second of the last fetch (%" PRId64
	   " ms)", seen - asked);
	poll(NULL, 0, 1200);
	is_int(runs(dir), 4, "invalidate: one fetch for two reports");
	creds_unref(c1);
	creds_unref(c2);
	creds_unref(c3);
	creds_unref(c4);
	credprov_free(p);
out:
	remove_tree(dir);
}

/* A provider reading CRED_FILE from a fresh shared-config folder @dir;
 * NULL (reported under @what) when it could not start. */
static struct credprov *file_provider(const struct source_opts *cfg,
				      char *dir, const char *what)
{
	struct credprov *p;
	char err[512];

	env_reset(dir);
	write_file(dir, "credentials", CRED_FILE, 0600);
	p = credprov_new(cfg, err, sizeof(err));
	ok(p != NULL, "%s: file loaded (%s)", what, p ? "" : err);
	return p;
}

/* The file's keys replaced by AKIDROTATED's. */
static void rotate_file(const char *dir)
{
	write_file(dir, "credentials",
		   "[default]\naws_access_key_id = AKIDROTATED\n"
		   "aws_secret_access_key = s3cr3t-rotated\n",
		   0600);
}

/* Static keys from a file are read again when AWS rejects them. */
static void test_invalidate_file(void)
{
	struct source_opts cfg = {0};
	struct creds *c1, *c2;
	struct credprov *p;
	char dir[64];

	p = file_provider(&cfg, dir, "rotate");
	if (!p)
		goto out;
	c1 = credprov_get(p);
	rotate_file(dir);
	credprov_invalidate(p, c1);
	c2 = wait_change(p, c1, 2000);
	ok(c2 && !strcmp(c2->c.access_key_id, "AKIDROTATED"),
	   "rotate: new keys read");
	ok(c2 && !c2->c.expires_ms, "rotate: still no expiry");
	is_str(c1->c.access_key_id, "AKIDFILE", "rotate: old snapshot intact");
	/* The file losing its keys keeps the current ones. */
	write_file(dir, "credentials", "[default]\n", 0600);
	credprov_invalidate(p, c2);
	poll(NULL, 0, 1500);
	creds_unref(c1);
	c1 = credprov_get(p);
	ok(c1 == c2, "rotate: keys gone from the file: current ones kept");
	creds_unref(c1);
	creds_unref(c2);
	credprov_free(p);
out:
	remove_tree(dir);
}

/* The listener of a provider (credprov_set_listener()). */
struct heard {
	struct credprov *p;
	atomic_int calls;
	atomic_int got_keys; /* it could take the keys: no lock held */
};

static void on_renewed(void *arg)
{
	struct heard *h = arg;

	creds_unref(credprov_get(h->p));
	atomic_fetch_add(&h->got_keys, 1);
	atomic_fetch_add(&h->calls, 1);
}

/* Waits up to @ms for @h to have heard @n calls; returns how many. */
static int heard_calls(struct heard *h, int n, int ms)
{
	int64_t end = util_mono_ms() + ms;

	while (atomic_load(&h->calls) < n && util_mono_ms() < end)
		poll(NULL, 0, 20);
	return atomic_load(&h->calls);
}

/* The listener hears each snapshot with new keys once, not keys read
 * again and found the same, and nothing once removed. */
static void test_listener(void)
{
	struct source_opts cfg = {0};
	struct heard h = {0};
	struct creds *c1, *c2, *c3, *c4;
	struct credprov *p;
	char dir[64];

	p = file_provider(&cfg, dir, "listener");
	if (!p)
		goto out;
	h.p = p;
	credprov_set_listener(p, on_renewed, &h);
	c1 = credprov_get(p);
	poll(NULL, 0, 300);
	is_int(atomic_load(&h.calls), 0, "listener: not called for the keys "
	       "it found");
	rotate_file(dir);
	credprov_invalidate(p, c1);
	c2 = wait_change(p, c1, 2000);
	ok(c2 != NULL, "listener: new keys read");
	is_int(heard_calls(&h, 1, 2000), 1, "listener: called once for them");
	is_int(atomic_load(&h.got_keys), 1,
	       "listener: could take the keys (the provider's lock is free)");
	/* Read again, the same keys: a new snapshot, no news. */
	credprov_invalidate(p, c2);
	c3 = c2 ? wait_snapshot(p, c2, true, 2500) : NULL;
	ok(c3 && c2 && !strcmp(c3->c.access_key_id, c2->c.access_key_id),
	   "listener: the same keys read again");
	is_int(heard_calls(&h, 2, 500), 1,
	   "listener: not called for the same keys");
	/* Removed: new keys again, nobody told. */
	credprov_set_listener(p, NULL, NULL);
	write_file(dir, "credentials", CRED_FILE, 0600);
	credprov_invalidate(p, c3);
	c4 = c3 ? wait_change(p, c3, 2500) : NULL;
	ok(c4 != NULL, "listener: keys changed once more");
	is_int(heard_calls(&h, 2, 300), 1, "listener: removed, not called");
	creds_unref(c1);
	creds_unref(c2);
	creds_unref(c3);
	creds_unref(c4);
	credprov_free(p);
out:
	remove_tree(dir);
}

/* The environment's keys are final: no thread, invalidate does nothing. */
static void test_environment(void)
{
	struct source_opts cfg = {0};
	struct creds *c1, *c2;
	struct credprov *p;
	char dir[64], err[512];

	env_reset(dir);
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-env", 1);
	setenv("AWS_SESSION_TOKEN", "t0k3n-env", 1);
	p = credprov_new(&cfg, err, sizeof(err));
	if (!ok(p != NULL, "environment: loaded"))
		goto out;
	c1 = credprov_get(p);
	is_str(c1->c.session_token, "t0k3n-env", "environment: token");
	credprov_invalidate(p, c1);
	credprov_invalidate(p, NULL);
	poll(NULL, 0, 100);
	c2 = credprov_get(p);
	ok(c1 == c2, "environment: invalidate changes nothing");
	is_int(atomic_load(&c1->refs), 3, "environment: three references");
	creds_unref(c2);
	/* The snapshot outlives the provider. */
	credprov_free(p);
	is_str(c1->c.access_key_id, "AKIDENV",
	       "environment: snapshot outlives the provider");
	creds_unref(c1);
	creds_unref(NULL);
	credprov_free(NULL);
out:
	remove_tree(dir);
}

/* credprov_free() ends a refresh in progress. */
static void test_stop(void)
{
	struct source_opts cfg = {0};
	struct credprov *p;
	struct creds *c;
	char dir[64], err[512], url[128];
	int64_t t;

	/* A credential_process that hangs on its second run. */
	env_reset(dir);
	write_file(dir, "config",
		   "[default]\ncredential_process = $DIR/proc.sh\n", 0600);
	write_file(dir, "proc.sh",
		   "#!/bin/sh\nif [ -e $DIR/once ]; then sleep 30; exit 0; fi\n"
		   "touch $DIR/once\n"
		   "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
		   "\"SecretAccessKey\": \"s3cr3t\"}'\n",
		   0700);
	p = credprov_new(&cfg, err, sizeof(err));
	if (ok(p != NULL, "stop: process loaded (%s)", err)) {
		c = credprov_get(p);
		credprov_invalidate(p, c);
		creds_unref(c);
		poll(NULL, 0, 300); /* the second run is sleeping now */
		t = util_mono_ms();
		credprov_free(p);
		t = util_mono_ms() - t;
		ok(t < 1000, "stop: a hanging credential_process is killed "
		   "(%" PRId64 " ms)", t);
	}
	remove_tree(dir);

	/* A container endpoint that answers slowly. */
	env_reset(dir);
	fake_set(std_routes, sizeof(std_routes) / sizeof(std_routes[0]), 3600);
	snprintf(url, sizeof(url), "%s/creds", fake.url);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", AUTH, 1);
	p = credprov_new(&cfg, err, sizeof(err));
	if (ok(p != NULL, "stop: container loaded (%s)", err)) {
		pthread_mutex_lock(&fake.lock);
		fake.delay_ms = 4000;
		pthread_mutex_unlock(&fake.lock);
		c = credprov_get(p);
		credprov_invalidate(p, c);
		creds_unref(c);
		poll(NULL, 0, 300);
		t = util_mono_ms();
		credprov_free(p);
		t = util_mono_ms() - t;
		ok(t < 2500, "stop: a slow HTTP fetch is abandoned (%" PRId64
		   " ms)", t);
		pthread_mutex_lock(&fake.lock);
		fake.delay_ms = 0;
		pthread_mutex_unlock(&fake.lock);
	}
	remove_tree(dir);
}

/* A credential_process that never ends is given up after 30 s at start-up:
 * too slow for a unit test; one whose output is too large is cut short. */
static void test_process_limits(void)
{
	struct source_opts cfg = {0};
	struct credprov *p;
	char dir[64], err[512];

	env_reset(dir);
	write_file(dir, "config",
		   "[default]\ncredential_process = $DIR/proc.sh\n", 0600);
	write_file(dir, "proc.sh",
		   "#!/bin/sh\nhead -c 100000 /dev/zero | tr '\\0' x\n"
		   "sleep 30\n",
		   0700);
	p = credprov_new(&cfg, err, sizeof(err));
	ok(!p && strstr(err, "output larger than 65536 bytes"),
	   "process: oversized output refused (%s)", err);
	credprov_free(p);
	remove_tree(dir);

	env_reset(dir);
	write_file(dir, "config",
		   "[default]\ncredential_process = $DIR/proc.sh\n", 0600);
	write_file(dir, "proc.sh",
		   "#!/bin/sh\nread x && echo stdin-not-empty >&2\n"
		   "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
		   "\"SecretAccessKey\": \"s3cr3t\"}'\n",
		   0700);
	p = credprov_new(&cfg, err, sizeof(err));
	ok(p != NULL, "process: stdin is empty, output without newline (%s)",
	   p ? "" : err);
	credprov_free(p);
	remove_tree(dir);
}

int main(void)
{
	size_t i;

	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return 1;
	fake_start();
	for (i = 0; i < sizeof(chain_cases) / sizeof(chain_cases[0]); i++)
		run_chain_case(&chain_cases[i]);
	test_requests();
	test_environment();
	test_invalidate();
	test_invalidate_file();
	test_listener();
	test_process_limits();
	test_stop();
	test_refresh_container();
	test_refresh_failure();
	fake_stop();
	curl_global_cleanup();
	return tap_done();
}
