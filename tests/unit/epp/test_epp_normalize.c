/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Name and address normalization, one frame per spelling (built here):
 * IPv6 in its one RFC 5952 spelling, IPv4 as is, names lower-cased without
 * the trailing dot, A-labels kept as A-labels; and the long-key form.
 */
#include <arpa/inet.h>

#include "epp_test_util.h"

static void host_frame(struct tu_buf *b, const char *name, const char *ip,
		       const char *addr)
{
	char x[2048];

	snprintf(x, sizeof(x),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><create>"
		 "<host:create xmlns:host=\"urn:ietf:params:xml:ns:host-1.0\">"
		 "<host:name>%s</host:name>"
		 "<host:addr ip=\"%s\">%s</host:addr>"
		 "</host:create></create><clTRID>ft-norm</clTRID></command></epp>\n",
		 name, ip, addr);
	memset(b, 0, sizeof(*b));
	tu_buf_str(b, x);
}

static void read_host(const char *name, const char *ip, const char *addr,
		      struct fa_txn *t, struct tu_one *o)
{
	struct tu_buf b;

	host_frame(&b, name, ip, addr);
	tu_read_one("norm.xml", b.p, b.len, FA_EPP_FRAME, 0, t, o);
	tu_buf_free(&b);
}

static void check_addr(const char *ip, const char *in, const char *want)
{
	struct fa_txn t;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&t), FA_OK);
	read_host("ns1.norm.example", ip, in, &t, &o);
	if (o.rc != FA_OK) {
		fail_msg("address \"%s\": rc %d (%s)", in, o.rc, o.reason);
	}
	fprintf(stderr, "[ addr ] %s -> %s\n", in, want);
	TU_EVENTS(&t, { "host.create", NULL, "ns1.norm.example", NULL, NULL },
		  { "host.addr_add", NULL, "ns1.norm.example", NULL, want });
	fa_txn_deinit(&t);
}

