/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_yaml.h
 * @brief Where libyaml stopped, for the error messages of the YAML
 *        loaders (enrichment configuration, policy files).
 */
#pragma once

#include <stddef.h>

#include <yaml.h>

/**
 * @brief The position of a parser error as a mark (0-based line and
 *        column in characters, as libyaml's own marks).
 *
 * libyaml gives a reader error (input that is not valid UTF-8 or UTF-16,
 * a control character) as a byte offset, problem_offset, and leaves
 * problem_mark at the start; this counts that offset's line and column in
 * the input. The column is that of the character in which decoding
 * failed. Other errors return problem_mark unchanged.
 * @param[in] parser a parser whose last call failed
 * @param[in] buf,len the whole input given to the parser
 * @return the mark (index: the byte offset for a reader error)
 */
yaml_mark_t fa_yaml_error_mark(const yaml_parser_t *parser, const char *buf, size_t len);

/**
 * @brief libyaml's reason for a parser error, and for a reader error the
 *        offending byte or character ("invalid leading UTF-8 octet (0xff)").
 * @param[out] out the text, always NUL-terminated
 */
void fa_yaml_error_text(const yaml_parser_t *parser, char *out, size_t outlen);
