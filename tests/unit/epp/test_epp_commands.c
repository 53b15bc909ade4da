/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One EPP frame per file (FA_EPP_FRAME): every command the reader knows,
 * read as a lone command (no response logged), so each yields the changes
 * it requests with result -1. Exact command, objects and events.
 */
#include "epp_test_util.h"

struct cmd_case {
	const char *file;
	const char *command;
	const char *object_type;
	const char *objects[4];
	size_t nobjects;
	struct tu_ev events[12];
	size_t nevents;
};

#define DS_CREATE "12345 8 1 1234567890123456789012345678901234567890"
#define DS_REM "111 13 2 1111111111222222222233333333334444444444555555555566666666667777"
#define DS_ADD "222 13 2 9999999999888888888877777777776666666666555555555544444444443333"

static const struct cmd_case cases[] = {
	{ "cmd_logout.xml", "logout", NULL, { NULL }, 0,
	  { { "logout", NULL, NULL, NULL, NULL } }, 1 },
	{ "cmd_poll.xml", "poll", NULL, { NULL }, 0, { { 0 } }, 0 },
	{ "cmd_domain_check.xml", "domain:check", "domain",
	  { "alpha.example", "beta.example", "gamma.example" }, 3,
	  { { 0 } }, 0 },
	{ "cmd_domain_info.xml", "domain:info", "domain",
	  { "info-me.example" }, 1, { { 0 } }, 0 },
	{ "cmd_domain_create.xml", "domain:create", "domain",
	  { "flux-test.example" }, 1,
	  {
		{ "domain.create", "flux-test.example", NULL, "reg-c1", NULL },
		{ "domain.ns_add", "flux-test.example", "ns1.flux-host.net", NULL, NULL },
		{ "domain.ns_add", "flux-test.example", "ns2.flux-host.net", NULL, NULL },
		{ "domain.contact_add", "flux-test.example", NULL, "adm-c2", "admin" },
		{ "domain.contact_add", "flux-test.example", NULL, "tec-c3", "tech" },
		{ "domain.ds_add", "flux-test.example", NULL, NULL, DS_CREATE },
		{ "domain.ttl_set", "flux-test.example", NULL, NULL, "NS 300" },
	  }, 7 },
	{ "cmd_domain_create_hostattr.xml", "domain:create", "domain",
	  { "xn--bcher-kva.example" }, 1,
	  {
		{ "domain.create", "xn--bcher-kva.example", NULL, "reg-c1", NULL },
		{ "domain.ns_add", "xn--bcher-kva.example",
		  "ns1.xn--bcher-kva.example", NULL, NULL },
		{ "domain.ns_add", "xn--bcher-kva.example", "ns2.other-dns.example", NULL, NULL },
		{ "host.addr_add", "xn--bcher-kva.example",
		  "ns1.xn--bcher-kva.example", NULL, "192.0.2.53" },
		{ "host.addr_add", "xn--bcher-kva.example",
		  "ns1.xn--bcher-kva.example", NULL, "2001:db8::53" },
	  }, 5 },
	{ "cmd_domain_update.xml", "domain:update", "domain",
	  { "example-upd.test" }, 1,
	  {
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
	  }, 10 },
	{ "cmd_domain_update_ttl.xml", "domain:update", "domain",
	  { "low-ttl.example" }, 1,
	  {
		{ "domain.ttl_set", "low-ttl.example", NULL, NULL, "NS 60" },
		{ "domain.ttl_set", "low-ttl.example", NULL, NULL, "DS 3600" },
	  }, 2 },
	{ "cmd_domain_update_ttl_custom.xml", "domain:update", "domain",
	  { "low-ttl.example" }, 1,
	  {
		{ "domain.ttl_set", "low-ttl.example", NULL, NULL, "NS 60" },
		{ "domain.ttl_set", "low-ttl.example", NULL, NULL, "TXT 600" },
	  }, 2 },
	{ "cmd_domain_update_dsall.xml", "domain:update", "domain",
	  { "unsigned.example" }, 1,
	  { { "domain.ds_rem", "unsigned.example", NULL, NULL, "*" } }, 1 },
	{ "cmd_domain_update_hostattr.xml", "domain:update", "domain",
	  { "attr-upd.example" }, 1,
	  {
		{ "domain.ns_add", "attr-upd.example", "ns5.attr-upd.example", NULL, NULL },
		{ "host.addr_add", "attr-upd.example",
		  "ns5.attr-upd.example", NULL, "2001:db8::ff00:42:8329" },
		{ "domain.ns_rem", "attr-upd.example", "ns4.attr-upd.example", NULL, NULL },
	  }, 3 },
	{ "cmd_domain_delete.xml", "domain:delete", "domain",
	  { "gone.example" }, 1,
	  { { "domain.delete", "gone.example", NULL, NULL, NULL } }, 1 },
	{ "cmd_domain_renew.xml", "domain:renew", "domain",
	  { "renew-me.example" }, 1,
	  { { "domain.renew", "renew-me.example", NULL, NULL, NULL } }, 1 },
	{ "cmd_domain_transfer_request.xml", "domain:transfer", "domain",
	  { "moving.example" }, 1,
	  { { "domain.transfer_request", "moving.example", NULL, NULL, NULL } }, 1 },
	{ "cmd_domain_transfer_approve.xml", "domain:transfer", "domain",
	  { "moving.example" }, 1,
	  { { "domain.transfer_approve", "moving.example", NULL, NULL, NULL } }, 1 },
	{ "cmd_domain_transfer_reject.xml", "domain:transfer", "domain",
	  { "moving.example" }, 1,
	  { { "domain.transfer_reject", "moving.example", NULL, NULL, NULL } }, 1 },
	{ "cmd_domain_transfer_cancel.xml", "domain:transfer", "domain",
	  { "moving.example" }, 1,
	  { { "domain.transfer_cancel", "moving.example", NULL, NULL, NULL } }, 1 },
	{ "cmd_domain_transfer_query.xml", "domain:transfer", "domain",
	  { "moving.example" }, 1, { { 0 } }, 0 },
	{ "cmd_host_create.xml", "host:create", "host",
	  { "ns1.glue-test.example" }, 1,
	  {
		{ "host.create", NULL, "ns1.glue-test.example", NULL, NULL },
		{ "host.addr_add", NULL, "ns1.glue-test.example", NULL, "198.51.100.7" },
		{ "host.addr_add", NULL, "ns1.glue-test.example", NULL, "2001:db8::7" },
	  }, 3 },
	{ "cmd_host_update.xml", "host:update", "host",
	  { "ns1.glue-test.example" }, 1,
	  {
		{ "host.addr_add", NULL, "ns1.glue-test.example", NULL, "203.0.113.9" },
		{ "host.status_add", NULL,
		  "ns1.glue-test.example", NULL, "clientUpdateProhibited" },
		{ "host.addr_rem", NULL, "ns1.glue-test.example", NULL, "198.51.100.7" },
		{ "host.addr_rem", NULL, "ns1.glue-test.example", NULL, "2001:db8::1:0:0:1" },
		{ "host.status_rem", NULL,
		  "ns1.glue-test.example", NULL, "clientDeleteProhibited" },
		{ "host.rename", NULL, "ns1.glue-test.example", NULL, "ns9.glue-test.example" },
	  }, 6 },
	{ "cmd_host_delete.xml", "host:delete", "host",
	  { "ns9.glue-test.example" }, 1,
	  { { "host.delete", NULL, "ns9.glue-test.example", NULL, NULL } }, 1 },
	{ "cmd_contact_create.xml", "contact:create", "contact", { "ct-7781" }, 1,
	  { { "contact.create", NULL, NULL, "ct-7781", NULL } }, 1 },
	{ "cmd_contact_update.xml", "contact:update", "contact", { "ct-7781" }, 1,
	  { { "contact.update", NULL, NULL, "ct-7781", NULL } }, 1 },
	{ "cmd_contact_delete.xml", "contact:delete", "contact", { "ct-7781" }, 1,
	  { { "contact.delete", NULL, NULL, "ct-7781", NULL } }, 1 },
	/* Length limits: exactly at the limit is fine. */
	{ "ok_label63.xml", "domain:delete", "domain",
	  { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example" }, 1,
	  { { "domain.delete",
	      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
	      NULL, NULL, NULL } }, 1 },
};

static void check_case(const struct cmd_case *c)
{
	struct fa_txn txn;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&txn), FA_OK);
	tu_frame(c->file, &txn, &o);
	if (o.rc != FA_OK) {
		fail_msg("%s: rc %d (%s)", c->file, o.rc, o.reason);
	}
	assert_int_equal(o.rc_after, FA_EOF);
	fprintf(stderr, "[ case ] %s\n", c->file);

	assert_string_equal(txn.command, c->command);
	assert_true(tu_streq(txn.object_type, c->object_type));
	tu_assert_objects(&txn, c->objects, c->nobjects);
	tu_assert_events(&txn, c->events, c->nevents);

	/* A lone command: nothing says whether it worked. */
	assert_int_equal(txn.result_code, -1);
	assert_null(txn.result_msg);
	assert_null(txn.svtrid);
	assert_true(txn.has_command);
	assert_false(txn.has_response);
	assert_null(txn.registrar);
	assert_true(txn.time_us == TU_DEFAULT_TIME);
	assert_string_equal(o.txn_path, c->file);
	/* the txn owns its copy of the name (test_epp_ownership) */
	assert_string_equal(txn.pos.path, c->file);
	assert_true(txn.pos.offset == 0);
	assert_non_null(txn.cltrid);
	assert_int_equal(strncmp(txn.cltrid, "ft-", 3), 0);

	/* No svTRID, so the key is the content hash. */
	assert_int_equal(strncmp(txn.key, "sha256:", 7), 0);
	assert_int_equal(strlen(txn.key), 7 + 64);
	assert_int_equal(strspn(txn.key + 7, "0123456789abcdef"), 64);

	fa_txn_deinit(&txn);
}

