/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fluxaudit log envelope (docs/epp-log-format.md): header fields,
 * command/response pairing and result gating, transaction keys, exact
 * record offsets, and recovery around bad records.
 */
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "epp_test_util.h"

/*
 * Append a record built from data files. svtrid: NULL keeps the response's
 * svTRID, "-" removes it, anything else replaces it.
 */
static size_t rec(struct tu_buf *b, const char *hdr, const char *cmdfile,
		  const char *rspfile, const char *svtrid)
{
	size_t cl = 0, rl = 0;
	char *c = cmdfile ? tu_data(cmdfile, &cl) : NULL;
	char *r = NULL;

	if (rspfile != NULL && svtrid == NULL) {
		r = tu_data(rspfile, &rl);
	} else if (rspfile != NULL) {
		r = tu_rsp(rspfile, strcmp(svtrid, "-") == 0 ? NULL : svtrid,
			   &rl);
	}
	size_t at = tu_env_record(b, hdr, c ? c : "", cl, r ? r : "", rl);
	free(c);
	free(r);
	return at;
}

#define T0 "time=2026-11-02T09:15:04.120Z"
#define DS_REM "111 13 2 1111111111222222222233333333334444444444555555555566666666667777"
#define DS_ADD "222 13 2 9999999999888888888877777777776666666666555555555544444444443333"

static const struct tu_ev update_events[] = {
	{ "domain.ns_add", "example-upd.test", "ns3.new-dns.example", NULL, NULL },
	{ "domain.ns_rem", "example-upd.test", "ns1.old-dns.example", NULL, NULL },
	{ "domain.contact_add", "example-upd.test", NULL, "tec-new", "tech" },
	{ "domain.contact_rem", "example-upd.test", NULL, "tec-old", "tech" },
	{ "domain.status_add", "example-upd.test", NULL, NULL, "clientHold" },
	{ "domain.status_rem", "example-upd.test", NULL, NULL, "clientTransferProhibited" },
	{ "domain.registrant_change", "example-upd.test", NULL, "reg-new", NULL },
	{ "domain.authinfo_change", "example-upd.test", NULL, NULL, NULL },
	{ "domain.ds_rem", "example-upd.test", NULL, NULL, DS_REM },
	{ "domain.ds_add", "example-upd.test", NULL, NULL, DS_ADD },
};

static const struct tu_ev host_update_events[] = {
	{ "host.addr_add", NULL, "ns1.glue-test.example", NULL, "203.0.113.9" },
	{ "host.status_add", NULL, "ns1.glue-test.example", NULL, "clientUpdateProhibited" },
	{ "host.addr_rem", NULL, "ns1.glue-test.example", NULL, "198.51.100.7" },
	{ "host.addr_rem", NULL, "ns1.glue-test.example", NULL, "2001:db8::1:0:0:1" },
	{ "host.status_rem", NULL, "ns1.glue-test.example", NULL, "clientDeleteProhibited" },
	{ "host.rename", NULL, "ns1.glue-test.example", NULL, "ns9.glue-test.example" },
};

static void next_ok(struct fa_epp_reader *r, struct fa_txn *txn,
		    size_t offset, size_t end)
{
	struct fa_reject rej;

	memset(&rej, 0, sizeof(rej));
	int rc = fa_epp_reader_next(r, txn, &rej);
	if (rc != FA_OK) {
		fail_msg("expected a transaction at %zu, got rc %d at %llu: %s",
			 offset, rc, (unsigned long long)rej.pos.offset,
			 rej.reason ? rej.reason : "");
	}
	if (txn->pos.offset != offset) {
		tu_print_txn(txn);
		fail_msg("transaction at %llu, expected %zu",
			 (unsigned long long)txn->pos.offset, offset);
	}
	if (fa_epp_reader_offset(r) != end) {
		fail_msg("reader offset %llu after the record at %zu, expected %zu",
			 (unsigned long long)fa_epp_reader_offset(r), offset, end);
	}
}

static void check_key_hash(const struct fa_txn *t)
{
	assert_int_equal(strncmp(t->key, "sha256:", 7), 0);
	assert_int_equal(strlen(t->key), 7 + 64);
	assert_int_equal(strspn(t->key + 7, "0123456789abcdef"), 64);
}

