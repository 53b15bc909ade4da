/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_glue.h
 * @brief The rule every name-server address (glue) must pass, shared by
 *        the EPP reader and the bootstrap import.
 */
#pragma once

#include "common/fa_addr.h"

/**
 * @brief Check that a normalized address looks like a routable unicast
 *        address of a name server.
 *
 * Refused: IPv4 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 224.0.0.0/4 and
 * 255.255.255.255; IPv6 ::, ::1, fe80::/10, ff00::/8 and IPv4-mapped
 * addresses (an IPv4 address in disguise). The documentation ranges are
 * accepted, and so are the private ranges (RFC 1918, ULA), which some
 * registries delegate to on purpose.
 * @param[in] addr an address as fa_addr_normalize wrote it
 * @param[in] family its family, FA_ADDR_V4 or FA_ADDR_V6
 * @return NULL when the address is fine, else a static string saying why
 *         not (e.g. "loopback address (127.0.0.0/8)")
 */
const char *fa_glue_check(const char *addr, enum fa_addr_family family);