static void test_every_command(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_case(&cases[i]);
	}
}

static void test_login_frame(void **state)
{
	struct fa_txn txn;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&txn), FA_OK);
	tu_frame("cmd_login.xml", &txn, &o);
	assert_int_equal(o.rc, FA_OK);
	assert_int_equal(o.rc_after, FA_EOF);
	assert_string_equal(txn.command, "login");
	assert_null(txn.object_type);
	assert_int_equal(txn.nobjects, 0);
	/* The login frame's clID names the registrar. */
	assert_non_null(txn.registrar);
	assert_string_equal(txn.registrar, "reg-alpha");
	assert_string_equal(txn.cltrid, "ft-login-1");
	assert_int_equal(txn.result_code, -1);
	TU_EVENTS(&txn, { "login", NULL, NULL, NULL, NULL });
	/* The password must not leak into anything the reader returns. */
	for (size_t i = 0; i < txn.nevents; i++) {
		assert_null(txn.events[i].detail == NULL ? NULL :
			    strstr(txn.events[i].detail, "s3cret-pw-1"));
	}
	fa_txn_deinit(&txn);
}

static void test_hello_frame(void **state)
{
	struct fa_txn txn;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&txn), FA_OK);
	tu_frame("cmd_hello.xml", &txn, &o);
	assert_int_equal(o.rc, FA_OK);
	assert_string_equal(txn.command, "hello");
	assert_int_equal(txn.nobjects, 0);
	assert_int_equal(txn.nevents, 0);
	assert_int_equal(txn.result_code, -1);
	fa_txn_deinit(&txn);
}

