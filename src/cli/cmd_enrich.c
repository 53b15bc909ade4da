/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fluxaudit enrich check|lookup: load an enrichment configuration and
 * show what it holds, or what it says about addresses and hosts. No
 * database.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/fa_cli.h"
#include "cli/fa_out.h"
#include "common/fa_name.h"
#include "enrich/fa_enrich.h"

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s enrich check --config FILE [--format FMT] [--stats]\n"
		"       %s enrich lookup --config FILE [--format FMT] ADDR|HOST...\n"
		"\n"
		"check loads an enrichment configuration (IP to ASN, consumer prefixes,\n"
		"consumer PTR tables, allowlists, declarations, high-change registrars)\n"
		"and prints what each source contributed; lookup prints what the\n"
		"configuration says about addresses (ASN, organization, consumer block\n"
		"or PTR name, provider by ASN) and host names (provider by NS suffix,\n"
		"static/dynamic declaration). No database.\n"
		"Exits 1 when the configuration is refused, 2 on usage errors.\n"
		"\n"
		"Options:\n"
		"  --config FILE  the enrichment configuration (YAML)\n"
		"  --format FMT   table (default), csv or json\n"
		"  --stats        check: print the prefix tables' sizes to stderr\n"
		"  -h, --help     show this help\n",
		prog, prog);
}

struct args {
	const char *config;
	enum fa_out_format fmt;
	int stats;
};

static int parse_args(const struct fa_cli *cli, const char *cmd, int argc, char **argv,
		      struct args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->config = optarg;
			break;
		case 'f':
			if (fa_cli_parse_format(cli, cmd, optarg, &a->fmt) != FA_EXIT_OK) {
				return FA_EXIT_USAGE;
			}
			break;
		case 's':
			a->stats = 1;
			break;
		case 'h':
			usage(stdout, cli->prog);
			return -1;
		default:
			usage(stderr, cli->prog);
			return FA_EXIT_USAGE;
		}
	}
	if (a->config == NULL) {
		fprintf(stderr, "%s: %s: --config is required\n", cli->prog, cmd);
		usage(stderr, cli->prog);
		return FA_EXIT_USAGE;
	}
	return FA_EXIT_OK;
}

static const char *kind_name(enum fa_enrich_kind k)
{
	switch (k) {
	case FA_ENRICH_KIND_MMDB:
		return "mmdb";
	case FA_ENRICH_KIND_PFX2AS:
		return "pfx2as";
	case FA_ENRICH_KIND_PREFIXES:
		return "consumer_prefixes";
	case FA_ENRICH_KIND_ALLOWLIST:
		return "allowlist";
	case FA_ENRICH_KIND_REGISTRARS:
		return "high_change_registrars";
	case FA_ENRICH_KIND_PTR:
		return "consumer_ptr";
	default:
		return "declarations";
	}
}

/* A table cuts no path or detail: they say which file and why. */
static const struct fa_store_col check_cols[] = {
	{ "source", FA_STORE_COL_TEXT, FA_STORE_SHOW_CUT },
	{ "path", FA_STORE_COL_TEXT, FA_STORE_SHOW_FULL },
	{ "entries", FA_STORE_COL_INT, FA_STORE_SHOW_CUT },
	{ "ipv4", FA_STORE_COL_INT, FA_STORE_SHOW_CUT },
	{ "ipv6", FA_STORE_COL_INT, FA_STORE_SHOW_CUT },
	{ "shadowed", FA_STORE_COL_INT, FA_STORE_SHOW_CUT },
	{ "detail", FA_STORE_COL_TEXT, FA_STORE_SHOW_FULL },
};

static int finish(const struct fa_cli *cli, const char *cmd, struct fa_out *out, int rc)
{
	if (rc == FA_OK) {
		rc = fa_out_finish(out, NULL);
	}
	fa_out_free(out);
	if (rc != FA_OK) {
		fprintf(stderr, "%s: %s: could not write the output: %s\n", cli->prog, cmd,
			fa_strerror(rc));
		return FA_EXIT_FAIL;
	}
	return FA_EXIT_OK;
}

