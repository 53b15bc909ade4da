/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the policy loader: YAML parsing with libyaml, rule
 * validation and the condition compiler. Every input must either load or
 * be refused with at least one "FILE:LINE:COLUMN: reason" message; a
 * document is all or nothing, so a refused one adds no rule.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rule/fa_rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fa_rule_set *set = fa_rule_set_new(NULL);
	if (set == NULL) {
		return 0;
	}

	struct fa_rule_diag diag;
	memset(&diag, 0, sizeof(diag));
	size_t nrules = 0;
	int rc = fa_rule_set_add_buffer(set, "fuzz.yaml", (const char *)data,
					size, &diag, &nrules);

	if (rc == FA_EPARSE) {
		/* A refusal always says why, and a refused document adds
		 * nothing. */
		if (diag.count == 0 || nrules != 0) {
			abort();
		}
		if (strncmp(diag.msgs[0], "fuzz.yaml:", 10) != 0) {
			abort();
		}
	}

	fa_rule_diag_clear(&diag);
	fa_rule_set_free(set);
	return 0;
}
