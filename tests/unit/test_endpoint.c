/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_endpoint.c - region x options -> URL in every partition, the
 * override and its {region} substitution, malformed regions, and the Host
 * taken from a URL.
 *
 * The expected URLs were worked out by hand from botocore's endpoint rule
 * set for pinpoint-sms-voice-v2 and the SDKs' partition data.
 */
#include <errno.h>

#include "endpoint.h"
#include "tap.h"

#define E_INVAL "-EINVAL"
#define E_NOTSUP "-ENOTSUP"
#define E_NOSPC "-ENOSPC"

struct url_case {
	const char *region;
	bool fips, dualstack;
	const char *want; /* URL, or one of the E_* names */
};

static const struct url_case url_cases[] = {
	/* aws */
	{"us-east-1", false, false,
	 "https://sms-voice.us-east-1.amazonaws.com/"},
	{"us-east-1", true, false,
	 "https://sms-voice-fips.us-east-1.amazonaws.com/"},
	{"us-east-1", false, true, "https://sms-voice.us-east-1.api.aws/"},
	{"us-east-1", true, true, "https://sms-voice-fips.us-east-1.api.aws/"},
	{"eu-west-2", false, false,
	 "https://sms-voice.eu-west-2.amazonaws.com/"},
	{"eu-west-2", true, false,
	 "https://sms-voice-fips.eu-west-2.amazonaws.com/"},
	{"eu-west-2", false, true, "https://sms-voice.eu-west-2.api.aws/"},
	{"eu-west-2", true, true, "https://sms-voice-fips.eu-west-2.api.aws/"},
	{"ap-southeast-2", false, false,
	 "https://sms-voice.ap-southeast-2.amazonaws.com/"},
	{"ca-west-1", true, false,
	 "https://sms-voice-fips.ca-west-1.amazonaws.com/"},
	{"il-central-1", false, true,
	 "https://sms-voice.il-central-1.api.aws/"},
	{"mx-central-1", false, false,
	 "https://sms-voice.mx-central-1.amazonaws.com/"},
	{"aws-global", false, false,
	 "https://sms-voice.aws-global.amazonaws.com/"},
	/* aws-cn */
	{"cn-north-1", false, false,
	 "https://sms-voice.cn-north-1.amazonaws.com.cn/"},
	{"cn-north-1", true, false,
	 "https://sms-voice-fips.cn-north-1.amazonaws.com.cn/"},
	{"cn-north-1", false, true,
	 "https://sms-voice.cn-north-1.api.amazonwebservices.com.cn/"},
	{"cn-north-1", true, true,
	 "https://sms-voice-fips.cn-north-1.api.amazonwebservices.com.cn/"},
	{"cn-northwest-1", false, false,
	 "https://sms-voice.cn-northwest-1.amazonaws.com.cn/"},
	{"aws-cn-global", false, false,
	 "https://sms-voice.aws-cn-global.amazonaws.com.cn/"},
	/* aws-us-gov */
	{"us-gov-west-1", false, false,
	 "https://sms-voice.us-gov-west-1.amazonaws.com/"},
	{"us-gov-west-1", true, false,
	 "https://sms-voice-fips.us-gov-west-1.amazonaws.com/"},
	{"us-gov-west-1", false, true,
	 "https://sms-voice.us-gov-west-1.api.aws/"},
	{"us-gov-east-1", true, true,
	 "https://sms-voice-fips.us-gov-east-1.api.aws/"},
	/* aws-iso */
	{"us-iso-east-1", false, false,
	 "https://sms-voice.us-iso-east-1.c2s.ic.gov/"},
	{"us-iso-east-1", true, false,
	 "https://sms-voice-fips.us-iso-east-1.c2s.ic.gov/"},
	{"us-iso-east-1", false, true, E_NOTSUP},
	{"us-iso-west-1", true, true, E_NOTSUP},
	{"aws-iso-global", false, true, E_NOTSUP},
	/* aws-iso-b */
	{"us-isob-east-1", false, false,
	 "https://sms-voice.us-isob-east-1.sc2s.sgov.gov/"},
	{"us-isob-east-1", true, false,
	 "https://sms-voice-fips.us-isob-east-1.sc2s.sgov.gov/"},
	{"us-isob-east-1", false, true, E_NOTSUP},
	{"aws-iso-b-global", false, false,
	 "https://sms-voice.aws-iso-b-global.sc2s.sgov.gov/"},
	/* aws-iso-e, aws-iso-f, aws-eusc */
	{"eu-isoe-west-1", false, false,
	 "https://sms-voice.eu-isoe-west-1.cloud.adc-e.uk/"},
	{"eu-isoe-west-1", true, false,
	 "https://sms-voice-fips.eu-isoe-west-1.cloud.adc-e.uk/"},
	{"eu-isoe-west-1", false, true, E_NOTSUP},
	{"us-isof-south-1", false, false,
	 "https://sms-voice.us-isof-south-1.csp.hci.ic.gov/"},
	{"us-isof-east-1", true, false,
	 "https://sms-voice-fips.us-isof-east-1.csp.hci.ic.gov/"},
	{"us-isof-south-1", true, true, E_NOTSUP},
	{"eusc-de-east-1", false, false,
	 "https://sms-voice.eusc-de-east-1.amazonaws.eu/"},
	{"eusc-de-east-1", false, true, E_NOTSUP},
	/* regions no pattern claims: the aws partition */
	{"xx-future-1", false, false,
	 "https://sms-voice.xx-future-1.amazonaws.com/"},
	{"xx-future-1", false, true, "https://sms-voice.xx-future-1.api.aws/"},
	{"local", false, false, "https://sms-voice.local.amazonaws.com/"},
	{"cn-north", false, true, "https://sms-voice.cn-north.api.aws/"},
	{"us-iso-east", false, true, "https://sms-voice.us-iso-east.api.aws/"},
	{"us-isob-east-1x", false, true,
	 "https://sms-voice.us-isob-east-1x.api.aws/"},
	{"eusc-fr-east-1", false, true,
	 "https://sms-voice.eusc-fr-east-1.api.aws/"},
	{"1", false, false, "https://sms-voice.1.amazonaws.com/"},
	{"a23456789012345678901234567890123456789012345678901234567890123",
	 false, false,
	 "https://sms-voice.a234567890123456789012345678901234567890123456789"
	 "01234567890123.amazonaws.com/"},
	/* malformed regions */
	{NULL, false, false, E_INVAL},
	{"", false, false, E_INVAL},
	{"US-EAST-1", false, false, E_INVAL},
	{"us_east_1", false, false, E_INVAL},
	{"-us-east-1", false, false, E_INVAL},
	{"us-east-1-", false, false, E_INVAL},
	{"us east 1", false, false, E_INVAL},
	{"us-east-1.evil.example", false, false, E_INVAL},
	{"us-east-1/x", false, false, E_INVAL},
	{"us-east-1\n", false, false, E_INVAL},
	{"us-\xc3\xa9st-1", false, false, E_INVAL},
	{"a234567890123456789012345678901234567890123456789012345678901234",
	 false, false, E_INVAL},
};