static int check(const struct fa_cli *cli, struct args *a)
{
	struct fa_enrich *e = NULL;
	int status = fa_cli_load_enrich(cli, "enrich check", a->config, &e);
	if (status != FA_EXIT_OK) {
		return status;
	}
	struct fa_out *out = fa_out_new(stdout, a->fmt, check_cols,
					sizeof(check_cols) / sizeof(check_cols[0]));
	if (out == NULL) {
		fa_enrich_free(e);
		fprintf(stderr, "%s: enrich check: out of memory\n", cli->prog);
		return FA_EXIT_FAIL;
	}
	size_t n;
	const struct fa_enrich_source *src = fa_enrich_sources(e, &n);
	int rc = FA_OK;
	for (size_t i = 0; i < n && rc == FA_OK; i++) {
		const struct fa_enrich_source *s = &src[i];
		char entries[24], v4[24], v6[24], sh[24];
		bool pfx = s->kind == FA_ENRICH_KIND_PFX2AS || s->kind == FA_ENRICH_KIND_PREFIXES ||
			   s->kind == FA_ENRICH_KIND_PTR;
		snprintf(entries, sizeof(entries), "%zu", s->entries);
		snprintf(v4, sizeof(v4), "%zu", s->v4);
		snprintf(v6, sizeof(v6), "%zu", s->v6);
		snprintf(sh, sizeof(sh), "%zu", s->shadowed);
		const char *vals[] = { kind_name(s->kind), s->path, entries, pfx ? v4 : NULL,
				       pfx ? v6 : NULL, sh, s->detail[0] ? s->detail : NULL };
		rc = fa_out_row(out, vals);
	}
	status = finish(cli, "enrich check", out, rc);
	if (status == FA_EXIT_OK && a->stats) {
		struct fa_enrich_stats st;
		fa_enrich_stats(e, &st);
		fprintf(stderr, "enrich check: pfx2as %zu prefixes, %zu IPv4 + %zu IPv6 ranges, "
			"%zu bytes; consumer prefixes %zu IPv4 + %zu IPv6 ranges, %zu bytes; "
			"PTR %zu IPv4 + %zu IPv6 addresses, %zu bytes\n",
			st.pfx2as_prefixes, st.pfx2as_ranges4, st.pfx2as_ranges6,
			st.pfx2as_bytes, st.consumer_ranges4, st.consumer_ranges6,
			st.consumer_bytes, st.ptr_addrs4, st.ptr_addrs6, st.ptr_bytes);
	}
	fa_enrich_free(e);
	return status;
}

/* A lookup is read by a person: a table cuts none of its answers (a PTR
 * answer ends with its pattern and FILE:LINE). The file columns are left
 * to csv and json. */
static const struct fa_store_col lookup_cols[] = {
	{ "query", FA_STORE_COL_TEXT, FA_STORE_SHOW_FULL },
	{ "asn", FA_STORE_COL_INT, FA_STORE_SHOW_CUT },
	{ "org", FA_STORE_COL_TEXT, FA_STORE_SHOW_FULL },
	{ "asn_source", FA_STORE_COL_TEXT, FA_STORE_SHOW_CUT },
	{ "network", FA_STORE_COL_TEXT, FA_STORE_SHOW_CUT },
	{ "asn_file", FA_STORE_COL_TEXT, FA_STORE_SHOW_WIDE },
	{ "consumer", FA_STORE_COL_TEXT, FA_STORE_SHOW_FULL },
	{ "provider", FA_STORE_COL_TEXT, FA_STORE_SHOW_FULL },
	{ "provider_match", FA_STORE_COL_TEXT, FA_STORE_SHOW_FULL },
	{ "declaration", FA_STORE_COL_TEXT, FA_STORE_SHOW_CUT },
	{ "declared_name", FA_STORE_COL_TEXT, FA_STORE_SHOW_FULL },
	{ "declared_at", FA_STORE_COL_TEXT, FA_STORE_SHOW_WIDE },
};

/* "NETWORK/LEN" of the address's network of length plen. */
static void network(const struct fa_enrich_addr *a, unsigned plen, char *out, size_t outlen)
{
	uint8_t b[16];
	char text[INET6_ADDRSTRLEN];
	unsigned bytes = a->family == 6 ? 16 : 4;
	memcpy(b, a->b, sizeof(b));
	for (unsigned i = 0; i < bytes; i++) {
		unsigned keep = plen > 8 * i ? plen - 8 * i : 0;
		if (keep < 8) {
			b[i] &= (uint8_t)(0xff00 >> keep);
		}
	}
	inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, b, text, sizeof(text));
	snprintf(out, outlen, "%s/%u", text, plen);
}

static int lookup_addr(const struct fa_enrich *e, const char *q, const struct fa_enrich_addr *a,
		       struct fa_out *out, char *err, size_t errlen)
{
	struct fa_enrich_asn asn;
	struct fa_enrich_consumer con;
	struct fa_enrich_provider prov;
	char asntext[16], net[64], match[32];
	/* a PTR answer names the name, the pattern and the table's path */
	char context[FA_NAME_BUFSZ + FA_ENRICH_PTR_MAX_PATTERN + 4200];

	int rc = fa_enrich_asn(e, a, &asn, err, errlen);
	if (rc != FA_OK) {
		return rc;
	}
	snprintf(asntext, sizeof(asntext), "%" PRIu32, asn.asn);
	if (asn.asn != 0) {
		network(a, asn.prefix_len, net, sizeof(net));
	}
	if (fa_enrich_consumer(e, a, &con)) {
		char cnet[64];
		network(a, con.prefix_len, cnet, sizeof(cnet));
		if (con.by == FA_ENRICH_BY_PTR) {
			snprintf(context, sizeof(context), "%s PTR %s matches '%s' (%s:%u)", cnet,
				 con.ptr, con.pattern, con.file, con.line);
		} else {
			snprintf(context, sizeof(context), "%s%s%s", cnet,
				 con.label[0] ? " " : "", con.label);
		}
	}
	bool p = fa_enrich_provider(e, NULL, asn.asn, &prov);
	if (p) {
		snprintf(match, sizeof(match), "asn %" PRIu32, prov.asn);
	}
	const char *vals[] = {
		q, asn.asn != 0 ? asntext : NULL, asn.org[0] ? asn.org : NULL,
		fa_enrich_asn_source_name(asn.source), asn.asn != 0 ? net : NULL, asn.file,
		con.found ? context : NULL, p ? prov.name : NULL, p ? match : NULL,
		NULL, NULL, NULL,
	};
	return fa_out_row(out, vals);
}

