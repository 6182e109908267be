// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/input.c - where mmbench's input comes from: a file, stdin ("-") or a
 * buffer in memory, read in blocks (never the whole file), decompressed in
 * process when it starts with the magic number of xz, gzip or zstd (liblzma,
 * zlib, libzstd; concatenated streams and members included), and cut into
 * lines for the parsers.
 *
 * Buffers: `zbuf` holds compressed bytes read from the file (BLOCK at a
 * time); `buf` holds text, the unread part at [pos, len).  A line is handed
 * out in place ('\n' replaced by '\0'); when no '\n' is left the unread tail
 * moves to the front and the next block is appended.  So memory is two
 * blocks plus the longest line, which is capped (MMB_LINE_MAX): a longer
 * line, a NUL byte (not a text file), a read error, corrupt or truncated
 * compressed data end the input with "FILE:LINE: message" on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "workload.h"

#define BLOCK (256u << 10)

enum codec { CODEC_RAW, CODEC_XZ, CODEC_GZIP, CODEC_ZSTD };
static const char *const codec_names[] = { "text", "xz", "gzip", "zstd" };

struct mmb_input {
	char *name;                     /* for messages: the path, or "-" (a copy) */
	int fd;                         /* -1: a memory buffer */
	enum codec codec;
	/* compressed bytes read from fd, [zpos, zlen) not yet decoded */
	unsigned char *zbuf;
	size_t zpos, zlen;
	int zeof;                       /* fd is at its end */
	int zdone;                      /* the last stream ended cleanly */
	int zdone_now;                  /* ... in the last decode call */
	lzma_stream xz;
	z_stream gz;
	ZSTD_DStream *zs;
	/* text, [pos, len) not yet handed out */
	char *buf;
	size_t pos, len, cap;
	int eof;                        /* no more text will come */
	int own_buf;                    /* buf is ours to free */
	int failed;                     /* an error was reported */
	uint64_t bytes_in;              /* bytes read from fd (progress) */
	uint64_t size;                  /* the file's size, 0 when unknown */
	unsigned long lineno;           /* lines handed out */
	void (*tick)(void *arg);        /* called every 65536 lines */
	void *tick_arg;
};

