/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Refused frames are stored as rejects with an excerpt of their bytes; the
 * excerpt must never carry a login password or an authInfo secret.
 */
#include "epp_test_util.h"

static void read_one_reject(const char *frame, struct fa_reject *rej,
			    struct fa_epp_reader **rp, struct fa_txn *txn)
{
	struct fa_epp_opts opts = { .format = FA_EPP_FRAME,
				    .default_time_us = TU_DEFAULT_TIME };
	assert_int_equal(fa_epp_reader_open_mem(rp, "secret.xml", frame,
						strlen(frame), &opts),
			 FA_OK);
	assert_int_equal(fa_txn_init(txn), FA_OK);
	memset(rej, 0, sizeof(*rej));
	int rc = fa_epp_reader_next(*rp, txn, rej);
	assert_true(rc == FA_EPARSE || rc == FA_EREFUSED);
	assert_non_null(rej->excerpt);
}

static bool excerpt_has(const struct fa_reject *rej, const char *needle)
{
	char buf[512];
	size_t n = rej->excerpt_len < sizeof(buf) - 1 ? rej->excerpt_len
						      : sizeof(buf) - 1;
	memcpy(buf, rej->excerpt, n);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* A login whose XML breaks after the password: both secrets masked, the
 * rest of the excerpt kept so that an analyst still sees what it was. */
static void test_login_password_masked(void **state)
{
	(void)state;
	const char *frame =
		"<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><login>"
		"<clID>reg-x</clID><pw>hunter2secret</pw>"
		"<newPW>n3wSecret!</newPW><options><broken></command></epp>";
	struct fa_epp_reader *r = NULL;
	struct fa_txn txn;
	struct fa_reject rej;

	read_one_reject(frame, &rej, &r, &txn);
	assert_false(excerpt_has(&rej, "hunter2secret"));
	assert_false(excerpt_has(&rej, "n3wSecret!"));
	assert_true(excerpt_has(&rej, "<pw>*************</pw>"));
	assert_true(excerpt_has(&rej, "<newPW>**********</newPW>"));
	assert_true(excerpt_has(&rej, "<clID>reg-x</clID>"));

	fa_txn_deinit(&txn);
	fa_epp_reader_free(r);
}

/* A prefixed authInfo password with an attribute, in a refused create. */
static void test_authinfo_masked(void **state)
{
	(void)state;
	const char *frame =
		"<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><create>"
		"<d:create xmlns:d=\"urn:ietf:params:xml:ns:domain-1.0\">"
		"<d:name>bad_name.example</d:name><d:authInfo>"
		"<d:pw roid=\"X-1\">2fooBAR</d:pw></d:authInfo>"
		"</d:create></create></command></epp>";
	struct fa_epp_reader *r = NULL;
	struct fa_txn txn;
	struct fa_reject rej;

	read_one_reject(frame, &rej, &r, &txn);
	assert_false(excerpt_has(&rej, "2fooBAR"));
	assert_true(excerpt_has(&rej, "<d:pw roid=\"X-1\">*******</d:pw>"));

	fa_txn_deinit(&txn);
	fa_epp_reader_free(r);
}

/* The tester's frames (secrets-in-rejects-2.log): a CDATA section, a
 * comment inside the value, blanks inside the tags, a prefixed element,
 * an attribute value holding '>', and a frame cut inside the secret. */
static void test_odd_markup_masked(void **state)
{
	static const struct {
		const char *frame, *secret, *masked;
	} cases[] = {
		{ "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><login>"
		  "<clID>reg-pw</clID><pw><![CDATA[TopSecretC]]></pw><bad></login>"
		  "</command></epp>",
		  "TopSecretC", "<pw>**********************</pw><bad>" },
		{ "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><login>"
		  "<clID>reg-pw</clID><pw>Top<!-- c -->SecretD</pw><bad></login>"
		  "</command></epp>",
		  "SecretD", "<pw>********************</pw><bad>" },
		{ "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><login>"
		  "<clID>reg-pw</clID><pw >TopSecretA</pw ><newPW\n>NewSecretB"
		  "</newPW><bad></login></command></epp>",
		  "NewSecretB", "<pw >**********</pw ><newPW\n>**********</newPW>" },
		{ "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\" xmlns:e=\"urn:ietf:"
		  "params:xml:ns:epp-1.0\"><command><e:login><e:clID>reg-pw"
		  "</e:clID><e:pw>TopSecretE</e:pw><bad></e:login></command></epp>",
		  "TopSecretE", "<e:pw>**********</e:pw><bad>" },
		{ "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><login>"
		  "<clID>reg-pw</clID><pw a=\"x>y\">TopSecretG</pw><bad></login>"
		  "</command></epp>",
		  "TopSecretG", "<pw a=\"x>y\">**********</pw><bad>" },
		{ "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><login>"
		  "<clID>reg-pw</clID><pw/><newPW>Top<x>Secret</x>H</newPW><bad>"
		  "</login></command></epp>",
		  "Secret", "<pw/><newPW>*****************</newPW><bad>" },
		{ "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><login>"
		  "<clID>reg-pw</clID><pw>TopSecretF",
		  "TopSecretF", "<pw>**********" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fa_epp_reader *r = NULL;
		struct fa_txn txn;
		struct fa_reject rej;

		read_one_reject(cases[i].frame, &rej, &r, &txn);
		if (excerpt_has(&rej, cases[i].secret) ||
		    !excerpt_has(&rej, cases[i].masked) ||
		    !excerpt_has(&rej, "clID>reg-pw</")) {
			fail_msg("case %zu: excerpt \"%.*s\"", i,
				 (int)rej.excerpt_len, rej.excerpt);
		}
		fa_txn_deinit(&txn);
		fa_epp_reader_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_password_masked),
		cmocka_unit_test(test_authinfo_masked),
		cmocka_unit_test(test_odd_markup_masked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