static int lookup_host(const struct fa_enrich *e, const char *q, const char *host,
		       struct fa_out *out)
{
	struct fa_enrich_provider prov;
	struct fa_enrich_declaration d;
	char match[300];

	bool p = fa_enrich_provider(e, host, 0, &prov);
	if (p) {
		snprintf(match, sizeof(match), "suffix %s", prov.suffix);
	}
	fa_enrich_declaration(e, host, &d);
	const char *vals[] = {
		q, NULL, NULL, NULL, NULL, NULL, NULL, p ? prov.name : NULL, p ? match : NULL,
		fa_enrich_decl_name(d.decl), d.name, d.origin,
	};
	return fa_out_row(out, vals);
}

static int lookup(const struct fa_cli *cli, struct args *a, int argc, char **argv)
{
	const char *cmd = "enrich lookup";
	struct fa_enrich *e = NULL;
	char err[1024] = "";

	if (optind >= argc) {
		fprintf(stderr, "%s: %s: give at least one address or host name\n", cli->prog,
			cmd);
		usage(stderr, cli->prog);
		return FA_EXIT_USAGE;
	}
	/* Check every operand before loading anything. */
	for (int i = optind; i < argc; i++) {
		struct fa_enrich_addr addr;
		char host[FA_NAME_BUFSZ], why[256];
		if (fa_enrich_addr_parse(argv[i], &addr) != FA_OK &&
		    fa_name_normalize(argv[i], strlen(argv[i]), 0, host, sizeof(host), why,
				      sizeof(why)) != FA_OK) {
			fprintf(stderr, "%s: %s: \"%s\" is neither an IP address nor a host "
				"name: %s\n", cli->prog, cmd, argv[i], why);
			return FA_EXIT_USAGE;
		}
	}
	int status = fa_cli_load_enrich(cli, cmd, a->config, &e);
	if (status != FA_EXIT_OK) {
		return status;
	}
	struct fa_out *out = fa_out_new(stdout, a->fmt, lookup_cols,
					sizeof(lookup_cols) / sizeof(lookup_cols[0]));
	if (out == NULL) {
		fa_enrich_free(e);
		fprintf(stderr, "%s: %s: out of memory\n", cli->prog, cmd);
		return FA_EXIT_FAIL;
	}
	int rc = FA_OK;
	for (int i = optind; i < argc && rc == FA_OK; i++) {
		struct fa_enrich_addr addr;
		char host[FA_NAME_BUFSZ], why[256];
		if (fa_enrich_addr_parse(argv[i], &addr) == FA_OK) {
			rc = lookup_addr(e, argv[i], &addr, out, err, sizeof(err));
		} else if (fa_name_normalize(argv[i], strlen(argv[i]), 0, host, sizeof(host), why,
					     sizeof(why)) == FA_OK) {
			rc = lookup_host(e, argv[i], host, out);
		}
	}
	if (rc == FA_EPARSE) {
		fa_out_free(out);
		fa_enrich_free(e);
		fprintf(stderr, "%s: %s: %s\n", cli->prog, cmd, err);
		return FA_EXIT_FAIL;
	}
	status = finish(cli, cmd, out, rc);
	fa_enrich_free(e);
	return status;
}

int fa_cmd_enrich(const struct fa_cli *cli, int argc, char **argv)
{
	struct args a = { .fmt = FA_OUT_TABLE };

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout, cli->prog);
		return argc < 2 ? FA_EXIT_USAGE : FA_EXIT_OK;
	}
	bool is_check = strcmp(argv[1], "check") == 0;
	if (!is_check && strcmp(argv[1], "lookup") != 0) {
		fprintf(stderr, "%s: enrich: unrecognized subcommand \"%s\"\n", cli->prog,
			argv[1]);
		usage(stderr, cli->prog);
		return FA_EXIT_USAGE;
	}
	const char *cmd = is_check ? "enrich check" : "enrich lookup";
	/* 0, not 1: glibc re-initializes and permutes, so options may
	 * follow the operands. */
	optind = 0;
	int rc = parse_args(cli, cmd, argc - 1, argv + 1, &a);
	if (rc != FA_EXIT_OK) {
		return rc < 0 ? FA_EXIT_OK : rc;
	}
	if (is_check) {
		rc = fa_cli_no_operands(cli, cmd, argc - 1, argv + 1, optind);
		return rc != FA_EXIT_OK ? rc : check(cli, &a);
	}
	return lookup(cli, &a, argc - 1, argv + 1);
}