/* The create's detail carries the period; secrets stay out of it. */
static void test_create_detail(void **state)
{
	struct fa_txn txn;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&txn), FA_OK);
	tu_frame("cmd_domain_create.xml", &txn, &o);
	assert_int_equal(o.rc, FA_OK);
	for (size_t i = 0; i < txn.nevents; i++) {
		const char *d = txn.events[i].detail;
		if (d != NULL) {
			assert_null(strstr(d, "create-pw-9"));
		}
		if (txn.events[i].kind == FA_EV_DOMAIN_CREATE) {
			assert_non_null(d);
			assert_non_null(strstr(d, "\"period\""));
		}
	}
	fa_txn_deinit(&txn);
}

/* A contact's detail: name, org, city, cc of the first postalInfo, email
 * and voice; never the street or the password. */
static void test_contact_detail(void **state)
{
	struct fa_txn txn;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&txn), FA_OK);
	tu_frame("cmd_contact_create.xml", &txn, &o);
	assert_int_equal(o.rc, FA_OK);
	assert_int_equal(txn.nevents, 1);
	assert_int_equal(txn.events[0].kind, FA_EV_CONTACT_CREATE);
	assert_string_equal(txn.events[0].detail,
			    "{\"name\":\"Robin Tester\",\"org\":null,\"city\":\"Testville\","
			    "\"cc\":\"EE\",\"email\":\"robin@contact-test.example\","
			    "\"voice\":\"+372.5550100\"}");
	fa_txn_deinit(&txn);
}

