/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_value.h - value parsers for the configuration keys.
 *
 * Every parser takes the whole value (already trimmed) and accepts nothing
 * less strict than it documents.  The ones with @msg write the reason in
 * one line without repeating the value (it may be a secret) and return
 * 0 or -EINVAL.  Pure but for config_value_file(), which asks the file
 * system.
 *
 * @locality any thread: no state.
 */
#ifndef OPTOUT_CONFIG_VALUE_H
#define OPTOUT_CONFIG_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* What config_value_listen() accepts, for messages. */
#define CONFIG_VALUE_LISTEN_MSG                                                \
	"must be HOST:PORT with HOST an IPv4 address, an IPv6 address in "    \
	"brackets or localhost, and PORT 0 to 65535"

/* Cuts blanks (space, tab, CR, VT, FF) at both ends of @s in place;
 * returns the new start. */
char *config_value_trim(char *s);

/* Strict unsigned decimal within min..max: 0, -EINVAL (not a number) or
 * -ERANGE; *@ret_v is written only on success. */
int config_value_uint(const char *s, unsigned long long min,
		      unsigned long long max, unsigned long long *ret_v);

/* A non-negative decimal number (digits, at most one '.') within
 * min..max: 0, -EINVAL or -ERANGE. */
int config_value_rate(const char *s, double min, double max, double *ret_v);

/* true/false, yes/no, on/off, 1/0 (any case): 1, 0, or -EINVAL. */
int config_value_bool(const char *v);

/* A Kafka topic name: 1 to 249 of [A-Za-z0-9._-], not "." or "..". */
int config_value_topic(const char *s, char *msg, size_t msglen);

/* A region name: 1 to REGION_NAME_MAX of [a-z0-9-]. */
int config_value_region(const char *s, char *msg, size_t msglen);

/* A list of regions of known partitions (region_check_list()). */
int config_value_regions(const char *s, char *msg, size_t msglen);

/* A free name (a profile): no blanks, control characters or brackets. */
int config_value_name(const char *s, char *msg, size_t msglen);

/* An http(s) URL naming a host, with {region} the only braces. */
int config_value_url(const char *s, char *msg, size_t msglen);

/* A readable regular file. */
int config_value_file(const char *s, char *msg, size_t msglen);

/*
 * "HOST:PORT" with HOST an address literal (IPv4 such as 127.0.0.1 or
 * 0.0.0.0; IPv6 in brackets such as [::1] or [::], or ::1 without them),
 * or "localhost", taken as 127.0.0.1 without asking a resolver (no other
 * host name: what a name resolves to may change, and a bind must say
 * which interface it exposes), and PORT 0 to 65535.  Returns 0 and, when @ret_sa is not NULL,
 * the address with the port in network order; -EINVAL otherwise (NULL
 * @s included).
 */
int config_value_listen(const char *s, struct sockaddr_storage *ret_sa);

#endif