static void test_ipv6_spellings(void **state)
{
	check_addr("v6", "2001:DB8:0:0:0:0:0:1", "2001:db8::1");
	check_addr("v6", "2001:db8::1", "2001:db8::1");
	check_addr("v6", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
	check_addr("v6", "2001:db8::0:1", "2001:db8::1");
	check_addr("v6", "1080:0:0:0:8:800:200C:417A", "1080::8:800:200c:417a");
	check_addr("v6", "0:0:0:0:0:0:0:2", "::2");
	check_addr("v6", "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
	check_addr("v6", "2001:0:0:1:0:0:0:1", "2001:0:0:1::1");
	check_addr("v6", "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
	check_addr("v6", "FEC0::A:B", "fec0::a:b");
	check_addr("v6", " 2001:db8::5 ", "2001:db8::5");
}

/*
 * Differential: thousands of IPv6 addresses, written in assorted
 * spellings (upper case, leading zeros, with and without "::"), against
 * the C library's inet_pton/inet_ntop, which print RFC 5952 form.
 */
static unsigned long long rng_state = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static void spell(const unsigned short w[8], char *out, size_t cap)
{
	size_t n = 0;
	int upper = rnd(2), pad = rnd(3);

	int width = pad == 0 ? 0 : pad == 1 ? 4 : 2;

	for (int i = 0; i < 8; i++) {
		n += (size_t)snprintf(out + n, cap - n,
				      upper ? "%0*X" : "%0*x", width,
				      (unsigned)w[i]);
		if (i < 7) {
			out[n++] = ':';
		}
	}
	out[n] = '\0';
}

static void test_ipv6_differential(void **state)
{
	struct fa_txn t;
	struct tu_one o;
	size_t checked = 0;

	assert_int_equal(fa_txn_init(&t), FA_OK);
	for (int k = 0; k < 3000; k++) {
		unsigned short w[8];
		unsigned char bin[16];
		char in[64], want[64];

		for (int i = 0; i < 8; i++) {
			/* plenty of zero words, so that runs of every length
			 * and position occur */
			w[i] = rnd(3) == 0 ? (unsigned short)rnd(65536) :
			       rnd(4) == 0 ? (unsigned short)rnd(16) : 0;
		}
		if (k % 10 == 0) {
			w[0] = 0x2001;
			w[1] = 0x0db8;
		}
		spell(w, in, sizeof(in));
		assert_int_equal(inet_pton(AF_INET6, in, bin), 1);
		assert_non_null(inet_ntop(AF_INET6, bin, want, sizeof(want)));
		if (strchr(want, '.') != NULL) {
			continue;	/* IPv4-embedded forms: see below */
		}
		/* Never glue (test_epp_hardening): unspecified, loopback,
		 * link-local, multicast. */
		static const unsigned char zero[15] = { 0 };
		if ((memcmp(bin, zero, 15) == 0 && bin[15] <= 1) ||
		    (bin[0] == 0xfe && (bin[1] & 0xc0) == 0x80) || bin[0] == 0xff) {
			continue;
		}
		read_host("ns1.norm.example", "v6", in, &t, &o);
		if (o.rc != FA_OK) {
			fail_msg("\"%s\": rc %d (%s)", in, o.rc, o.reason);
		}
		const char *got = NULL;
		for (size_t i = 0; i < t.nevents; i++) {
			if (t.events[i].kind == FA_EV_HOST_ADDR_ADD) {
				got = t.events[i].value;
			}
		}
		if (got == NULL || strcmp(got, want) != 0) {
			fail_msg("\"%s\" normalized to \"%s\", expected \"%s\"", in,
				 got ? got : "(none)", want);
		}
		checked++;
	}
	fprintf(stderr, "%zu IPv6 spellings checked against inet_ntop\n",
		checked);
	assert_true(checked > 2500);
	fa_txn_deinit(&t);
}

/* Special addresses, spelled as RFC 5952 section 4 and 5 say. */
static void test_ipv6_special(void **state)
{
	check_addr("v6", "1::", "1::");
	check_addr("v6", "2001:DB8::", "2001:db8::");
	check_addr("v6", "2001:db8:0:0:0:0:0:0", "2001:db8::");
	check_addr("v6", "0:0:1::", "0:0:1::");
	check_addr("v6", "1:0:0:2:0:0:0:3", "1:0:0:2::3");
	check_addr("v6", "1:0:0:0:2:0:0:3", "1::2:0:0:3");
	check_addr("v6", "2001:db8::1:0:0:0", "2001:db8:0:0:1::");
	check_addr("v6", "64:ff9b::192.0.2.33", "64:ff9b::c000:221");
}

static void test_ipv4_spellings(void **state)
{
	check_addr("v4", "192.0.2.1", "192.0.2.1");
	check_addr("v4", "198.51.100.255", "198.51.100.255");
	check_addr("v4", "\n  203.0.113.7\n", "203.0.113.7");
}

static void check_addr_refused(const char *ip, const char *in)
{
	struct fa_txn t;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&t), FA_OK);
	read_host("ns1.norm.example", ip, in, &t, &o);
	fprintf(stderr, "[ bad addr ] %s: %s\n", in, o.reason);
	if (o.rc == FA_OK) {
		tu_print_txn(&t);
		fail_msg("address \"%s\" (%s) accepted", in, ip);
	}
	tu_assert_mentions(o.reason, "address");
	fa_txn_deinit(&t);
}

static void test_addresses_refused(void **state)
{
	check_addr_refused("v4", "192.0.2.256");
	check_addr_refused("v4", "192.0.2");
	check_addr_refused("v4", "1.2.3.4.5");
	check_addr_refused("v4", "");
	check_addr_refused("v6", "2001:db8::1::2");
	check_addr_refused("v6", "2001:db8::g");
	check_addr_refused("v6", "1:2:3:4:5:6:7:8:9");
	check_addr_refused("v6", "");
	/* no glue can have these (test_epp_hardening has the reasons) */
	check_addr_refused("v6", "::");
	check_addr_refused("v6", "0:0:0:0:0:0:0:1");
	check_addr_refused("v6", "::ffff:192.0.2.1");
	check_addr_refused("v6", "::FFFF:C000:0201");
	check_addr_refused("v6", "FE80::A:B");
	check_addr_refused("v4", "127.0.0.1");
	/* the family must match what the ip attribute says */
	check_addr_refused("v4", "2001:db8::1");
	check_addr_refused("v6", "192.0.2.1");
}

static void check_name(const char *in, const char *want)
{
	struct fa_txn t;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&t), FA_OK);
	read_host(in, "v4", "192.0.2.1", &t, &o);
	if (o.rc != FA_OK) {
		fail_msg("name \"%s\": rc %d (%s)", in, o.rc, o.reason);
	}
	TU_OBJECTS(&t, want);
	TU_EVENTS(&t, { "host.create", NULL, want, NULL, NULL },
		  { "host.addr_add", NULL, want, NULL, "192.0.2.1" });
	fa_txn_deinit(&t);
}

static void test_names(void **state)
{
	check_name("NS1.Example.COM", "ns1.example.com");
	check_name("ns1.example.com.", "ns1.example.com");
	check_name("xn--BCHER-KVA.example", "xn--bcher-kva.example");
	check_name("ns1.xn--80akhbyknj4f.xn--p1ai", "ns1.xn--80akhbyknj4f.xn--p1ai");
	check_name("  ns2.example.net  ", "ns2.example.net");
	check_name("a.b", "a.b");
}

