/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/fa_out.h"
#include "common/fa_arena.h"
#include "common/fa_json.h"
#include "common/fa_time.h"

/* Rows a table holds back to size its columns. */
#define SIZING_ROWS 1000
/* Widest a table cell may be, in characters. */
#define MAX_CELL 40
#define MAX_COLS 32

struct fa_out {
	FILE *f;
	enum fa_out_format fmt;
	const struct fa_store_col *cols;
	size_t ncols;
	size_t nrows;
	bool header_done;
	int rc;

	/* table: rendered cells held back, and the column widths */
	struct fa_arena *arena;
	char **held;		/* SIZING_ROWS * ncols cells */
	size_t nheld;
	size_t width[MAX_COLS];
};

int fa_out_format_parse(const char *name, enum fa_out_format *out)
{
	static const char *const names[] = { "table", "csv", "json" };
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum fa_out_format)i;
			return FA_OK;
		}
	}
	return FA_EINVAL;
}

struct fa_out *fa_out_new(FILE *f, enum fa_out_format fmt,
			  const struct fa_store_col *cols, size_t ncols)
{
	struct fa_out *o = calloc(1, sizeof(*o));
	if (o == NULL || ncols > MAX_COLS) {
		free(o);
		return NULL;
	}
	o->f = f;
	o->fmt = fmt;
	o->cols = cols;
	o->ncols = ncols;
	if (fmt == FA_OUT_TABLE) {
		o->arena = fa_arena_new();
		o->held = calloc(SIZING_ROWS * ncols, sizeof(*o->held));
		if (o->arena == NULL || o->held == NULL) {
			fa_out_free(o);
			return NULL;
		}
		for (size_t i = 0; i < ncols; i++) {
			o->width[i] = strlen(cols[i].name);
		}
	}
	return o;
}

void fa_out_free(struct fa_out *o)
{
	if (o == NULL) {
		return;
	}
	fa_arena_free(o->arena);
	free(o->held);
	free(o);
}

/* Characters (code points) in UTF-8 text. */
static size_t text_width(const char *s)
{
	size_t n = 0;
	for (; *s != '\0'; s++) {
		n += ((unsigned char)*s & 0xc0) != 0x80;
	}
	return n;
}

/* The text a cell shows in csv and table output (json renders itself). */
static char *render(struct fa_out *o, struct fa_arena *arena, size_t col,
		    const char *v)
{
	if (v == NULL) {
		return fa_arena_strndup(arena, "", 0);
	}
	if (o->cols[col].type == FA_STORE_COL_TIME) {
		char tb[FA_TIME_BUFSZ];
		fa_time_format(strtoll(v, NULL, 10), tb, sizeof(tb));
		return fa_arena_strndup(arena, tb, strlen(tb));
	}
	if (o->cols[col].type == FA_STORE_COL_LIST) {
		const char **items;
		size_t n;
		if (fa_store_array_parse(arena, v, &items, &n) != FA_OK) {
			return fa_arena_strndup(arena, v, strlen(v));
		}
		size_t len = 1;
		for (size_t i = 0; i < n; i++) {
			len += strlen(items[i]) + 1;
		}
		char *s = fa_arena_alloc(arena, len);
		if (s == NULL) {
			return NULL;
		}
		s[0] = '\0';
		for (size_t i = 0; i < n; i++) {
			if (i > 0) {
				strcat(s, ",");
			}
			strcat(s, items[i]);
		}
		return s;
	}
	return fa_arena_strndup(arena, v, strlen(v));
}

/* Cut a cell to the table width, keeping the terminal layout intact:
 * control characters become '?', and a cut is marked with "...". */
/* Print one cell cut to width; return how many columns it took. */
static size_t table_cell(FILE *f, const char *s, size_t width)
{
	size_t w = text_width(s);
	size_t shown = 0;
	size_t keep = w > width ? (width > 3 ? width - 3 : width) : w;
	for (const char *p = s; *p != '\0'; p++) {
		bool lead = ((unsigned char)*p & 0xc0) != 0x80;
		if (lead && shown == keep) {
			break;
		}
		shown += lead;
		fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, f);
	}
	if (w > width) {
		fputs(width > 3 ? "..." : "", f);
		shown += width > 3 ? 3 : 0;
	}
	return shown;
}

static bool shown_col(const struct fa_out *o, size_t i)
{
	return o->fmt != FA_OUT_TABLE || o->cols[i].show != FA_STORE_SHOW_WIDE;
}

static size_t last_shown(const struct fa_out *o)
{
	size_t last = 0;
	for (size_t i = 0; i < o->ncols; i++) {
		if (shown_col(o, i)) {
			last = i;
		}
	}
	return last;
}

static void table_row(struct fa_out *o, char *const *cells)
{
	/* Padding is owed, not printed, until a non-empty cell follows, so
	 * that no line ends in blanks. */
	size_t owed = 0;
	bool first = true;
	for (size_t i = 0; i < o->ncols; i++) {
		if (!shown_col(o, i)) {
			continue;
		}
		owed += first ? 0 : 2;
		first = false;
		if (cells[i][0] != '\0') {
			fprintf(o->f, "%*s", (int)owed, "");
			owed = 0;
		}
		/* A full column is never cut: a row after the sizing rows
		 * that is longer pushes the columns to its right. */
		size_t width = o->cols[i].show == FA_STORE_SHOW_FULL ? SIZE_MAX : o->width[i];
		size_t shown = table_cell(o->f, cells[i], width);
		owed += o->width[i] > shown ? o->width[i] - shown : 0;
	}
	fputc('\n', o->f);
}