static void test_records(void **state)
{
	struct tu_buf b = { 0 };
	size_t at[16], end[16], n = 0;
	struct fa_txn t;

	tu_buf_str(&b, "#fluxaudit-epp-log v1\n");
	tu_buf_str(&b, "# a comment line between records\n");
	at[n++] = rec(&b, T0 " addr=192.0.2.10 session=s-4711",
		      "cmd_login.xml", "rsp_1000.xml", "SV-L1");
	end[n - 1] = b.len;
	at[n++] = rec(&b, "time=2026-11-02T09:16:00Z clid=reg-alpha "
		      "addr=2001:DB8:0:0:0:0:0:1 session=s-4711 future=ignored",
		      "cmd_domain_update.xml", "rsp_1000.xml", "SV-U1");
	end[n - 1] = b.len;
	tu_buf_str(&b, "# another comment\n");
	at[n++] = rec(&b, T0 " clid=reg-alpha", "cmd_domain_update.xml",
		      "rsp_2303.xml", "SV-U2");
	end[n - 1] = b.len;
	at[n++] = rec(&b, T0 " clid=reg-alpha", "cmd_host_update.xml",
		      "rsp_1001.xml", "SV-H1");
	end[n - 1] = b.len;
	at[n++] = rec(&b, T0 " clid=reg-alpha", "cmd_domain_delete.xml",
		      NULL, NULL);
	end[n - 1] = b.len;
	at[n++] = rec(&b, T0 " clid=reg-alpha", "cmd_domain_create.xml",
		      "rsp_domain_credata.xml", NULL);
	end[n - 1] = b.len;
	at[n++] = rec(&b, T0 " clid=reg-alpha", "cmd_domain_renew.xml",
		      "rsp_domain_rendata.xml", NULL);
	end[n - 1] = b.len;
	at[n++] = rec(&b, T0 " clid=reg-alpha",
		      "cmd_domain_transfer_approve.xml",
		      "rsp_domain_trndata.xml", NULL);
	end[n - 1] = b.len;
	at[n++] = rec(&b, T0 " clid=reg-alpha",
		      "cmd_domain_transfer_request.xml",
		      "rsp_domain_trndata.xml", "SV-TRN-0002");
	end[n - 1] = b.len;
	at[n++] = rec(&b, T0 " clid=reg-alpha session=s-4711", NULL,
		      "rsp_greeting.xml", NULL);
	end[n - 1] = b.len;
	at[n++] = rec(&b, T0 " addr=192.0.2.10", "cmd_login.xml",
		      "rsp_2200.xml", "SV-L2");
	end[n - 1] = b.len;
	at[n++] = rec(&b, T0 " clid=reg-alpha svtrid=HDR-77",
		      "cmd_contact_create.xml", "rsp_1000.xml", "SV-C1");
	end[n - 1] = b.len;
	at[n++] = rec(&b, "time=2026-11-02T10:00:00 clid=reg-alpha",
		      "cmd_host_delete.xml", "rsp_1000.xml", "-");
	end[n - 1] = b.len;
	at[n] = b.len;

	struct fa_epp_reader *r = tu_open("env.log", b.p, b.len, FA_EPP_AUTO, 0);
	assert_int_equal(fa_epp_reader_format(r), FA_EPP_ENVELOPE);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	size_t i = 0;

	/* login: the registrar comes from the frame's clID */
	next_ok(r, &t, at[i], end[i]);
	i++;
	assert_string_equal(t.command, "login");
	assert_string_equal(t.registrar, "reg-alpha");
	assert_string_equal(t.src_addr, "192.0.2.10");
	assert_string_equal(t.session, "s-4711");
	assert_true(t.time_us == TU_DEFAULT_TIME);
	assert_int_equal(t.result_code, 1000);
	assert_string_equal(t.result_msg, "Command completed successfully");
	assert_true(t.has_command);
	assert_true(t.has_response);
	assert_string_equal(t.cltrid, "ft-login-1");
	assert_string_equal(t.svtrid, "SV-L1");
	assert_string_equal(t.key, "sv:reg-alpha:SV-L1");
	assert_string_equal(t.pos.path, "env.log");
	TU_EVENTS(&t, { "login", NULL, NULL, NULL, NULL });

	/* success: every requested change; IPv6 source normalized */
	next_ok(r, &t, at[i], end[i]);
	i++;
	assert_string_equal(t.command, "domain:update");
	assert_string_equal(t.src_addr, "2001:db8::1");
	assert_true(t.time_us == tu_time("2026-11-02T09:16:00Z"));
	assert_int_equal(t.result_code, 1000);
	assert_string_equal(t.key, "sv:reg-alpha:SV-U1");
	TU_OBJECTS(&t, "example-upd.test");
	tu_assert_events(&t, update_events, 10);

	/* failure: one command.failed event and no change */
	next_ok(r, &t, at[i], end[i]);
	i++;
	assert_string_equal(t.command, "domain:update");
	assert_int_equal(t.result_code, 2303);
	assert_string_equal(t.result_msg, "Object does not exist");
	TU_OBJECTS(&t, "example-upd.test");
	assert_null(t.src_addr);
	assert_null(t.session);
	/* the failed command's object is the event's subject */
	TU_EVENTS(&t, { "command.failed", "example-upd.test", NULL, NULL,
			"2303" });
	assert_non_null(t.events[0].detail);
	assert_non_null(strstr(t.events[0].detail, "domain:update"));

	/* 1001 (pending) counts as success */
	next_ok(r, &t, at[i], end[i]);
	i++;
	assert_int_equal(t.result_code, 1001);
	assert_string_equal(t.key, "sv:reg-alpha:SV-H1");
	tu_assert_events(&t, host_update_events, 6);

	/* rsp=0: the requested change with result -1 */
	next_ok(r, &t, at[i], end[i]);
	i++;
	assert_string_equal(t.command, "domain:delete");
	assert_int_equal(t.result_code, -1);
	assert_true(t.has_command);
	assert_false(t.has_response);
	assert_null(t.svtrid);
	check_key_hash(&t);
	TU_EVENTS(&t, { "domain.delete", "gone.example", NULL, NULL, NULL });

	/* create with creData: the created time goes into the detail */
	next_ok(r, &t, at[i], end[i]);
	i++;
	assert_string_equal(t.command, "domain:create");
	assert_string_equal(t.key, "sv:reg-alpha:SV-CRE-0001");
	assert_int_equal(t.nevents, 7);
	for (size_t k = 0; k < t.nevents; k++) {
		if (t.events[k].kind == FA_EV_DOMAIN_CREATE) {
			assert_string_equal(t.events[k].domain,
					    "flux-test.example");
			assert_non_null(t.events[k].detail);
			assert_non_null(strstr(t.events[k].detail,
					       "2026-11-02T09:15:04"));
		}
	}

	/* renew: the new expiry from renData */
	next_ok(r, &t, at[i], end[i]);
	i++;
	assert_int_equal(t.nevents, 1);
	assert_string_equal(fa_event_kind_name(t.events[0].kind),
			    "domain.renew");
	assert_string_equal(t.events[0].domain, "renew-me.example");
	assert_non_null(t.events[0].value);
	assert_int_equal(strncmp(t.events[0].value, "2029-01-15", 10), 0);

	/* approve: the gaining registrar */
	next_ok(r, &t, at[i], end[i]);
	i++;
	TU_EVENTS(&t, { "domain.transfer_approve", "moving.example", NULL, NULL,
			"reg-gain" });

	/* request: both parties in the detail */
	next_ok(r, &t, at[i], end[i]);
	i++;
	assert_string_equal(t.key, "sv:reg-alpha:SV-TRN-0002");
	TU_EVENTS(&t, { "domain.transfer_request", "moving.example", NULL, NULL,
			NULL });
	assert_non_null(t.events[0].detail);
	assert_non_null(strstr(t.events[0].detail, "reg-gain"));
	assert_non_null(strstr(t.events[0].detail, "reg-lose"));

	/* cmd=0: a server-initiated frame (greeting) */
	next_ok(r, &t, at[i], end[i]);
	i++;
	assert_false(t.has_command);
	assert_true(t.has_response);
	assert_int_equal(t.nevents, 0);
	assert_int_equal(t.nobjects, 0);

	/* failed login: command.failed only, no login event */
	next_ok(r, &t, at[i], end[i]);
	i++;
	assert_string_equal(t.command, "login");
	assert_int_equal(t.result_code, 2200);
	TU_EVENTS(&t, { "command.failed", NULL, NULL, NULL, "2200" });

	/* svtrid in the header wins over the frame's */
	next_ok(r, &t, at[i], end[i]);
	i++;
	assert_string_equal(t.svtrid, "HDR-77");
	assert_string_equal(t.key, "sv:reg-alpha:HDR-77");
	TU_EVENTS(&t, { "contact.create", NULL, NULL, "ct-7781", NULL });

	/* a time without offset is UTC; no svTRID anywhere: hash key */
	next_ok(r, &t, at[i], end[i]);
	i++;
	assert_true(t.time_us == tu_time("2026-11-02T10:00:00Z"));
	assert_int_equal(t.result_code, 1000);
	assert_null(t.svtrid);
	check_key_hash(&t);
	TU_EVENTS(&t, { "host.delete", NULL, "ns9.glue-test.example", NULL,
			NULL });

	struct fa_reject rej;
	assert_int_equal(i, n);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	assert_true(fa_epp_reader_offset(r) == b.len);

	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
}