static void check_name_refused(const char *in, const char *const *words)
{
	struct fa_txn t;
	struct tu_one o;

	assert_int_equal(fa_txn_init(&t), FA_OK);
	read_host(in, "v4", "192.0.2.1", &t, &o);
	fprintf(stderr, "[ bad name ] %s: %s\n", in, o.reason);
	if (o.rc == FA_OK) {
		tu_print_txn(&t);
		fail_msg("name \"%s\" accepted", in);
	}
	if (!tu_mentions(o.reason, words)) {
		fail_msg("reason \"%s\" does not say why \"%s\" is bad", o.reason,
			 in);
	}
	fa_txn_deinit(&t);
}

static void test_names_refused(void **state)
{
	const char *const label[] = { "label", "63", NULL };
	const char *const ascii[] = { "ascii", "a-label", "character", NULL };
	const char *const empty[] = { "empty", "label", NULL };

	check_name_refused("ns1."
			   "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
			   ".example",
			   label);
	check_name_refused("ns1.b\xc3\xbc" "cher.example", ascii);
	check_name_refused("ns1..example", empty);
	check_name_refused(".example", empty);
	check_name_refused("", empty);
	check_name_refused("ns1.exa mple.com", ascii);
}

/* A clID and svTRID too long for the key field: "svh:" + SHA-256. */
static void test_long_sv_key(void **state)
{
	struct tu_buf b = { 0 };
	size_t cl, rl;
	char *c = tu_data("cmd_domain_delete.xml", &cl);
	char sv[80], hdr[256];
	struct fa_txn t;
	struct tu_one o;

	memset(sv, 'S', 70);
	sv[70] = '\0';
	char *r = tu_rsp("rsp_1000.xml", sv, &rl);
	snprintf(hdr, sizeof(hdr), "time=2026-11-02T09:15:04Z clid=reg-alpha");
	tu_env_record(&b, hdr, c, cl, r, rl);
	assert_int_equal(fa_txn_init(&t), FA_OK);
	tu_read_one("k.log", b.p, b.len, FA_EPP_ENVELOPE, 0, &t, &o);
	assert_int_equal(o.rc, FA_OK);
	assert_string_equal(t.svtrid, sv);
	assert_int_equal(strncmp(t.key, "svh:", 4), 0);
	assert_int_equal(strlen(t.key), 4 + 64);
	assert_int_equal(strspn(t.key + 4, "0123456789abcdef"), 64);

	/* the same clID and svTRID give the same key in another record */
	char first[72];
	snprintf(first, sizeof(first), "%s", t.key);
	tu_buf_free(&b);
	tu_env_record(&b, "time=2026-11-20T00:00:00Z clid=reg-alpha", c, cl, r,
		      rl);
	tu_read_one("k2.log", b.p, b.len, FA_EPP_ENVELOPE, 0, &t, &o);
	assert_int_equal(o.rc, FA_OK);
	assert_string_equal(t.key, first);

	/* found by fuzz_epp: a 100-character clID with a short svTRID; such
	 * a clID is no RFC 5730 clIDType (3 to 16) and is refused now */
	char clid[128];
	memset(clid, 'c', 100);
	clid[100] = '\0';
	free(r);
	r = tu_rsp("rsp_1000.xml", "SV-1", &rl);
	snprintf(hdr, sizeof(hdr), "time=2026-11-02T09:15:04Z clid=%s", clid);
	tu_buf_free(&b);
	tu_env_record(&b, hdr, c, cl, r, rl);
	tu_read_one("k3.log", b.p, b.len, FA_EPP_ENVELOPE, 0, &t, &o);
	assert_int_equal(o.rc, FA_EPARSE);
	assert_string_equal(o.reason,
			    "invalid record header: clid \"ccccccccccccccccccccccc...\": not 3 to 16 characters (RFC 5730 clIDType)");

	/* the longest clID with a 60-character svTRID */
	memset(sv, 'T', 60);
	sv[60] = '\0';
	free(r);
	r = tu_rsp("rsp_1000.xml", sv, &rl);
	snprintf(hdr, sizeof(hdr), "time=2026-11-02T09:15:04Z clid=%s",
		 "c234567890123456");
	tu_buf_free(&b);
	tu_env_record(&b, hdr, c, cl, r, rl);
	tu_read_one("k4.log", b.p, b.len, FA_EPP_ENVELOPE, 0, &t, &o);
	assert_int_equal(o.rc, FA_OK);
	assert_string_equal(t.registrar, "c234567890123456");
	assert_int_equal(strncmp(t.key, "svh:", 4), 0);
	assert_int_equal(strlen(t.key), 4 + 64);

	fa_txn_deinit(&t);
	tu_buf_free(&b);
	free(c);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv6_spellings),
		cmocka_unit_test(test_ipv6_differential),
		cmocka_unit_test(test_ipv6_special),
		cmocka_unit_test(test_ipv4_spellings),
		cmocka_unit_test(test_addresses_refused),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_names_refused),
		cmocka_unit_test(test_long_sv_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
