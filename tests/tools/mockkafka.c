/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mockkafka.c - librdkafka's own mock cluster, reachable over TCP.
 *
 * The integration tests need a Kafka cluster that starts in milliseconds and
 * that a test can break on purpose. librdkafka ships one: the mock cluster
 * (rdkafka_mock.h) runs real Kafka protocol listeners on 127.0.0.1, so the
 * daemon and the Python test helpers talk to it exactly as to a broker. This
 * program owns one mock cluster for its lifetime:
 *
 *   mockkafka [--brokers N] [--topic NAME:PARTITIONS]... [--bootstrap-file F]
 *             [--stdin-control]
 *
 * Once the cluster and topics exist it prints "BOOTSTRAP host:port,..." on
 * stdout (and into --bootstrap-file), then serves until SIGTERM or SIGINT.
 * With --stdin-control it also reads one command per line from stdin and
 * answers each with "ok" or "error <why>" on stdout; EOF on stdin then means
 * the controlling test is gone, and it stops. Without the flag stdin is never
 * read, so running it with stdin at /dev/null is fine.
 *
 * Commands (broker ids start at 1; -1 means every broker where the mock API
 * allows it):
 *   broker_down ID | broker_up ID        close a broker's connections / reopen
 *   leader TOPIC PARTITION BROKER        move a partition's leader
 *   coordinator group|transaction KEY BROKER
 *   topic TOPIC PARTITIONS               create a topic
 *   rtt BROKER MS                        add round-trip delay to a broker
 *   errors APIKEY ERR [ERR...]           fail the next requests of that kind
 *   clear_errors APIKEY                  drop errors still queued for it
 *   topic_error TOPIC ERR                Metadata answers ERR for the topic
 *   ping                                 just "ok" (a barrier)
 *   quit                                 "ok", then stop
 * APIKEY is a Kafka request number or name (Produce, Fetch, OffsetCommit,
 * ...), ERR a librdkafka error name (NOT_COORDINATOR, _TRANSPORT, ...) or
 * number.
 *
 * Threads: the mock brokers run on librdkafka's threads; this file runs on
 * the main thread only. Signal handlers only set a flag. All mock calls are
 * synchronous requests to the mock cluster thread, so "ok" means done.
 */

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_TOPICS 64
#define MAX_ARGS 16
#define MAX_ERRORS 64
#define LINE_MAX_LEN 1024

struct topic_spec {
        const char *name;
        int partitions;
};

struct options {
        int brokers;
        struct topic_spec topics[MAX_TOPICS];
        int topic_cnt;
        const char *bootstrap_file;
        int stdin_control;
};

struct mock {
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mcluster;
        int replication;
        int quit;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
        (void)sig;
        stop_requested = 1;
}

static void usage(FILE *out) {
        fprintf(out,
                "usage: mockkafka [--brokers N] [--topic NAME:PARTITIONS]... "
                "[--bootstrap-file FILE] [--stdin-control]\n");
}

/* Parses all of s as a base-10 integer in [min, max]. */
static int parse_long(const char *s, long min, long max, long *ret_value) {
        char *end = NULL;
        long v;

        if (!s || !*s)
                return -EINVAL;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -EINVAL;
        *ret_value = v;
        return 0;
}

static int parse_options(int argc, char **argv, struct options *opts) {
        int i;
        long v;

        opts->brokers = 3;
        for (i = 1; i < argc; i++) {
                const char *arg  = argv[i];
                const char *next = i + 1 < argc ? argv[i + 1] : NULL;

                if (!strcmp(arg, "--brokers") && next) {
                        if (parse_long(next, 1, 64, &v)) {
                                fprintf(stderr, "mockkafka: bad --brokers %s\n",
                                        next);
                                return -EINVAL;
                        }
                        opts->brokers = (int)v;
                        i++;
                } else if (!strcmp(arg, "--topic") && next) {
                        char *colon = strrchr(next, ':');

                        if (!colon || colon == next ||
                            parse_long(colon + 1, 1, 10000, &v) ||
                            opts->topic_cnt == MAX_TOPICS) {
                                fprintf(stderr, "mockkafka: bad --topic %s\n",
                                        next);
                                return -EINVAL;
                        }
                        /* argv is ours to edit: cut NAME off at the colon */
                        *colon = '\0';
                        opts->topics[opts->topic_cnt].name       = next;
                        opts->topics[opts->topic_cnt].partitions = (int)v;
                        opts->topic_cnt++;
                        i++;
                } else if (!strcmp(arg, "--bootstrap-file") && next) {
                        opts->bootstrap_file = next;
                        i++;
                } else if (!strcmp(arg, "--stdin-control")) {
                        opts->stdin_control = 1;
                } else if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
                        usage(stdout);
                        exit(0);
                } else {
                        fprintf(stderr, "mockkafka: bad argument %s\n", arg);
                        usage(stderr);
                        return -EINVAL;
                }
        }
        return 0;
}