/*
 * A transfer request the registry approves at once (trStatus
 * serverApproved) moves the domain as an approve does; a transfer
 * response naming a registrar that is not a client id is a reject.
 */
static void test_transfer_responses(void **state)
{
	struct tu_buf b = { 0 };
	struct fa_txn t;
	struct fa_reject rej;

	tu_buf_str(&b, "#fluxaudit-epp-log v1\n");
	size_t at0 = rec(&b, T0 " clid=reg-gain", "cmd_domain_transfer_request.xml",
			 "rsp_domain_trndata_instant.xml", NULL);
	size_t end0 = b.len;
	size_t at1 = rec(&b, T0 " clid=reg-gain", "cmd_domain_transfer_request.xml",
			 "rsp_domain_trndata_badid.xml", NULL);
	struct fa_epp_reader *r = tu_open("trn.log", b.p, b.len, FA_EPP_AUTO, 0);
	assert_int_equal(fa_txn_init(&t), FA_OK);

	next_ok(r, &t, at0, end0);
	assert_int_equal(t.nevents, 2);
	assert_int_equal(t.events[0].kind, FA_EV_DOMAIN_TRANSFER_REQUEST);
	assert_string_equal(t.events[0].domain, "moving.example");
	assert_int_equal(t.events[1].kind, FA_EV_DOMAIN_TRANSFER_APPROVE);
	assert_string_equal(t.events[1].domain, "moving.example");
	assert_string_equal(t.events[1].value, "reg-gain");

	memset(&rej, 0, sizeof(rej));
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EPARSE);
	assert_true(rej.pos.offset == at1);
	assert_string_equal(rej.reason, "invalid <domain:reID> \"=HYPERLINK(\"x\")\": "
			    "quote, backslash or comma");
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);

	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	tu_buf_free(&b);
}