static void table_header(struct fa_out *o)
{
	char *names[MAX_COLS];
	size_t last_col = last_shown(o);
	for (size_t i = 0; i < o->ncols; i++) {
		names[i] = (char *)o->cols[i].name;
		/* The last column runs to the end of the line: nothing to its
		 * right needs it cut. */
		if (i != last_col && o->cols[i].show != FA_STORE_SHOW_FULL &&
		    o->width[i] > MAX_CELL) {
			o->width[i] = MAX_CELL;
		}
	}
	table_row(o, names);
	size_t last = last_shown(o);
	for (size_t i = 0; i < o->ncols; i++) {
		if (!shown_col(o, i)) {
			continue;
		}
		for (size_t k = 0; k < o->width[i]; k++) {
			fputc('-', o->f);
		}
		if (i != last) {
			fputs("  ", o->f);
		}
	}
	fputc('\n', o->f);
	o->header_done = true;
}

static void csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"') {
			fputc('"', f);
		}
		fputc(*s, f);
	}
	fputc('"', f);
}

static int csv_row(struct fa_out *o, const char *const *vals, bool header)
{
	struct fa_arena *a = fa_arena_new();
	if (a == NULL) {
		return FA_ENOMEM;
	}
	for (size_t i = 0; i < o->ncols; i++) {
		const char *s = header ? o->cols[i].name : render(o, a, i, vals[i]);
		if (s == NULL) {
			fa_arena_free(a);
			return FA_ENOMEM;
		}
		if (i > 0) {
			fputc(',', o->f);
		}
		csv_field(o->f, s);
	}
	fputs("\r\n", o->f);
	fa_arena_free(a);
	return FA_OK;
}

static int json_row(struct fa_out *o, const char *const *vals)
{
	fputc('{', o->f);
	for (size_t i = 0; i < o->ncols; i++) {
		const char *v = vals[i];
		if (i > 0) {
			fputc(',', o->f);
		}
		fa_json_write_str(o->f, o->cols[i].name);
		fputc(':', o->f);
		if (v == NULL) {
			fputs("null", o->f);
			continue;
		}
		switch (o->cols[i].type) {
		case FA_STORE_COL_INT:
		case FA_STORE_COL_JSON:
			fputs(v, o->f);	/* the database produced valid text */
			break;
		case FA_STORE_COL_TIME: {
			char tb[FA_TIME_BUFSZ];
			fa_json_write_str(o->f, fa_time_format(strtoll(v, NULL, 10), tb,
								 sizeof(tb)));
			break;
		}
		case FA_STORE_COL_LIST: {
			struct fa_arena *a = fa_arena_new();
			const char **items;
			size_t n;
			if (a == NULL || fa_store_array_parse(a, v, &items, &n) != FA_OK) {
				fa_arena_free(a);
				fa_json_write_str(o->f, v);
				break;
			}
			fputc('[', o->f);
			for (size_t k = 0; k < n; k++) {
				if (k > 0) {
					fputc(',', o->f);
				}
				fa_json_write_str(o->f, items[k]);
			}
			fputc(']', o->f);
			fa_arena_free(a);
			break;
		}
		default:
			fa_json_write_str(o->f, v);
		}
	}
	fputs("}\n", o->f);
	return FA_OK;
}

static int flush_held(struct fa_out *o)
{
	table_header(o);
	for (size_t r = 0; r < o->nheld; r++) {
		table_row(o, &o->held[r * o->ncols]);
	}
	o->nheld = 0;
	fa_arena_reset(o->arena);
	return FA_OK;
}

int fa_out_row(void *arg, const char *const *vals)
{
	struct fa_out *o = arg;
	int rc = FA_OK;
	o->nrows++;

	switch (o->fmt) {
	case FA_OUT_CSV:
		if (!o->header_done) {
			rc = csv_row(o, NULL, true);
			o->header_done = true;
		}
		rc = rc ? rc : csv_row(o, vals, false);
		break;
	case FA_OUT_JSON:
		rc = json_row(o, vals);
		break;
	case FA_OUT_TABLE: {
		char **cells = &o->held[o->nheld * o->ncols];
		for (size_t i = 0; i < o->ncols; i++) {
			cells[i] = render(o, o->arena, i, vals[i]);
			if (cells[i] == NULL) {
				return FA_ENOMEM;
			}
			size_t w = text_width(cells[i]);
			if (!o->header_done && w > o->width[i]) {
				o->width[i] = w;
			}
		}
		if (o->header_done) {
			table_row(o, cells);
			fa_arena_reset(o->arena);
		} else if (++o->nheld == SIZING_ROWS) {
			rc = flush_held(o);
		}
		break;
	}
	}
	if (rc == FA_OK && ferror(o->f)) {
		rc = FA_EIO;
	}
	return rc;
}

int fa_out_finish(struct fa_out *o, size_t *nrows)
{
	int rc = FA_OK;
	if (o->fmt == FA_OUT_TABLE && !o->header_done) {
		rc = flush_held(o);
	} else if (o->fmt == FA_OUT_CSV && !o->header_done) {
		rc = csv_row(o, NULL, true);
	}
	if (nrows != NULL) {
		*nrows = o->nrows;
	}
	if (rc == FA_OK && (fflush(o->f) != 0 || ferror(o->f))) {
		rc = FA_EIO;
	}
	return rc;
}