static int in_error(struct mmb_input *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int in_error(struct mmb_input *in, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%lu: ", in->name, in->lineno + 1);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	in->failed = 1;
	return -1;
}

/* ---- the compressed side ---------------------------------------------------- */

static int read_block(struct mmb_input *in)
{
	ssize_t r;

	if (in->zpos < in->zlen || in->zeof)
		return 0;
	do
		r = read(in->fd, in->zbuf, BLOCK);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return in_error(in, "read error: %s", strerror(errno));
	in->zpos = 0;
	in->zlen = (size_t)r;
	in->zeof = r == 0;
	in->bytes_in += (uint64_t)r;
	return 0;
}

static int detect_codec(struct mmb_input *in)
{
	static const unsigned char xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	static const unsigned char gz[] = { 0x1f, 0x8b };
	static const unsigned char zst[] = { 0x28, 0xb5, 0x2f, 0xfd };

	/* fill up to the magic's length (a pipe may deliver less) */
	while (!in->zeof && in->zlen < sizeof(xz)) {
		ssize_t r = read(in->fd, in->zbuf + in->zlen, BLOCK - in->zlen);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return in_error(in, "read error: %s", strerror(errno));
		in->zlen += (size_t)r;
		in->zeof = r == 0;
		in->bytes_in += (uint64_t)r;
	}
	in->codec = CODEC_RAW;
	if (in->zlen >= sizeof(xz) && !memcmp(in->zbuf, xz, sizeof(xz)))
		in->codec = CODEC_XZ;
	else if (in->zlen >= sizeof(gz) && !memcmp(in->zbuf, gz, sizeof(gz)))
		in->codec = CODEC_GZIP;
	else if (in->zlen >= sizeof(zst) && !memcmp(in->zbuf, zst, sizeof(zst)))
		in->codec = CODEC_ZSTD;
	switch (in->codec) {
	case CODEC_XZ:
		if (lzma_stream_decoder(&in->xz, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
			return in_error(in, "cannot start the xz decoder");
		break;
	case CODEC_GZIP:
		if (inflateInit2(&in->gz, 15 + 16) != Z_OK)
			return in_error(in, "cannot start the gzip decoder");
		break;
	case CODEC_ZSTD:
		in->zs = ZSTD_createDStream();
		if (!in->zs || ZSTD_isError(ZSTD_initDStream(in->zs)))
			return in_error(in, "cannot start the zstd decoder");
		break;
	case CODEC_RAW:
		break;
	}
	return 0;
}

static int truncated(struct mmb_input *in)
{
	return in_error(in, "truncated %s data: the input ends inside a compressed stream",
			codec_names[in->codec]);
}

/* Decodes into buf[len, cap); sets eof at the clean end of the input. */
static int decode_xz(struct mmb_input *in)
{
	lzma_ret ret;

	in->xz.next_in = in->zbuf + in->zpos;
	in->xz.avail_in = in->zlen - in->zpos;
	in->xz.next_out = (uint8_t *)in->buf + in->len;
	in->xz.avail_out = in->cap - in->len;
	ret = lzma_code(&in->xz, in->zeof ? LZMA_FINISH : LZMA_RUN);
	in->zpos = in->zlen - in->xz.avail_in;
	in->len = in->cap - in->xz.avail_out;
	if (ret == LZMA_STREAM_END) {
		in->eof = 1;
		return 0;
	}
	if (ret == LZMA_OK)
		return 0;
	if (ret == LZMA_BUF_ERROR && in->zeof)
		return truncated(in);
	return in_error(in, "corrupt xz data (liblzma error %d)", (int)ret);
}

static int decode_gzip(struct mmb_input *in)
{
	int ret;

	in->gz.next_in = in->zbuf + in->zpos;
	in->gz.avail_in = (uInt)(in->zlen - in->zpos);
	in->gz.next_out = (Bytef *)in->buf + in->len;
	in->gz.avail_out = (uInt)(in->cap - in->len);
	ret = inflate(&in->gz, Z_NO_FLUSH);
	in->zpos = in->zlen - in->gz.avail_in;
	in->len = in->cap - in->gz.avail_out;
	if (ret == Z_STREAM_END) {
		in->zdone = in->zdone_now = 1; /* another member may follow */
		if (inflateReset(&in->gz) != Z_OK)
			return in_error(in, "cannot restart the gzip decoder");
		return 0;
	}
	if (ret == Z_OK || ret == Z_BUF_ERROR)
		return 0;
	return in_error(in, "corrupt gzip data (%s)", in->gz.msg ? in->gz.msg : "zlib error");
}

static int decode_zstd(struct mmb_input *in)
{
	ZSTD_inBuffer zi = { in->zbuf, in->zlen, in->zpos };
	ZSTD_outBuffer zo = { in->buf, in->cap, in->len };
	size_t ret = ZSTD_decompressStream(in->zs, &zo, &zi);

	if (ZSTD_isError(ret))
		return in_error(in, "corrupt zstd data (%s)", ZSTD_getErrorName(ret));
	in->zpos = zi.pos;
	in->len = zo.pos;
	if (ret == 0)
		in->zdone = in->zdone_now = 1;  /* a frame ended exactly here */
	return 0;
}

/* Appends decoded or read text to buf until something came or the input
 * ended. */
static int fill(struct mmb_input *in)
{
	size_t before = in->len;

	while (in->len == before && !in->eof && !in->failed) {
		if (read_block(in))
			return -1;
		if (in->codec == CODEC_RAW) {
			size_t n = in->zlen - in->zpos;

			if (n > in->cap - in->len)
				n = in->cap - in->len;
			memcpy(in->buf + in->len, in->zbuf + in->zpos, n);
			in->zpos += n;
			in->len += n;
			in->eof = in->zeof && in->zpos == in->zlen;
			continue;
		}
		size_t zpos = in->zpos;

		if (in->codec == CODEC_XZ ? decode_xz(in) : in->codec == CODEC_GZIP ?
		    decode_gzip(in) : decode_zstd(in))
			return -1;
		if (in->zpos != zpos && !in->zdone_now)
			in->zdone = 0;          /* inside a stream (again) */
		in->zdone_now = 0;
		if (in->codec != CODEC_XZ && in->zeof && in->zpos == in->zlen && in->len == before) {
			if (!in->zdone)
				return truncated(in);
			in->eof = 1;
		}
	}
	return in->failed ? -1 : 0;
}

/* ---- lines ------------------------------------------------------------------- */

int mmb_input_line(struct mmb_input *in, char **line, size_t *len)
{
	for (;;) {
		char *s = in->buf + in->pos, *nl;
		size_t n = in->len - in->pos;

		if (in->failed)
			return -1;
		nl = memchr(s, '\n', n);
		if (nl || (in->eof && n)) {
			size_t ln = nl ? (size_t)(nl - s) : n;

			if (ln > MMB_LINE_MAX)
				return in_error(in, "line longer than %u bytes", MMB_LINE_MAX);
			if (memchr(s, '\0', ln))
				return in_error(in, "NUL byte in the input (not a text file?)");
			s[ln] = '\0';           /* a memory input keeps a byte past its end */
			in->pos += ln + (nl != NULL);
			*line = s;
			*len = ln;
			if (!(++in->lineno & 0xffff) && in->tick)
				in->tick(in->tick_arg);
			return 1;
		}
		if (in->eof)
			return 0;
		if (n > MMB_LINE_MAX)
			return in_error(in, "line longer than %u bytes", MMB_LINE_MAX);
		memmove(in->buf, s, n);
		in->pos = 0;
		in->len = n;
		if (fill(in))
			return -1;
	}
}

/* ---- opening ------------------------------------------------------------------ */

static struct mmb_input *input_new(const char *name)
{
	struct mmb_input *in = calloc(1, sizeof(*in));

	if (!in)
		mmb_oom(0);
	in->name = mmb_xstrndup(name, strlen(name));
	in->fd = -1;
	return in;
}

struct mmb_input *mmb_input_open(const char *path)
{
	struct mmb_input *in = input_new(path);
	struct stat st;
	lzma_stream xz = LZMA_STREAM_INIT;

	in->xz = xz;
	in->fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (in->fd >= 0 && fstat(in->fd, &st))
		st.st_mode = 0;
	if (in->fd < 0 || S_ISDIR(st.st_mode)) {
		int e = in->fd < 0 ? errno : EISDIR;

		if (in->fd > 0)
			close(in->fd);
		free(in->name);
		free(in);
		errno = e;
		return NULL;
	}
	if (S_ISREG(st.st_mode))
		in->size = (uint64_t)st.st_size;
	in->zbuf = mmb_xrealloc(NULL, BLOCK);
	in->cap = MMB_LINE_MAX + BLOCK;
	in->buf = mmb_xrealloc(NULL, in->cap + 1);
	in->own_buf = 1;
	detect_codec(in);
	return in;
}

struct mmb_input *mmb_input_mem(const char *name, char *text, size_t len)
{
	struct mmb_input *in = input_new(name);

	in->buf = text;
	in->len = in->cap = len;
	in->eof = 1;
	return in;
}

void mmb_input_close(struct mmb_input *in)
{
	if (!in)
		return;
	if (in->codec == CODEC_XZ)
		lzma_end(&in->xz);
	else if (in->codec == CODEC_GZIP)
		inflateEnd(&in->gz);
	else if (in->codec == CODEC_ZSTD)
		ZSTD_freeDStream(in->zs);
	if (in->fd > 0)
		close(in->fd);
	if (in->own_buf)
		free(in->buf);
	free(in->zbuf);
	free(in->name);
	free(in);
}

int mmb_input_failed(const struct mmb_input *in) { return in->failed; }
unsigned long mmb_input_lineno(const struct mmb_input *in) { return in->lineno; }
const char *mmb_input_name(const struct mmb_input *in) { return in->name; }
const char *mmb_input_codec(const struct mmb_input *in) { return codec_names[in->codec]; }

double mmb_input_fraction(const struct mmb_input *in)
{
	return in->size ? (double)in->bytes_in / (double)in->size : -1;
}

void mmb_input_tick(struct mmb_input *in)
{
	if (in->tick)
		in->tick(in->tick_arg);
}

void mmb_input_set_tick(struct mmb_input *in, void (*tick)(void *), void *arg)
{
	in->tick = tick;
	in->tick_arg = arg;
}