/*
 * The contract fixes FA_EPARSE for malformed XML, FA_EREFUSED for DTDs and
 * entities and FA_ELIMIT for size limits; for an unknown command, a bad
 * name or address or a bad header either FA_EPARSE or FA_EREFUSED is right.
 */
#define REJECT_ANY 1000

/* One expected outcome of fa_epp_reader_next. */
struct step {
	int rc;		/* FA_OK or the reject code */
	size_t offset;	/* of the transaction or reject */
	const char *command;
	const char *words[4]; /* the reject reason mentions one of these */
};

/* After the steps the input ends; in an incomplete record at tail_at
 * (tail_len bytes) unless tail_len is 0. */
static void run_steps(const char *name, const struct tu_buf *b,
		      size_t max_frame, const struct step *s, size_t n,
		      size_t tail_at, size_t tail_len)
{
	struct fa_epp_reader *r = tu_open(name, b->p, b->len, FA_EPP_AUTO,
					  max_frame);
	struct fa_txn t;
	struct fa_reject rej;

	assert_int_equal(fa_txn_init(&t), FA_OK);
	for (size_t i = 0; i < n; i++) {
		memset(&rej, 0, sizeof(rej));
		int rc = fa_epp_reader_next(r, &t, &rej);
		fprintf(stderr, "[ step %zu ] rc %d at %llu %s\n", i, rc,
			(unsigned long long)(rc == FA_OK ? t.pos.offset :
					     rej.pos.offset),
			rc == FA_OK ? (t.command ? t.command : "") :
				      (rej.reason ? rej.reason : ""));
		if (s[i].rc == REJECT_ANY &&
		    (rc == FA_EPARSE || rc == FA_EREFUSED)) {
			rc = REJECT_ANY;
		}
		if (rc != s[i].rc) {
			fail_msg("step %zu: rc %d, expected %d", i, rc, s[i].rc);
		}
		if (rc == FA_OK) {
			assert_true(t.pos.offset == s[i].offset);
			assert_string_equal(t.command, s[i].command);
			assert_int_equal(t.result_code, 1000);
			assert_true(t.nevents > 0);
			continue;
		}
		if (rej.pos.offset != s[i].offset) {
			fail_msg("step %zu: reject at %llu, expected %zu", i,
				 (unsigned long long)rej.pos.offset,
				 s[i].offset);
		}
		assert_string_equal(rej.pos.path, name);
		const char *w[5] = { s[i].words[0], s[i].words[1],
				     s[i].words[2], s[i].words[3], NULL };
		if (!tu_mentions(rej.reason, w)) {
			fail_msg("step %zu: reason \"%s\" does not name the cause",
				 i, rej.reason ? rej.reason : "(null)");
		}
	}
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	uint64_t off = 0, len = 0;
	assert_int_equal(fa_epp_reader_tail(r, &off, &len), tail_len > 0);
	if (tail_len > 0) {
		assert_true(off == tail_at && len == tail_len);
		assert_true(fa_epp_reader_offset(r) == tail_at);
	} else {
		assert_true(fa_epp_reader_offset(r) == b->len);
	}
	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
}