/* @s with bytes outside printable ASCII as \xNN: one TAP line per check. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	if (!s)
		return "NULL";
	for (; *s && n + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f)
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return buf;
}

static void result_text(int r, const char *buf, char *out, size_t len)
{
	snprintf(out, len, "%s",
		 r == 0		  ? buf
		 : r == -EINVAL	  ? E_INVAL
		 : r == -ENOTSUP ? E_NOTSUP
		 : r == -ENOSPC	  ? E_NOSPC
				  : "(other error)");
}

static void test_url_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
		const struct url_case *c = &url_cases[i];
		struct endpoint_opts o = {NULL, c->fips, c->dualstack};
		char buf[256], got[256], name[300];
		int r;

		memset(buf, 'x', sizeof(buf));
		r = endpoint_url(&o, c->region, buf, sizeof(buf));
		result_text(r, buf, got, sizeof(got));
		shown(c->region, name, sizeof(name));
		is_str(got, c->want, "url %s%s%s", name, c->fips ? " fips" : "",
		       c->dualstack ? " dualstack" : "");
		if (r < 0)
			is_str(buf, "", "url %s: empty on error", name);
	}
}

struct override_case {
	const char *override;
	const char *region;
	bool fips, dualstack;
	const char *want;
};

static const struct override_case override_cases[] = {
	{"http://127.0.0.1:8080", "us-east-1", false, false,
	 "http://127.0.0.1:8080/"},
	{"http://127.0.0.1:8080/", "us-east-1", false, false,
	 "http://127.0.0.1:8080/"},
	{"http://127.0.0.1:8080/base/path", "eu-west-2", false, false,
	 "http://127.0.0.1:8080/base/path"},
	{"https://vpce-0a1b-2c3d.sms-voice.{region}.vpce.amazonaws.com",
	 "eu-west-2", false, false,
	 "https://vpce-0a1b-2c3d.sms-voice.eu-west-2.vpce.amazonaws.com/"},
	{"https://{region}.example.com/{region}/x", "us-gov-west-1", false,
	 false, "https://us-gov-west-1.example.com/us-gov-west-1/x"},
	{"http://h/{region}{region}", "cn-north-1", false, false,
	 "http://h/cn-north-1cn-north-1"},
	{"http://h:8080?r={region}", "us-east-1", false, false,
	 "http://h:8080/?r=us-east-1"},
	{"http://h#{region}", "us-east-1", false, false, "http://h/#us-east-1"},
	{"http://[::1]:8080", "us-east-1", false, false, "http://[::1]:8080/"},
	{"https://sms.example:443", "us-east-1", false, false,
	 "https://sms.example:443/"},
	{"http://127.0.0.1:8080", "us-iso-east-1", true, true,
	 "http://127.0.0.1:8080/"},
	{"https://{region}.example", "us-east-1", true, false,
	 "https://us-east-1.example/"},
	{"http://h/{reg}{region", "us-east-1", false, false,
	 "http://h/{reg}{region"},
	/* the region is still checked */
	{"http://127.0.0.1:8080", "US-EAST-1", false, false, E_INVAL},
	{"http://{region}.example", "a.b", false, false, E_INVAL},
	{"http://127.0.0.1:8080", "", false, false, E_INVAL},
	/* so is the URL */
	{"127.0.0.1:8080", "us-east-1", false, false, E_INVAL},
	{"localhost:8080", "us-east-1", false, false, E_INVAL},
	{"", "us-east-1", false, false, E_INVAL},
	{"http://user:pw@h/", "us-east-1", false, false, E_INVAL},
	{"http:///path", "us-east-1", false, false, E_INVAL},
	{"http://h:/", "us-east-1", false, false, E_INVAL},
	{"http://h:99999/", "us-east-1", false, false, E_INVAL},
	{"http://h /", "us-east-1", false, false, E_INVAL},
	{"http://h/a b", "us-east-1", false, false, E_INVAL},
	{"http://h/\r\nX-Evil: 1", "us-east-1", false, false, E_INVAL},
	{"http://{region}:{region}/", "us-east-1", false, false, E_INVAL},
};

