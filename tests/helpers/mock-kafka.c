/* mock-kafka: a Kafka cluster for tests, on 127.0.0.1, from librdkafka's mock cluster.
 *
 *   mock-kafka [-b BROKERS] [-p PARTITIONS] [-r REPLICAS] [-t TOPIC[:PARTITIONS]]...
 *
 * Starts BROKERS brokers (default 3, ids 1..BROKERS), creates each -t topic with PARTITIONS
 * partitions (default -p, itself 4 by default; topics a client asks for that do not exist are
 * auto-created with 4), prints the bootstrap list ("127.0.0.1:PORT,...") as one flushed line on
 * stdout, then runs until SIGTERM/SIGINT, a "quit" command, or EOF on stdin when stdin is a pipe
 * or FIFO (its controller has gone). When stdin is /dev/null, a file or a terminal, its commands
 * are run and the cluster stays up until a signal: so "mock-kafka ... &" works in a script.
 *
 * Commands on stdin, one per line (blank lines and "#" comments ignored):
 *   broker-down ID            disconnect broker ID (-1: all) and refuse new connections
 *   broker-up ID              accept connections again
 *   push-errors API ERR COUNT the next COUNT requests of kind API fail with ERR (cluster-wide)
 *   broker-errors ID API ERR RTT COUNT   same, on broker ID only, answered after RTT ms
 *   clear-errors API          forget the queued errors of API
 *   rtt ID MS                 delay every answer of broker ID (-1: all) by MS ms
 *   leader TOPIC PART ID      make broker ID (-1: none) the leader of TOPIC's partition PART
 *   create-topic TOPIC PARTS  create a topic
 *   topic-error TOPIC ERR     Metadata answers ERR for TOPIC (ERR 0/NO_ERROR to clear)
 *   sleep MS                  wait before the next command
 *   echo TEXT                 print TEXT on stdout (flushed): lets a test wait for the commands
 *   quit                      stop
 * API is a name (Produce, Fetch, ListOffsets, Metadata, OffsetCommit, OffsetFetch,
 * FindCoordinator, JoinGroup, Heartbeat, LeaveGroup, SyncGroup, InitProducerId, ApiVersions)
 * or the protocol number. ERR is a librdkafka error name with or without "ERR_"
 * (NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT, _TRANSPORT: the broker disconnects) or a code.
 * A bad command is reported on stderr and ignored.
 *
 * Limits of the mock (librdkafka 2.0.2): each partition keeps only ~5 MiB, older data is dropped
 * silently, so volume tests must spread over many partitions; a consumer group's first join takes
 * ~3 s; leadership does not move when a broker goes down.
 */
#include "tl_alloc.h"
#include "tl_cli.h"
#include "tl_io.h"
#include "tl_log.h"
#include "tl_num.h"
#include "tl_sig.h"
#include "tl_time.h"

#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"usage: mock-kafka [-b BROKERS] [-p PARTITIONS] [-r REPLICAS] [-t TOPIC[:PARTITIONS]]...\n"
	"Starts librdkafka's mock Kafka cluster, prints its bootstrap list, and reads fault\n"
	"injection commands on stdin (see the comment at the top of tests/helpers/mock-kafka.c).\n";

static const struct {
	const char *name;
	int16_t key;
} apis[] = {
	{ "Produce", 0 }, { "Fetch", 1 }, { "ListOffsets", 2 }, { "Metadata", 3 },
	{ "OffsetCommit", 8 }, { "OffsetFetch", 9 }, { "FindCoordinator", 10 },
	{ "JoinGroup", 11 }, { "Heartbeat", 12 }, { "LeaveGroup", 13 }, { "SyncGroup", 14 },
	{ "ApiVersions", 18 }, { "InitProducerId", 22 },
};

static int parse_api(const char *s, int16_t *out)
{
	for (size_t i = 0; i < sizeof apis / sizeof apis[0]; i++) {
		if (strcasecmp(s, apis[i].name) == 0) {
			*out = apis[i].key;
			return 0;
		}
	}
	int v;
	if (tl_parse_int(s, 0, 100, &v) < 0)
		return -1;
	*out = (int16_t)v;
	return 0;
}