/* Bad records in the middle: each refused, everything around them read. */
static void test_bad_records_in_middle(void **state)
{
	struct tu_buf b = { 0 };
	struct step s[20];
	size_t n = 0;
	const char *hdr = T0 " clid=reg-alpha";

	/* a frame over the 4096-byte limit set below */
	size_t dl;
	char *del = tu_data("cmd_domain_delete.xml", &dl);
	struct tu_buf big = { 0 };
	char *cut = strstr(del, "<command>");
	tu_buf_add(&big, del, (size_t)(cut - del));
	tu_buf_str(&big, "<!-- ");
	for (int k = 0; k < 500; k++) {
		tu_buf_str(&big, "padding.");
	}
	tu_buf_str(&big, " -->\n");
	tu_buf_str(&big, cut);
	assert_true(big.len > 4096);

	/* a good frame holding text that looks like a header line */
	struct tu_buf sneaky = { 0 };
	tu_buf_add(&sneaky, del, (size_t)(cut - del));
	tu_buf_str(&sneaky, "<!--\nEPPTX time=2026-01-01T00:00:00Z cmd=3 rsp=0\n-->\n");
	tu_buf_str(&sneaky, cut);

	size_t rl;
	char *rsp = tu_rsp("rsp_1000.xml", "SV-M", &rl);

	s[n++] = (struct step){ FA_OK, rec(&b, hdr, "cmd_domain_delete.xml",
					   "rsp_1000.xml", "SV-M0"),
				"domain:delete", { NULL } };
	/* header without the required time */
	s[n++] = (struct step){ REJECT_ANY, rec(&b, "clid=reg-alpha",
					       "cmd_domain_delete.xml",
					       "rsp_1000.xml", "SV-M1"),
				NULL, { "time", NULL } };
	s[n++] = (struct step){ FA_OK, rec(&b, hdr, "cmd_host_delete.xml",
					   "rsp_1000.xml", "SV-M2"),
				"host:delete", { NULL } };
	/* malformed XML in the command frame */
	s[n++] = (struct step){ FA_EPARSE, rec(&b, hdr, "bad_malformed.xml",
					       "rsp_1000.xml", "SV-M3"),
				NULL, { "mismatch", "malformed", "well-formed",
					"xml" } };
	s[n++] = (struct step){ FA_OK, rec(&b, hdr, "cmd_domain_delete.xml",
					   "rsp_1000.xml", "SV-M4"),
				"domain:delete", { NULL } };
	/* entity bomb */
	s[n++] = (struct step){ FA_EREFUSED,
				rec(&b, hdr, "bad_entity_internal.xml",
				    "rsp_1000.xml", "SV-M5"),
				NULL, { "dtd", "doctype", "entit" } };
	s[n++] = (struct step){ FA_OK, rec(&b, hdr, "cmd_host_create.xml",
					   "rsp_1000.xml", "SV-M6"),
				"host:create", { NULL } };
	/* oversized command frame */
	s[n++] = (struct step){ FA_ELIMIT,
				tu_env_record(&b, hdr, big.p, big.len, rsp, rl),
				NULL, { "4096", "limit", "large", "size" } };
	s[n++] = (struct step){ FA_OK, rec(&b, hdr, "cmd_domain_delete.xml",
					   "rsp_1000.xml", "SV-M8"),
				"domain:delete", { NULL } };
	/* a length that is not a number */
	{
		size_t at = b.len;
		tu_buf_str(&b, "EPPTX " T0 " cmd=12x rsp=0\n<hello/>\n");
		s[n++] = (struct step){ REJECT_ANY, at, NULL,
					{ "cmd", "length", NULL } };
	}
	s[n++] = (struct step){ FA_OK, rec(&b, hdr, "cmd_host_delete.xml",
					   "rsp_1000.xml", "SV-M10"),
				"host:delete", { NULL } };
	/* unknown command */
	s[n++] = (struct step){ REJECT_ANY, rec(&b, hdr,
					       "bad_unknown_command.xml",
					       "rsp_1000.xml", "SV-M11"),
				NULL, { "frobnicate", "unknown",
					"unrecognized", "unsupported" } };
	s[n++] = (struct step){ FA_OK, tu_env_record(&b, hdr, sneaky.p,
						     sneaky.len, rsp, rl),
				"domain:delete", { NULL } };
	/* an invalid name and an invalid address */
	s[n++] = (struct step){ REJECT_ANY, rec(&b, hdr, "bad_label64.xml",
					       "rsp_1000.xml", "SV-M13"),
				NULL, { "label", "63", NULL } };
	s[n++] = (struct step){ REJECT_ANY, rec(&b, hdr, "bad_ipv6.xml",
					       "rsp_1000.xml", "SV-M14"),
				NULL, { "address", "2001:db8::1::2", NULL } };
	s[n++] = (struct step){ FA_OK, rec(&b, hdr, "cmd_domain_delete.xml",
					   "rsp_1000.xml", "SV-M15"),
				"domain:delete", { NULL } };
	/* the last record's response runs past the end of the file: not a
	 * reject, the reader stops before it (the log may be growing) */
	size_t at = b.len;
	{
		char line[256];
		snprintf(line, sizeof(line), "EPPTX %s cmd=%zu rsp=%zu\n", hdr,
			 dl, rl + 100);
		tu_buf_str(&b, line);
		tu_buf_add(&b, del, dl);
		tu_buf_add(&b, rsp, rl);
	}

	run_steps("mixed.log", &b, 4096, s, n, at, b.len - at);

	free(del);
	free(rsp);
	tu_buf_free(&big);
	tu_buf_free(&sneaky);
	tu_buf_free(&b);
}