static void test_overrides(void)
{
	size_t i;

	for (i = 0; i < sizeof(override_cases) / sizeof(override_cases[0]);
	     i++) {
		const struct override_case *c = &override_cases[i];
		struct endpoint_opts o = {c->override, c->fips, c->dualstack};
		char buf[256], got[256], name[300];
		int r;

		r = endpoint_url(&o, c->region, buf, sizeof(buf));
		result_text(r, buf, got, sizeof(got));
		is_str(got, c->want, "override \"%s\" for %s",
		       shown(c->override, name, sizeof(name)), c->region);
	}
}

/* Every buffer size from 0 up: -ENOSPC and "" until the URL fits. */
static void test_nospace(void)
{
	static const struct {
		const char *override;
		const char *region;
		const char *want;
	} cases[] = {
		{NULL, "us-east-1",
		 "https://sms-voice.us-east-1.amazonaws.com/"},
		{"http://h:8080", "us-east-1", "http://h:8080/"},
		{"http://h?{region}", "us-east-1", "http://h/?us-east-1"},
		{"http://{region}/{region}", "eu-west-2",
		 "http://eu-west-2/eu-west-2"},
	};
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct endpoint_opts o = {cases[i].override, false, false};
		size_t want = strlen(cases[i].want);
		bool good = true;

		for (n = 0; n <= want + 2; n++) {
			char buf[128];
			int r;

			memset(buf, 'x', sizeof(buf));
			r = endpoint_url(&o, cases[i].region, buf, n);
			if (n <= want) {
				if (r != -ENOSPC || (n > 0 && buf[0] != '\0') ||
				    buf[n] != 'x')
					good = false;
			} else if (r != 0 || strcmp(buf, cases[i].want) != 0) {
				good = false;
			}
			if (!good) {
				tap_diag("buffer %zu: %d \"%.*s\"", n, r,
					 (int)n, buf);
				break;
			}
		}
		ok(good, "%s: -ENOSPC below %zu bytes, the URL from there, "
			 "nothing written past the buffer",
		   cases[i].want, want + 1);
	}
}

static void test_null_opts(void)
{
	char buf[128];

	is_int(endpoint_url(NULL, "eu-west-2", buf, sizeof(buf)), 0,
	       "NULL options: standard endpoint");
	is_str(buf, "https://sms-voice.eu-west-2.amazonaws.com/",
	       "NULL options: the URL");
	is_int(endpoint_url(NULL, "bad region", buf, sizeof(buf)), -EINVAL,
	       "NULL options: the region is still checked");
}

struct host_case {
	const char *url;
	const char *want;
};

