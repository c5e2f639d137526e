#!/bin/sh
# install.sh - `make install` lays out what a user of the command and of the
# library needs; a program built with pkg-config against the installed copy
# runs; `make uninstall` removes everything it installed.
#   tests/install.sh   (from the top of the tree, after make)
set -eu
dest=$(mktemp -d /tmp/smtpdiag-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
fail() { echo "install: FAIL: $*"; exit 1; }

make -s install DESTDIR="$dest" PREFIX=/usr >/dev/null
for f in usr/bin/smtpdiag usr/include/smtpdiag.h usr/lib/libsmtpdiag.a \
	 usr/lib/libsmtpdiag.so.0.1.0 usr/lib/libsmtpdiag.so.0 usr/lib/libsmtpdiag.so \
	 usr/lib/pkgconfig/smtpdiag.pc usr/share/man/man1/smtpdiag.1 \
	 usr/share/man/man3/libsmtpdiag.3 usr/share/bash-completion/completions/smtpdiag; do
	[ -e "$dest/$f" ] || fail "$f not installed"
done
[ "$(readlink "$dest/usr/lib/libsmtpdiag.so.0")" = libsmtpdiag.so.0.1.0 ] || fail "soname link"

cat > "$dest/prog.c" <<'PROG'
#include <stdio.h>
#include <string.h>
#include <smtpdiag.h>
int main(void)
{
	const char *in = "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown";
	struct smtpdiag_reply r;
	struct smtpdiag_diagnosis d;
	if (smtpdiag_diagnose(in, strlen(in), &r, &d) != 0)
		return 1;
	printf("%s %s\n", smtpdiag_category_name(d.category), smtpdiag_version());
	return 0;
}
PROG
export PKG_CONFIG_PATH="$dest/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
# shellcheck disable=SC2046
cc -o "$dest/prog" "$dest/prog.c" $(pkg-config --cflags --libs smtpdiag) || fail "build with pkg-config"
out=$(LD_LIBRARY_PATH="$dest/usr/lib" "$dest/prog") || fail "run against the shared library"
[ "$out" = "recipient 0.1.0" ] || fail "program printed '$out'"
"$dest/usr/bin/smtpdiag" --version >/dev/null || fail "installed command"

make -s uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null
rm -f "$dest/prog" "$dest/prog.c"
left=$(find "$dest" -type f -o -type l)
[ -z "$left" ] || fail "left behind: $left"
echo "install: 1 passed, 0 failed"