/* Writes the bootstrap list to path via a temporary file and rename(), so a
 * reader never sees a half-written file. */
static int write_bootstrap_file(const char *path, const char *bootstraps) {
        char tmp[PATH_MAX];
        FILE *f = NULL;
        int n;

        n = snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
        if (n < 0 || (size_t)n >= sizeof(tmp))
                return -ENAMETOOLONG;
        f = fopen(tmp, "w");
        if (!f)
                return -errno;
        fprintf(f, "%s\n", bootstraps);
        if (fclose(f) != 0) {
                unlink(tmp);
                return -EIO;
        }
        if (rename(tmp, path) != 0) {
                int err = -errno;
                unlink(tmp);
                return err;
        }
        return 0;
}

/* Splits line in place on blanks; returns the word count (at most max). */
static int split_words(char *line, char **words, int max) {
        int n   = 0;
        char *p = line;

        while (n < max) {
                p += strspn(p, " \t\r\n");
                if (!*p)
                        break;
                words[n++] = p;
                p += strcspn(p, " \t\r\n");
                if (!*p)
                        break;
                *p++ = '\0';
        }
        return n;
}

static const struct {
        const char *name;
        int key;
} api_keys[] = {
    {"Produce", 0},         {"Fetch", 1},           {"ListOffsets", 2},
    {"Metadata", 3},        {"OffsetCommit", 8},    {"OffsetFetch", 9},
    {"FindCoordinator", 10}, {"JoinGroup", 11},     {"Heartbeat", 12},
    {"LeaveGroup", 13},     {"SyncGroup", 14},      {"DescribeGroups", 15},
    {"ListGroups", 16},     {"ApiVersions", 18},    {"InitProducerId", 22},
    {"AddPartitionsToTxn", 24}, {"AddOffsetsToTxn", 25}, {"EndTxn", 26},
    {"TxnOffsetCommit", 28},
};

static int parse_api_key(const char *s, int16_t *ret_key) {
        long v;
        size_t i;

        if (!parse_long(s, 0, 1000, &v)) {
                *ret_key = (int16_t)v;
                return 0;
        }
        for (i = 0; i < sizeof(api_keys) / sizeof(api_keys[0]); i++) {
                if (!strcasecmp(s, api_keys[i].name)) {
                        *ret_key = (int16_t)api_keys[i].key;
                        return 0;
                }
        }
        return -EINVAL;
}

static int parse_error(const char *s, rd_kafka_resp_err_t *ret_err) {
        const struct rd_kafka_err_desc *descs = NULL;
        size_t cnt = 0, i;
        long v;

        if (!parse_long(s, INT_MIN, INT_MAX, &v)) {
                *ret_err = (rd_kafka_resp_err_t)v;
                return 0;
        }
        if (!strncmp(s, "RD_KAFKA_RESP_ERR_", 18))
                s += 18;
        else if (!strncmp(s, "ERR_", 4))
                s += 4;
        rd_kafka_get_err_descs(&descs, &cnt);
        for (i = 0; i < cnt; i++) {
                if (descs[i].name && !strcasecmp(s, descs[i].name)) {
                        *ret_err = descs[i].code;
                        return 0;
                }
        }
        return -EINVAL;
}

/* Answers a command: "ok", or "error <what><detail>". */
static void reply_ok(void) {
        fputs("ok\n", stdout);
        fflush(stdout);
}

static void reply_error(const char *what, const char *detail) {
        printf("error %s%s\n", what, detail ? detail : "");
        fflush(stdout);
}

static void reply_kafka(rd_kafka_resp_err_t err) {
        if (err)
                reply_error(rd_kafka_err2str(err), NULL);
        else
                reply_ok();
}

static int expect_args(int argc, int want, const char *usage_text) {
        if (argc == want)
                return 0;
        reply_error("usage: ", usage_text);
        return -EINVAL;
}