static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	assert_int_equal(EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL),
			 1);
	assert_int_equal(mdlen, 32);
	for (int i = 0; i < 32; i++) {
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	}
}

/* Reading from a file: identity, resuming at a checkpoint, errors. */
static void test_file_identity_and_resume(void **state)
{
	struct tu_buf b = { 0 };
	size_t at[6];
	char path[] = "/tmp/fa-epptest-XXXXXX";
	char err[512] = "";
	char want[80];
	char hex[65];
	struct fa_epp_reader *r = NULL;
	struct fa_txn t;
	struct fa_reject rej;

	/* enough records to pass 4096 bytes */
	for (int i = 0; i < 5; i++) {
		char sv[16];
		snprintf(sv, sizeof(sv), "SV-F%d", i);
		at[i] = rec(&b, T0 " clid=reg-alpha", "cmd_host_update.xml",
			    "rsp_1000.xml", sv);
	}
	at[5] = b.len;
	assert_true(b.len > 4096);

	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_true(write(fd, b.p, b.len) == (ssize_t)b.len);
	close(fd);

	assert_int_equal(fa_epp_reader_open(&r, path, NULL, 0, err,
					    sizeof(err)), FA_OK);
	sha256_hex(b.p, 4096, hex);
	snprintf(want, sizeof(want), "sha256:%s", hex);
	assert_string_equal(fa_epp_reader_identity(r), want);
	assert_int_equal(fa_epp_reader_format(r), FA_EPP_ENVELOPE);
	fa_epp_reader_free(r);

	/* resume at the third record */
	r = NULL;
	assert_int_equal(fa_epp_reader_open(&r, path, NULL, at[2], err,
					    sizeof(err)), FA_OK);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	for (int i = 2; i < 5; i++) {
		assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
		assert_true(t.pos.offset == at[i]);
		assert_string_equal(t.pos.path, path);
		char key[32];
		snprintf(key, sizeof(key), "sv:reg-alpha:SV-F%d", i);
		assert_string_equal(t.key, key);
		assert_true(fa_epp_reader_offset(r) == at[i + 1]);
	}
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	/* the identity does not depend on where reading started */
	assert_string_equal(fa_epp_reader_identity(r), want);
	fa_epp_reader_free(r);

	/* appending keeps the identity */
	FILE *f = fopen(path, "ab");
	assert_non_null(f);
	fputs("# appended\n", f);
	fclose(f);
	r = NULL;
	assert_int_equal(fa_epp_reader_open(&r, path, NULL, 0, err,
					    sizeof(err)), FA_OK);
	assert_string_equal(fa_epp_reader_identity(r), want);
	fa_epp_reader_free(r);

	unlink(path);
	r = NULL;
	err[0] = '\0';
	assert_int_equal(fa_epp_reader_open(&r, path, NULL, 0, err,
					    sizeof(err)), FA_EIO);
	assert_null(r);
	assert_non_null(strstr(err, path));
	tu_assert_mentions(err, "no such file");

	fa_txn_deinit(&t);
	tu_buf_free(&b);
}