static int parse_err(const char *s, rd_kafka_resp_err_t *out)
{
	const struct rd_kafka_err_desc *descs;
	size_t n;
	int v;
	if (tl_parse_int(s, -200, 1000, &v) == 0) {
		*out = (rd_kafka_resp_err_t)v;
		return 0;
	}
	if (strncasecmp(s, "RD_KAFKA_RESP_", 14) == 0)
		s += 14;
	if (strncasecmp(s, "ERR_", 4) == 0)
		s += 4;
	rd_kafka_get_err_descs(&descs, &n);
	for (size_t i = 0; i < n; i++) {
		if (descs[i].name && strcasecmp(descs[i].name, s) == 0) {
			*out = descs[i].code;
			return 0;
		}
	}
	return -1;
}

static int parse_id(const char *s, int32_t *out)
{
	int v;
	if (tl_parse_int(s, -1, 1 << 20, &v) < 0)
		return -1;
	*out = v;
	return 0;
}

/* Splits line into at most max words in place; returns the count. */
static int split(char *line, char **w, int max)
{
	int n = 0;
	char *p = line;
	while (*p && n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		w[n++] = p;
		if (n == max)
			break; /* the last word takes the rest (echo TEXT) */
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static int check(rd_kafka_resp_err_t err, const char *what)
{
	if (err) {
		tl_err("%s: %s", what, rd_kafka_err2str(err));
		return -1;
	}
	return 0;
}

/* Runs one command; 1 means quit. */
static int run_command(rd_kafka_mock_cluster_t *mc, char *line)
{
	char *w[6] = { NULL };
	int n;
	int32_t id, part;
	int16_t api;
	rd_kafka_resp_err_t err;
	int v, rtt;
	char *cmd;

	while (*line == ' ' || *line == '\t')
		line++;
	if (!*line || *line == '#')
		return 0;
	cmd = xstrdup(line);
	n = split(cmd, w, strncmp(line, "echo", 4) == 0 ? 2 : 6);
	const char *c = w[0];
	int bad = 0;
	if (strcmp(c, "quit") == 0 && n == 1) {
		free(cmd);
		return 1;
	} else if (strcmp(c, "echo") == 0) {
		printf("%s\n", n > 1 ? w[1] : "");
		fflush(stdout);
	} else if (strcmp(c, "broker-down") == 0 && n == 2 && parse_id(w[1], &id) == 0) {
		check(rd_kafka_mock_broker_set_down(mc, id), line);
	} else if (strcmp(c, "broker-up") == 0 && n == 2 && parse_id(w[1], &id) == 0) {
		check(rd_kafka_mock_broker_set_up(mc, id), line);
	} else if (strcmp(c, "push-errors") == 0 && n == 4 && parse_api(w[1], &api) == 0 &&
		   parse_err(w[2], &err) == 0 && tl_parse_int(w[3], 1, 1000000, &v) == 0) {
		rd_kafka_resp_err_t *errs = xmalloc((size_t)v * sizeof *errs);
		for (int i = 0; i < v; i++)
			errs[i] = err;
		rd_kafka_mock_push_request_errors_array(mc, api, (size_t)v, errs);
		free(errs);
	} else if (strcmp(c, "broker-errors") == 0 && n == 6 && parse_id(w[1], &id) == 0 &&
		   parse_api(w[2], &api) == 0 && parse_err(w[3], &err) == 0 &&
		   tl_parse_int(w[4], 0, 3600000, &rtt) == 0 &&
		   tl_parse_int(w[5], 1, 1000000, &v) == 0) {
		for (int i = 0; i < v; i++)
			if (check(rd_kafka_mock_broker_push_request_error_rtts(mc, id, api, 1, err,
									       rtt), line) < 0)
				break;
	} else if (strcmp(c, "clear-errors") == 0 && n == 2 && parse_api(w[1], &api) == 0) {
		rd_kafka_mock_clear_request_errors(mc, api);
	} else if (strcmp(c, "rtt") == 0 && n == 3 && parse_id(w[1], &id) == 0 &&
		   tl_parse_int(w[2], 0, 3600000, &v) == 0) {
		check(rd_kafka_mock_broker_set_rtt(mc, id, v), line);
	} else if (strcmp(c, "leader") == 0 && n == 4 && parse_id(w[2], &part) == 0 &&
		   parse_id(w[3], &id) == 0) {
		check(rd_kafka_mock_partition_set_leader(mc, w[1], part, id), line);
	} else if (strcmp(c, "create-topic") == 0 && n == 3 &&
		   tl_parse_int(w[2], 1, 100000, &v) == 0) {
		check(rd_kafka_mock_topic_create(mc, w[1], v, 1), line);
	} else if (strcmp(c, "topic-error") == 0 && n == 3 && parse_err(w[2], &err) == 0) {
		rd_kafka_mock_topic_set_error(mc, w[1], err);
	} else if (strcmp(c, "sleep") == 0 && n == 2 && tl_parse_int(w[1], 0, 3600000, &v) == 0) {
		tl_sleep_ms(v);
	} else {
		bad = 1;
	}
	if (bad)
		tl_err("bad command: %s", line);
	else
		tl_debug("done: %s", line);
	free(cmd);
	return 0;
}

/* Waits for stdin in short slices so that a signal is seen at once. */
static int wait_stdin(int fd, void *ctx)
{
	(void)ctx;
	for (;;) {
		if (tl_sig_caught())
			return 1;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, 200);
		if (r > 0 || (r < 0 && errno != EINTR))
			return 0;
	}
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (level <= 3)
		tl_warn("librdkafka: %s: %s", fac, buf);
	else
		tl_debug("librdkafka: %s: %s", fac, buf);
}

int main(int argc, char **argv)
{
	static const struct tl_cli_spec spec = { .usage = usage, .shortopts = "b:p:r:t:" };
	struct tl_cli cli = { .spec = &spec };
	int brokers = 3, parts = 4, replicas = -1, opt, status = 0;
	char **topics = NULL;
	size_t ntopics = 0;
	char errstr[512];

	tl_cli_init(argv[0]);
	while ((opt = tl_cli_next(&cli, argc, argv)) > 0) {
		switch (opt) {
		case 'b':
			if (tl_parse_int(optarg, 1, 64, &brokers) < 0)
				status = tl_cli_bad_value(&cli, "a broker count from 1 to 64");
			break;
		case 'p':
			if (tl_parse_int(optarg, 1, 100000, &parts) < 0)
				status = tl_cli_bad_value(&cli, "a partition count");
			break;
		case 'r':
			if (tl_parse_int(optarg, 1, 64, &replicas) < 0)
				status = tl_cli_bad_value(&cli, "a replication factor");
			break;
		case 't':
			topics = xrealloc(topics, (ntopics + 1) * sizeof *topics);
			topics[ntopics++] = optarg;
			break;
		}
		if (status)
			break;
	}
	if (status || opt == TL_CLI_EXIT) {
		free(topics);
		return status ? status : cli.status;
	}
	if (replicas < 0)
		replicas = brokers < 3 ? brokers : 3;
	if (replicas > brokers) {
		free(topics);
		return tl_cli_usage_error("-r %d: more replicas than brokers", replicas);
	}

	/* The mock cluster lives inside an rd_kafka_t; a producer that never produces will do. */
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, log_cb);
	rd_kafka_conf_set(conf, "client.id", "mock-kafka", errstr, sizeof errstr);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	if (!rk)
		tl_die(1, "rd_kafka_new: %s", errstr);
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
	if (!mc)
		tl_die(1, "could not start the mock cluster");

	for (size_t i = 0; i < ntopics; i++) {
		char *name = xstrdup(topics[i]);
		char *colon = strrchr(name, ':');
		int p = parts;
		if (colon) {
			*colon = '\0';
			if (tl_parse_int(colon + 1, 1, 100000, &p) < 0) {
				tl_err("-t %s: bad partition count", topics[i]);
				status = TL_EXIT_USAGE;
			}
		}
		if (!status && check(rd_kafka_mock_topic_create(mc, name, p, replicas), topics[i]) < 0)
			status = 1;
		free(name);
	}
	free(topics);
	if (status) {
		rd_kafka_mock_cluster_destroy(mc);
		rd_kafka_destroy(rk);
		return status;
	}

	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);

	struct stat st;
	int controlled = fstat(STDIN_FILENO, &st) == 0 &&
			 (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
	struct tl_lines in;
	struct tl_line line;
	int stdin_open = 1;
	tl_lines_init(&in, STDIN_FILENO, 1 << 16);
	tl_lines_set_wait(&in, wait_stdin, NULL);
	while (!tl_sig_caught()) {
		if (!stdin_open) {
			tl_sleep_ms(1000);
			continue;
		}
		int r = tl_lines_next(&in, &line);
		if (r == TL_LINE_OK) {
			if (run_command(mc, line.data))
				break;
		} else if (r == TL_LINE_EOF || r == TL_LINE_ERROR) {
			if (controlled)
				break;
			stdin_open = 0;
		} else if (r == TL_LINE_TOOLONG) {
			tl_err("line %llu: too long", (unsigned long long)line.lineno);
		}
	}
	tl_lines_release(&in);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	tl_log_cleanup();
	return 0;
}