/* Runs one command line and answers it. */
static void run_command(struct mock *mock, char *line) {
        char *argv[MAX_ARGS];
        int argc = split_words(line, argv, MAX_ARGS);
        rd_kafka_mock_cluster_t *mc = mock->mcluster;
        long a = 0, b = 0, c = 0;

        if (argc == 0) {
                reply_error("empty command", NULL);
                return;
        }
        if (!strcmp(argv[0], "ping") || !strcmp(argv[0], "quit")) {
                if (expect_args(argc, 1, argv[0]))
                        return;
                if (!strcmp(argv[0], "quit"))
                        mock->quit = 1;
                reply_ok();
        } else if (!strcmp(argv[0], "broker_down") ||
                   !strcmp(argv[0], "broker_up")) {
                if (expect_args(argc, 2, "broker_down|broker_up ID"))
                        return;
                if (parse_long(argv[1], -1, INT_MAX, &a)) {
                        reply_error("bad broker id ", argv[1]);
                        return;
                }
                if (!strcmp(argv[0], "broker_down"))
                        reply_kafka(rd_kafka_mock_broker_set_down(mc,
                                                                (int32_t)a));
                else
                        reply_kafka(rd_kafka_mock_broker_set_up(mc, (int32_t)a));
        } else if (!strcmp(argv[0], "leader")) {
                if (expect_args(argc, 4, "leader TOPIC PARTITION BROKER"))
                        return;
                if (parse_long(argv[2], 0, INT_MAX, &a) ||
                    parse_long(argv[3], -1, INT_MAX, &b)) {
                        reply_error("bad number in leader command", NULL);
                        return;
                }
                reply_kafka(rd_kafka_mock_partition_set_leader(
                    mc, argv[1], (int32_t)a, (int32_t)b));
        } else if (!strcmp(argv[0], "coordinator")) {
                if (expect_args(argc, 4,
                                "coordinator group|transaction KEY BROKER"))
                        return;
                if ((strcmp(argv[1], "group") &&
                     strcmp(argv[1], "transaction")) ||
                    parse_long(argv[3], -1, INT_MAX, &a)) {
                        reply_error("usage: ", "coordinator group|transaction KEY BROKER");
                        return;
                }
                reply_kafka(rd_kafka_mock_coordinator_set(mc, argv[1], argv[2],
                                                        (int32_t)a));
        } else if (!strcmp(argv[0], "topic")) {
                if (expect_args(argc, 3, "topic TOPIC PARTITIONS"))
                        return;
                if (parse_long(argv[2], 1, 10000, &a)) {
                        reply_error("bad partition count ", argv[2]);
                        return;
                }
                reply_kafka(rd_kafka_mock_topic_create(mc, argv[1], (int)a,
                                                     mock->replication));
        } else if (!strcmp(argv[0], "rtt")) {
                if (expect_args(argc, 3, "rtt BROKER MS"))
                        return;
                if (parse_long(argv[1], -1, INT_MAX, &a) ||
                    parse_long(argv[2], 0, INT_MAX, &c)) {
                        reply_error("bad number in rtt command", NULL);
                        return;
                }
                reply_kafka(rd_kafka_mock_broker_set_rtt(mc, (int32_t)a,
                                                       (int)c));
        } else if (!strcmp(argv[0], "errors")) {
                rd_kafka_resp_err_t errs[MAX_ERRORS];
                int16_t key = 0;
                int i;

                if (argc < 3 || argc - 2 > MAX_ERRORS) {
                        reply_error("usage: ", "errors APIKEY ERR [ERR...]");
                        return;
                }
                if (parse_api_key(argv[1], &key)) {
                        reply_error("unknown api key ", argv[1]);
                        return;
                }
                for (i = 2; i < argc; i++) {
                        if (parse_error(argv[i], &errs[i - 2])) {
                                reply_error("unknown error code ", argv[i]);
                                return;
                        }
                }
                rd_kafka_mock_push_request_errors_array(mc, key,
                                                        (size_t)(argc - 2),
                                                        errs);
                reply_ok();
        } else if (!strcmp(argv[0], "clear_errors")) {
                int16_t key = 0;

                if (expect_args(argc, 2, "clear_errors APIKEY"))
                        return;
                if (parse_api_key(argv[1], &key)) {
                        reply_error("unknown api key ", argv[1]);
                        return;
                }
                rd_kafka_mock_clear_request_errors(mc, key);
                reply_ok();
        } else if (!strcmp(argv[0], "topic_error")) {
                rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;

                if (expect_args(argc, 3, "topic_error TOPIC ERR"))
                        return;
                if (parse_error(argv[2], &err)) {
                        reply_error("unknown error code ", argv[2]);
                        return;
                }
                rd_kafka_mock_topic_set_error(mc, argv[1], err);
                reply_ok();
        } else {
                reply_error("unknown command ", argv[0]);
        }
}