/* Records without a time (single frames) take the file's mtime. */
static void test_frame_time_from_mtime(void **state)
{
	char path[] = "/tmp/fa-epptest-XXXXXX";
	size_t len;
	char *x = tu_data("cmd_domain_delete.xml", &len);
	char err[512];
	struct fa_epp_reader *r = NULL;
	struct fa_txn t;
	struct fa_reject rej;
	struct timeval tv[2] = { { 1700000000, 0 }, { 1700000000, 0 } };

	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_true(write(fd, x, len) == (ssize_t)len);
	close(fd);
	assert_int_equal(utimes(path, tv), 0);

	assert_int_equal(fa_epp_reader_open(&r, path, NULL, 0, err,
					    sizeof(err)), FA_OK);
	assert_int_equal(fa_epp_reader_format(r), FA_EPP_FRAME);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_OK);
	assert_true(t.time_us == 1700000000LL * 1000000);
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
	unlink(path);
	free(x);
}

/* Format detection from the first bytes. */
static void test_detect(void **state)
{
	size_t len;
	char *x = tu_data("cmd_domain_delete.xml", &len);
	struct tu_buf env = { 0 }, raw = { 0 }, bom = { 0 };

	rec(&env, T0, "cmd_domain_delete.xml", NULL, NULL);
	tu_5734_frame(&raw, x, len);
	/* BOM and white space, then the frame without its XML declaration
	 * (which would be out of place after white space) */
	tu_buf_str(&bom, "\xEF\xBB\xBF \n\t");
	tu_buf_str(&bom, strchr(x, '\n') + 1);

	struct fa_epp_reader *r = tu_open("a", env.p, env.len, FA_EPP_AUTO, 0);
	assert_int_equal(fa_epp_reader_format(r), FA_EPP_ENVELOPE);
	fa_epp_reader_free(r);
	r = tu_open("b", raw.p, raw.len, FA_EPP_AUTO, 0);
	assert_int_equal(fa_epp_reader_format(r), FA_EPP_RFC5734);
	fa_epp_reader_free(r);
	r = tu_open("c", x, len, FA_EPP_AUTO, 0);
	assert_int_equal(fa_epp_reader_format(r), FA_EPP_FRAME);
	fa_epp_reader_free(r);

	struct fa_txn t;
	struct tu_one o;
	assert_int_equal(fa_txn_init(&t), FA_OK);
	tu_read_one("bom", bom.p, bom.len, FA_EPP_AUTO, 0, &t, &o);
	if (o.rc != FA_OK) {
		fail_msg("BOM and white space before the frame: rc %d: %s", o.rc,
			 o.reason);
	}
	TU_EVENTS(&t, { "domain.delete", "gone.example", NULL, NULL, NULL });


	fa_txn_deinit(&t);

	tu_buf_free(&env);
	tu_buf_free(&raw);
	tu_buf_free(&bom);
	free(x);
}

