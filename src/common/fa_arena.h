/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file fa_arena.h
 * @brief Bump allocator for data that lives and dies together (one
 *        transaction, one parsed document). Reset keeps the first block.
 */
#pragma once

#include <stddef.h>

struct fa_arena;

/** @brief Create an arena; NULL when out of memory. Free with fa_arena_free. */
struct fa_arena *fa_arena_new(void);

/** @brief Release the arena and everything allocated from it; NULL is fine. */
void fa_arena_free(struct fa_arena *arena);

/** @brief Forget all allocations, keeping one block for reuse. */
void fa_arena_reset(struct fa_arena *arena);

/** @brief Allocate size bytes aligned for any type; NULL when out of memory. */
void *fa_arena_alloc(struct fa_arena *arena, size_t size);

/** @brief Copy len bytes and add a NUL; NULL when out of memory. */
char *fa_arena_strndup(struct fa_arena *arena, const char *s, size_t len);
