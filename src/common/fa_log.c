/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/fa_log.h"

static enum fa_log_level current = FA_LOG_INFO;

static const struct {
	const char *name;
	enum fa_log_level level;
} level_names[] = {
	{ "err", FA_LOG_ERR },	       { "error", FA_LOG_ERR },
	{ "warning", FA_LOG_WARNING }, { "notice", FA_LOG_NOTICE },
	{ "info", FA_LOG_INFO },       { "debug", FA_LOG_DEBUG },
};

void fa_log_set_level(enum fa_log_level level)
{
	current = level;
}

int fa_log_level_parse(const char *name, enum fa_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i].name) == 0) {
			*out = level_names[i].level;
			return FA_OK;
		}
	}
	return FA_EINVAL;
}

bool fa_log_enabled(enum fa_log_level level)
{
	return level <= current;
}

static const char *level_word(enum fa_log_level level)
{
	switch (level) {
	case FA_LOG_ERR:
		return "error";
	case FA_LOG_WARNING:
		return "warning";
	case FA_LOG_NOTICE:
		return "notice";
	case FA_LOG_INFO:
		return "info";
	case FA_LOG_DEBUG:
		return "debug";
	}
	return "log";
}

void fa_log(enum fa_log_level level, const char *source, const char *fmt, ...)
{
	if (!fa_log_enabled(level)) {
		return;
	}

	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);

	fprintf(stderr, "fluxaudit[%s] %s: %s\n", source, level_word(level), line);
}
