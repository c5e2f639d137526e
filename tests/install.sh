#!/bin/sh
# install.sh - `make install` lays out what a user of the command and of the
# library needs; a program built with pkg-config against the installed copy
# runs (the README's C program); `make uninstall` removes everything it
# installed.
#   tests/install.sh   (from the top of the tree, after make)
set -eu
dest=$(mktemp -d /tmp/smtpdiag-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
fail() { echo "install: FAIL: $*"; exit 1; }

MAKEFLAGS= make -s install DESTDIR="$dest" PREFIX=/usr >/dev/null
for f in usr/bin/smtpdiag usr/include/smtpdiag.h usr/lib/libsmtpdiag.a \
	 usr/lib/libsmtpdiag.so.0.1.0 usr/lib/libsmtpdiag.so.0 usr/lib/libsmtpdiag.so \
	 usr/lib/pkgconfig/smtpdiag.pc usr/share/man/man1/smtpdiag.1 \
	 usr/share/man/man3/libsmtpdiag.3 usr/share/bash-completion/completions/smtpdiag; do
	[ -e "$dest/$f" ] || fail "$f not installed"
done
[ "$(readlink "$dest/usr/lib/libsmtpdiag.so.0")" = libsmtpdiag.so.0.1.0 ] || fail "soname link"

# the README's C program
sed -n '/^```c$/,/^```$/p' README.md | sed '1d;$d' > "$dest/prog.c"
export PKG_CONFIG_PATH="$dest/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
# shellcheck disable=SC2046
cc -o "$dest/prog" "$dest/prog.c" $(pkg-config --cflags --libs smtpdiag) || fail "build with pkg-config"
out=$(LD_LIBRARY_PATH="$dest/usr/lib" "$dest/prog" \
	'550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown') ||
	fail "run against the shared library"
case $out in
recipient:\ ?*) ;;
*) fail "program printed '$out'" ;;
esac
# the shared library it ran against is the installed one
LD_LIBRARY_PATH="$dest/usr/lib" ldd "$dest/prog" | grep -q "$dest/usr/lib/libsmtpdiag.so.0" ||
	fail "not linked against the installed shared library"
"$dest/usr/bin/smtpdiag" --version >/dev/null || fail "installed command"

MAKEFLAGS= make -s uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null
rm -f "$dest/prog" "$dest/prog.c"
left=$(find "$dest" -type f -o -type l)
[ -z "$left" ] || fail "left behind: $left"
echo "install: 1 passed, 0 failed"
