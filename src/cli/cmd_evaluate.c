/* SPDX-License-Identifier: Apache-2.0 */
/* SCAFFOLD: replaced by the module owner. */
#include <stdio.h>

#include "cli/fa_cli.h"

int fa_cmd_evaluate(const struct fa_cli *cli, int argc, char **argv)
{
	fprintf(stderr, "%s: %s: not built yet\n", cli->prog, argv[0]);
	return FA_EXIT_FAIL;
}
