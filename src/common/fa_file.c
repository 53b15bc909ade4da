/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opening a file that must be regular. The check is made on the opened
 * descriptor, which the caller then reads: no other file can take its
 * place between the check and the reads. fa_file_check_regular is the
 * weaker form for libraries that open the file by name themselves.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/fa_file.h"

int fa_file_open_regular(const char *path, int *fd, struct stat *st, char *err,
			 size_t errlen)
{
	struct stat own;
	struct stat *s = st != NULL ? st : &own;

	*fd = -1;
	/* O_NONBLOCK: opening a FIFO with no writer returns at once. */
	int f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (f < 0) {
		snprintf(err, errlen, "could not open \"%s\": %s", path, strerror(errno));
		return FA_EIO;
	}

	if (fstat(f, s) != 0) {
		snprintf(err, errlen, "could not stat \"%s\": %s", path, strerror(errno));
		close(f);
		return FA_EIO;
	}
	if (!S_ISREG(s->st_mode)) {
		snprintf(err, errlen, "could not read \"%s\": not a regular file", path);
		close(f);
		return FA_EIO;
	}

	/* Reads of a regular file never wait, but a caller may rely on
	 * ordinary blocking semantics; restore them. */
	int flags = fcntl(f, F_GETFL);
	if (flags < 0 || fcntl(f, F_SETFL, flags & ~O_NONBLOCK) != 0) {
		snprintf(err, errlen, "could not open \"%s\": %s", path, strerror(errno));
		close(f);
		return FA_EIO;
	}
	*fd = f;
	return FA_OK;
}

int fa_file_check_regular(const char *path, char *err, size_t errlen)
{
	int fd;
	int rc = fa_file_open_regular(path, &fd, NULL, err, errlen);
	if (rc == FA_OK) {
		close(fd);
	}
	return rc;
}