/* Reads what stdin has, runs each complete line. Returns 1 on EOF. */
static int read_commands(struct mock *mock, char *buf, size_t *len) {
        ssize_t n;
        char *nl;

        n = read(STDIN_FILENO, buf + *len, LINE_MAX_LEN - 1 - *len);
        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? 0 : 1;
        if (n == 0)
                return 1;
        *len += (size_t)n;
        buf[*len] = '\0';
        while ((nl = memchr(buf, '\n', *len)) != NULL) {
                size_t used = (size_t)(nl - buf) + 1;

                *nl = '\0';
                run_command(mock, buf);
                memmove(buf, buf + used, *len - used);
                *len -= used;
                buf[*len] = '\0';
                if (mock->quit)
                        return 0;
        }
        if (*len == LINE_MAX_LEN - 1) {
                /* a line longer than the buffer: refuse it whole */
                reply_error("line too long", NULL);
                *len = 0;
        }
        return 0;
}

static void serve(struct mock *mock, int stdin_control) {
        char buf[LINE_MAX_LEN];
        size_t len = 0;

        while (!stop_requested && !mock->quit) {
                if (stdin_control) {
                        struct pollfd pfd = {.fd = STDIN_FILENO,
                                             .events = POLLIN};
                        int r = poll(&pfd, 1, 200);

                        if (r > 0 && read_commands(mock, buf, &len))
                                break;
                } else {
                        poll(NULL, 0, 200);
                }
                rd_kafka_poll(mock->rk, 0);
        }
}

int main(int argc, char **argv) {
        struct options opts;
        struct mock mock;
        struct sigaction sa;
        rd_kafka_conf_t *conf = NULL;
        const char *bootstraps;
        char errstr[512];
        int rc = 1, i, err;

        memset(&opts, 0, sizeof(opts));
        memset(&mock, 0, sizeof(mock));
        if (parse_options(argc, argv, &opts))
                return 64; /* EX_USAGE */

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        conf = rd_kafka_conf_new();
        /* The handle only hosts the cluster: it has no brokers of its own, so
         * keep its "no bootstrap.servers" notice out of the test logs. */
        if (rd_kafka_conf_set(conf, "log_level", "4", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "client.id", "mockkafka", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "mockkafka: %s\n", errstr);
                rd_kafka_conf_destroy(conf);
                goto out;
        }
        mock.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!mock.rk) {
                fprintf(stderr, "mockkafka: rd_kafka_new: %s\n", errstr);
                rd_kafka_conf_destroy(conf);
                goto out;
        }
        conf = NULL; /* owned by the handle now */

        mock.mcluster = rd_kafka_mock_cluster_new(mock.rk, opts.brokers);
        if (!mock.mcluster) {
                fprintf(stderr, "mockkafka: cannot create the mock cluster\n");
                goto out;
        }
        mock.replication = opts.brokers < 3 ? opts.brokers : 3;

        for (i = 0; i < opts.topic_cnt; i++) {
                rd_kafka_resp_err_t kerr = rd_kafka_mock_topic_create(
                    mock.mcluster, opts.topics[i].name,
                    opts.topics[i].partitions, mock.replication);
                if (kerr) {
                        fprintf(stderr, "mockkafka: topic %s: %s\n",
                                opts.topics[i].name, rd_kafka_err2str(kerr));
                        goto out;
                }
        }

        bootstraps = rd_kafka_mock_cluster_bootstraps(mock.mcluster);
        if (opts.bootstrap_file) {
                err = write_bootstrap_file(opts.bootstrap_file, bootstraps);
                if (err) {
                        fprintf(stderr, "mockkafka: %s: %s\n",
                                opts.bootstrap_file, strerror(-err));
                        goto out;
                }
        }
        printf("BOOTSTRAP %s\n", bootstraps);
        fflush(stdout);

        serve(&mock, opts.stdin_control);
        rc = 0;

out:
        if (mock.mcluster)
                rd_kafka_mock_cluster_destroy(mock.mcluster);
        if (mock.rk)
                rd_kafka_destroy(mock.rk);
        return rc;
}