/* A byte order mark right before the XML declaration. */
static void test_bom_before_declaration(void **state)
{
	size_t len;
	char *x = tu_data("cmd_domain_delete.xml", &len);
	struct fa_txn t;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&t), FA_OK);
	/* the common case: a BOM right before the XML declaration */
	struct tu_buf bom2 = { 0 };
	tu_buf_str(&bom2, "\xEF\xBB\xBF");
	tu_buf_add(&bom2, x, len);
	tu_read_one("bom2", bom2.p, bom2.len, FA_EPP_AUTO, 0, &t, &o);
	tu_buf_free(&bom2);
	if (o.rc != FA_OK) {
		fail_msg("BOM before the XML declaration: rc %d: %s", o.rc,
			 o.reason);
	}
	TU_EVENTS(&t, { "domain.delete", "gone.example", NULL, NULL, NULL });
	fa_txn_deinit(&t);
	free(x);
}

/*
 * tests/data/epp/env_small.log, read from disk: the offsets below are the
 * byte positions of its "EPPTX " lines (grep -b), the record at 4337 holds
 * malformed XML.
 */
static void test_small_log_file(void **state)
{
	char path[1024], err[512];
	struct fa_epp_reader *r = NULL;
	struct fa_txn t;
	struct fa_reject rej;

	snprintf(path, sizeof(path), "%s/epp/env_small.log", FA_TEST_DATA);
	assert_int_equal(fa_epp_reader_open(&r, path, NULL, 0, err, sizeof(err)),
			 FA_OK);
	assert_int_equal(fa_epp_reader_format(r), FA_EPP_ENVELOPE);
	assert_int_equal(fa_txn_init(&t), FA_OK);

	next_ok(r, &t, 83, 1168);
	assert_string_equal(t.command, "login");
	assert_string_equal(t.registrar, "reg-alpha");
	assert_string_equal(t.key, "sv:reg-alpha:SM-1");
	assert_true(t.time_us == tu_time("2026-11-02T09:00:01Z"));
	TU_EVENTS(&t, { "login", NULL, NULL, NULL, NULL });

	next_ok(r, &t, 1168, 3489);
	assert_string_equal(t.command, "domain:update");
	assert_int_equal(t.result_code, 1000);
	tu_assert_events(&t, update_events, 10);

	next_ok(r, &t, 3489, 4337);
	assert_string_equal(t.command, "host:create");
	assert_int_equal(t.result_code, 2303);
	TU_EVENTS(&t, { "command.failed", NULL, "ns1.glue-test.example", NULL,
			"2303" });

	memset(&rej, 0, sizeof(rej));
	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EPARSE);
	assert_true(rej.pos.offset == 4337);
	assert_string_equal(rej.pos.path, path);
	tu_assert_mentions(rej.reason, "mismatch", "malformed", "xml");
	assert_true(fa_epp_reader_offset(r) == 5033);

	next_ok(r, &t, 5033, 5457);
	assert_string_equal(t.command, "domain:delete");
	assert_int_equal(t.result_code, -1);
	TU_EVENTS(&t, { "domain.delete", "gone.example", NULL, NULL, NULL });

	next_ok(r, &t, 5457, 7507);
	assert_string_equal(t.command, "domain:create");
	assert_string_equal(t.key, "sv:reg-alpha:SV-CRE-0001");
	assert_int_equal(t.nevents, 7);

	next_ok(r, &t, 7507, 8096);
	assert_string_equal(t.command, "logout");
	assert_int_equal(t.result_code, 1500);
	TU_EVENTS(&t, { "logout", NULL, NULL, NULL, NULL });

	assert_int_equal(fa_epp_reader_next(r, &t, &rej), FA_EOF);
	fa_epp_reader_free(r);
	fa_txn_deinit(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_transfer_responses),
		cmocka_unit_test(test_bad_records_in_middle),
		cmocka_unit_test(test_file_identity_and_resume),
		cmocka_unit_test(test_frame_time_from_mtime),
		cmocka_unit_test(test_small_log_file),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_bom_before_declaration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