static const struct host_case host_cases[] = {
	{"https://sms-voice.us-east-1.amazonaws.com/",
	 "sms-voice.us-east-1.amazonaws.com"},
	{"http://127.0.0.1:8080/", "127.0.0.1:8080"},
	{"http://127.0.0.1:8080", "127.0.0.1:8080"},
	{"https://h:443/", "h:443"},
	{"http://h:80", "h:80"},
	{"http://h:65535/", "h:65535"},
	{"http://[::1]:8080/x", "[::1]:8080"},
	{"http://[::1]/", "[::1]"},
	{"http://[2001:db8::a:1]", "[2001:db8::a:1]"},
	{"http://[fe80::1%25eth0]:1/", "[fe80::1%25eth0]:1"},
	{"http://[::ffff:192.0.2.1]:9/", "[::ffff:192.0.2.1]:9"},
	{"http://Example.COM/", "Example.COM"},
	{"http://h?x=1", "h"},
	{"http://h#f", "h"},
	{"http://h/p?q#f", "h"},
	{"HTTPS://h/", "h"},
	{"svc+x.y-z://h/", "h"},
	{"http://my_host.example~1/", "my_host.example~1"},
	{"http://h/user@other/", "h"},
	{NULL, E_INVAL},
	{"", E_INVAL},
	{"h/", E_INVAL},
	{"//h/", E_INVAL},
	{"1http://h/", E_INVAL},
	{"ht tp://h/", E_INVAL},
	{"http:/h", E_INVAL},
	{"http:h", E_INVAL},
	{"http://", E_INVAL},
	{"http:///", E_INVAL},
	{"http://?q", E_INVAL},
	{"http://user@h/", E_INVAL},
	{"http://u:p@h:80/", E_INVAL},
	{"http://@h/", E_INVAL},
	{"http://h:/", E_INVAL},
	{"http://:80/", E_INVAL},
	{"http://h:65536/", E_INVAL},
	{"http://h:123456/", E_INVAL},
	{"http://h:000080/", E_INVAL},
	{"http://h:8a/", E_INVAL},
	{"http://h:-1/", E_INVAL},
	{"http://h:8080:9/", E_INVAL},
	{"http://[::1/", E_INVAL},
	{"http://[]/", E_INVAL},
	{"http://[::1]x/", E_INVAL},
	{"http://[::1]:/", E_INVAL},
	{"http://[1.2.3.4]/", E_INVAL},
	{"http://[::1]]/", E_INVAL},
	{"http://::1/", E_INVAL},
	{"http://h h/", E_INVAL},
	{"http://h\r\nX: y/", E_INVAL},
	{"http://h\\@evil/", E_INVAL},
	{"http://h\"/", E_INVAL},
};

static void test_hosts(void)
{
	size_t i;

	for (i = 0; i < sizeof(host_cases) / sizeof(host_cases[0]); i++) {
		char buf[128], got[160], name[300];
		int r;

		memset(buf, 'x', sizeof(buf));
		buf[sizeof(buf) - 1] = '\0';
		r = endpoint_host(host_cases[i].url, buf, sizeof(buf));
		result_text(r, buf, got, sizeof(got));
		shown(host_cases[i].url, name, sizeof(name));
		is_str(got, host_cases[i].want, "host of \"%s\"", name);
		if (r < 0)
			ok(buf[0] == 'x', "host of \"%s\": buffer untouched",
			   name);
	}
}

static void test_host_nospace(void)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	is_int(endpoint_host("http://abcd:80/", buf, 7), -ENOSPC,
	       "host needs room for its NUL");
	ok(buf[0] == 'x', "nothing written on -ENOSPC");
	is_int(endpoint_host("http://abcd:80/", buf, 8), 0, "exact fit");
	is_str(buf, "abcd:80", "exact fit: the host");
	is_int(endpoint_host("http://abcd:80/", buf, 0), -ENOSPC,
	       "zero-length buffer");
}

/* The URL endpoint_url builds always yields the Host it was built with. */
static void test_round_trip(void)
{
	static const char *const regions[] = {
		"us-east-1", "cn-north-1", "us-gov-west-1", "us-iso-east-1",
		"eu-isoe-west-1"};
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
		struct endpoint_opts o = {NULL, i % 2 == 0, false};
		char url[128], host[128], want[128];

		if (endpoint_url(&o, regions[i], url, sizeof(url)) != 0 ||
		    endpoint_host(url, host, sizeof(host)) != 0) {
			bad++;
			continue;
		}
		snprintf(want, sizeof(want), "%.*s", (int)(strlen(url) - 9),
			 url + 8);
		if (strcmp(host, want) != 0)
			bad++;
	}
	is_int(bad, 0, "endpoint_host(endpoint_url(r)) is the built host");
}

int main(void)
{
	test_url_table();
	test_overrides();
	test_nospace();
	test_null_opts();
	test_hosts();
	test_host_nospace();
	test_round_trip();
	return tap_done();
}
