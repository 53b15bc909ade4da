/* SPDX-License-Identifier: Apache-2.0 */
#include "common/fa_err.h"

const char *fa_strerror(int err)
{
	switch (err) {
	case FA_OK:
		return "success";
	case FA_EOF:
		return "end of input";
	case FA_ENOMEM:
		return "out of memory";
	case FA_EINVAL:
		return "invalid value";
	case FA_EIO:
		return "input/output error";
	case FA_EPARSE:
		return "parse error";
	case FA_ELIMIT:
		return "size limit exceeded";
	case FA_EDB:
		return "database error";
	case FA_ENOTFOUND:
		return "not found";
	case FA_EUNSUPPORTED:
		return "not supported";
	case FA_EREFUSED:
		return "refused";
	}
	return "unrecognized error code";
}