static void check_response(const char *file, const char *command,
			   const char *type, const char *object,
			   const char *svtrid, const struct tu_ev *ev)
{
	struct fa_txn txn;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&txn), FA_OK);
	tu_frame(file, &txn, &o);
	if (o.rc != FA_OK) {
		fail_msg("%s: rc %d (%s)", file, o.rc, o.reason);
	}
	assert_int_equal(o.rc_after, FA_EOF);
	assert_string_equal(txn.command, command);
	assert_string_equal(txn.object_type, type);
	TU_OBJECTS(&txn, object);
	assert_false(txn.has_command);
	assert_true(txn.has_response);
	assert_int_equal(txn.result_code, 1000);
	assert_string_equal(txn.result_msg, "Command completed successfully");
	assert_string_equal(txn.svtrid, svtrid);
	assert_string_equal(txn.cltrid, "ft-any");
	tu_assert_events(&txn, ev, 1);
	assert_non_null(txn.events[0].detail);
	fa_txn_deinit(&txn);
}

/* A lone info response teaches the current state, and names its object. */
static void test_infdata_responses(void **state)
{
	const struct tu_ev dom = { "domain.info", "info-me.example", NULL, NULL,
				   NULL };
	const struct tu_ev host = { "host.info", NULL, "ns1.info-dns.example",
				    NULL, NULL };

	check_response("rsp_domain_infdata.xml", "domain:infData", "domain",
		       "info-me.example", "SV-INF-0001", &dom);
	check_response("rsp_host_infdata.xml", "host:infData", "host",
		       "ns1.info-dns.example", "SV-HINF-0001", &host);
}

/* The TTL extension's infData (RFC 9803) becomes "ttls" of the state;
 * an empty <ttl:ttl> (the server's default) is left out. */
static void test_infdata_ttls(void **state)
{
	struct fa_txn txn;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&txn), FA_OK);
	tu_frame("rsp_domain_infdata_ttl.xml", &txn, &o);
	assert_int_equal(o.rc, FA_OK);
	assert_int_equal(txn.nevents, 1);
	assert_string_equal(txn.events[0].domain, "info-me.example");
	assert_non_null(strstr(txn.events[0].detail,
			       ",\"ttls\":{\"NS\":300,\"DS\":86400}}"));
	fa_txn_deinit(&txn);
}

