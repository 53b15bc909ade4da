/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON lines of `fluxaudit parse epp` (docs/epp-log-format.md). */
#include <inttypes.h>
#include <stdio.h>

#include "common/fa_json.h"
#include "common/fa_time.h"
#include "epp/fa_epp.h"

static void field(FILE *out, const char *key, const char *value)
{
	fputs(",\"", out);
	fputs(key, out);
	fputs("\":", out);
	fa_json_write_str(out, value);
}

static void write_event(FILE *out, const struct fa_event *e)
{
	fputs("{\"kind\":", out);
	fa_json_write_str(out, fa_event_kind_name(e->kind));
	if (e->domain != NULL) {
		field(out, "domain", e->domain);
	}
	if (e->host != NULL) {
		field(out, "host", e->host);
	}
	if (e->contact != NULL) {
		field(out, "contact", e->contact);
	}
	if (e->value != NULL) {
		field(out, "value", e->value);
	}
	if (e->detail != NULL) {
		/* Built by the normalizer as JSON already. */
		fputs(",\"detail\":", out);
		fputs(e->detail, out);
	}
	fputc('}', out);
}

void fa_epp_txn_write_json(FILE *out, const struct fa_txn *txn)
{
	char tbuf[FA_TIME_BUFSZ];
	fputs("{\"source\":", out);
	fa_json_write_str(out, txn->pos.path);
	fprintf(out, ",\"offset\":%" PRIu64, txn->pos.offset);
	field(out, "time", fa_time_format(txn->time_us, tbuf, sizeof(tbuf)));
	field(out, "registrar", txn->registrar);
	field(out, "session", txn->session);
	field(out, "addr", txn->src_addr);
	field(out, "key", txn->key);
	field(out, "command", txn->command);
	fputs(",\"objects\":[", out);
	for (size_t i = 0; i < txn->nobjects; i++) {
		if (i > 0) {
			fputc(',', out);
		}
		fa_json_write_str(out, txn->objects[i]);
	}
	fputc(']', out);
	if (txn->result_code >= 0) {
		fprintf(out, ",\"result\":%d", txn->result_code);
	} else {
		fputs(",\"result\":null", out);
	}
	field(out, "msg", txn->result_msg);
	fputs(",\"events\":[", out);
	for (size_t i = 0; i < txn->nevents; i++) {
		if (i > 0) {
			fputc(',', out);
		}
		write_event(out, &txn->events[i]);
	}
	fputs("]}\n", out);
}

void fa_epp_reject_write_json(FILE *out, const struct fa_reject *rej)
{
	fputs("{\"source\":", out);
	fa_json_write_str(out, rej->pos.path);
	fprintf(out, ",\"offset\":%" PRIu64, rej->pos.offset);
	field(out, "error", rej->reason);
	fputs("}\n", out);
}
