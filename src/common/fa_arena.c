/* SPDX-License-Identifier: Apache-2.0 */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/fa_arena.h"

#define BLOCK_MIN 16384

struct block {
	struct block *next;
	size_t size;
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct fa_arena {
	struct block *head;
};

struct fa_arena *fa_arena_new(void)
{
	return calloc(1, sizeof(struct fa_arena));
}

static void free_blocks(struct block *b)
{
	while (b != NULL) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
}

void fa_arena_free(struct fa_arena *arena)
{
	if (arena == NULL) {
		return;
	}
	free_blocks(arena->head);
	free(arena);
}

void fa_arena_reset(struct fa_arena *arena)
{
	if (arena->head == NULL) {
		return;
	}

	/* Keep the most recent block only: it is the largest one in use when
	 * documents keep growing, so a steady workload stops allocating. */
	free_blocks(arena->head->next);
	arena->head->next = NULL;
	arena->head->used = 0;
}

void *fa_arena_alloc(struct fa_arena *arena, size_t size)
{
	const size_t align = alignof(max_align_t);
	size_t need = (size + align - 1) & ~(align - 1);
	if (need < size) {
		return NULL;
	}

	struct block *b = arena->head;
	if (b == NULL || b->size - b->used < need) {
		size_t bsize = need > BLOCK_MIN ? need : BLOCK_MIN;
		if (b != NULL && b->size * 2 > bsize && b->size < (SIZE_MAX / 4)) {
			bsize = b->size * 2;
		}
		struct block *nb = malloc(sizeof(*nb) + bsize);
		if (nb == NULL) {
			return NULL;
		}
		nb->size = bsize;
		nb->used = 0;
		nb->next = b;
		arena->head = nb;
		b = nb;
	}

	void *p = b->data + b->used;
	b->used += need;
	return p;
}

char *fa_arena_strndup(struct fa_arena *arena, const char *s, size_t len)
{
	char *p = fa_arena_alloc(arena, len + 1);
	if (p == NULL) {
		return NULL;
	}
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
