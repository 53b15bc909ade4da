/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Positions of libyaml reader errors. libyaml reports them as a byte
 * offset into the input; the loaders report line and column everywhere
 * else, so the offset is converted here, counting lines and characters
 * the way libyaml's scanner counts them for its marks.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/fa_yaml.h"

/* The character at pos and its width in bytes (at least 1). Decoding is
 * loose: before the offset of a reader error the input decoded, and only
 * the line breaks matter. */
static size_t next_char(const unsigned char *b, size_t len, size_t pos, bool utf16,
			bool big_endian, uint32_t *cp)
{
	if (utf16) {
		if (pos + 1 >= len) {
			*cp = 0;
			return 1;
		}
		*cp = big_endian ? (uint32_t)b[pos] << 8 | b[pos + 1]
				 : (uint32_t)b[pos + 1] << 8 | b[pos];
		/* A surrogate pair is one character. */
		return *cp >= 0xd800 && *cp <= 0xdbff ? 4 : 2;
	}
	uint8_t c = b[pos];
	size_t w = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
		 : (c & 0xf8) == 0xf0 ? 4 : 1;
	uint32_t v = w == 1 ? c : w == 2 ? c & 0x1fu : w == 3 ? c & 0x0fu : c & 0x07u;
	for (size_t i = 1; i < w && pos + i < len; i++) {
		v = v << 6 | (b[pos + i] & 0x3fu);
	}
	*cp = v;
	return w;
}

/* The line breaks of YAML 1.1, which libyaml follows: LF, CR (CR LF is
 * one break), NEL, LS, PS. */
static bool is_break(uint32_t cp)
{
	return cp == '\n' || cp == '\r' || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

yaml_mark_t fa_yaml_error_mark(const yaml_parser_t *parser, const char *buf, size_t len)
{
	const unsigned char *b = (const unsigned char *)buf;
	bool utf16 = parser->encoding == YAML_UTF16LE_ENCODING ||
		     parser->encoding == YAML_UTF16BE_ENCODING;
	bool be = parser->encoding == YAML_UTF16BE_ENCODING;
	yaml_mark_t m = { 0 };
	size_t end = parser->problem_offset < len ? parser->problem_offset : len;
	size_t pos = 0;

	if (parser->error != YAML_READER_ERROR) {
		return parser->problem_mark;
	}
	/* A byte order mark is not a character of the first line. */
	if (utf16 && len >= 2) {
		pos = 2;
	} else if (len >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf) {
		pos = 3;
	}
	while (pos < end) {
		uint32_t cp;
		size_t w = next_char(b, len, pos, utf16, be, &cp);
		if (pos + w > end) {
			break;		/* the character that did not decode */
		}
		pos += w;
		if (cp == '\r' && pos < end) {
			uint32_t next;
			size_t w2 = next_char(b, len, pos, utf16, be, &next);
			if (next == '\n' && pos + w2 <= end) {
				pos += w2;
			}
		}
		if (is_break(cp)) {
			m.line++;
			m.column = 0;
		} else {
			m.column++;
		}
	}
	m.index = parser->problem_offset;
	return m;
}

void fa_yaml_error_text(const yaml_parser_t *parser, char *out, size_t outlen)
{
	const char *problem = parser->problem != NULL ? parser->problem : "unknown error";

	if (parser->error == YAML_READER_ERROR && parser->problem_value != -1) {
		snprintf(out, outlen, "%s (0x%02x)", problem, (unsigned)parser->problem_value);
	} else {
		snprintf(out, outlen, "%s", problem);
	}
}