/* Same content gives the same key; a different time a different key. */
static void test_hash_key_stable(void **state)
{
	size_t len;
	char *buf = tu_data("cmd_domain_delete.xml", &len);
	struct fa_txn a, b;
	struct tu_one o;
	struct fa_epp_opts opts = { .format = FA_EPP_FRAME,
				    .default_time_us = TU_DEFAULT_TIME };
	struct fa_epp_reader *r = NULL;
	struct fa_reject rej;

	assert_int_equal(fa_txn_init(&a), FA_OK);
	assert_int_equal(fa_txn_init(&b), FA_OK);
	tu_read_one("one", buf, len, FA_EPP_FRAME, 0, &a, &o);
	assert_int_equal(o.rc, FA_OK);
	tu_read_one("two", buf, len, FA_EPP_FRAME, 0, &b, &o);
	assert_int_equal(o.rc, FA_OK);
	assert_string_equal(a.key, b.key);

	opts.default_time_us = TU_DEFAULT_TIME + 1000000;
	assert_int_equal(fa_epp_reader_open_mem(&r, "three", buf, len, &opts),
			 FA_OK);
	assert_int_equal(fa_epp_reader_next(r, &b, &rej), FA_OK);
	assert_true(b.time_us == TU_DEFAULT_TIME + 1000000);
	assert_string_not_equal(a.key, b.key);
	fa_epp_reader_free(r);

	fa_txn_deinit(&a);
	fa_txn_deinit(&b);
	free(buf);
}

/* Surrounding white space is not part of the canonical content. */
static void test_hash_key_trims_space(void **state)
{
	size_t len;
	char *buf = tu_data("cmd_domain_delete.xml", &len);
	struct tu_buf padded = { 0 };
	struct fa_txn a, b;
	struct tu_one o;

	/* (leading white space would put the XML declaration out of place) */
	tu_buf_add(&padded, buf, len);
	tu_buf_str(&padded, "\n\n   \n");
	assert_int_equal(fa_txn_init(&a), FA_OK);
	assert_int_equal(fa_txn_init(&b), FA_OK);
	tu_read_one("plain", buf, len, FA_EPP_FRAME, 0, &a, &o);
	assert_int_equal(o.rc, FA_OK);
	tu_read_one("padded", padded.p, padded.len, FA_EPP_FRAME, 0, &b, &o);
	assert_int_equal(o.rc, FA_OK);
	assert_string_equal(a.key, b.key);
	fa_txn_deinit(&a);
	fa_txn_deinit(&b);
	tu_buf_free(&padded);
	free(buf);
}

/* The 253-octet name is accepted, with or without its trailing dot. */
static void test_name_253(void **state)
{
	const char *files[] = { "ok_name253.xml", "ok_name253_dot.xml" };

	for (size_t i = 0; i < 2; i++) {
		struct fa_txn txn;
		struct tu_one o;

		assert_int_equal(fa_txn_init(&txn), FA_OK);
		tu_frame(files[i], &txn, &o);
		if (o.rc != FA_OK) {
			fail_msg("%s: rc %d (%s)", files[i], o.rc, o.reason);
		}
		assert_int_equal(txn.nobjects, 1);
		assert_int_equal(strlen(txn.objects[0]), 253);
		assert_int_equal(txn.objects[0][252], 't');
		assert_int_equal(txn.nevents, 1);
		assert_string_equal(txn.events[0].domain, txn.objects[0]);
		fa_txn_deinit(&txn);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command),
		cmocka_unit_test(test_login_frame),
		cmocka_unit_test(test_hello_frame),
		cmocka_unit_test(test_create_detail),
		cmocka_unit_test(test_contact_detail),
		cmocka_unit_test(test_infdata_responses),
		cmocka_unit_test(test_infdata_ttls),
		cmocka_unit_test(test_hash_key_stable),
		cmocka_unit_test(test_hash_key_trims_space),
		cmocka_unit_test(test_name_253),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
