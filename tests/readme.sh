#!/bin/sh
# readme.sh - the README's examples, run, so that they never rot: each
# "$ command" in a fenced block runs (with build/ first on PATH, in a
# directory holding tests/fixture/mail.log as mail.log, a bounce as
# bounce.eml, and the README's
# rules block as acme.rules), and must print the
# line shown under it (up to a "(...)" or "..." where the README shortens
# it); a "$ echo $?" must print the exit status shown.
#   tests/readme.sh   (from the top of the tree, after make)
set -u
top=$(pwd)
work=$(mktemp -d /tmp/smtpdiag-readme-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp tests/fixture/mail.log "$work/mail.log"
cp tests/fixture/bounce-postfix.eml "$work/bounce.eml"
# the README's rules file, as the examples name it
sed -n '/^```rules$/,/^```$/p' README.md | sed '1d;$d' > "$work/acme.rules"
PATH="$top/build:$PATH"
export PATH
pass=0 fail=0

check() { # command, first line expected, status expected (or "")
	out=$(cd "$work" && sh -c "$1" 2>&1 | head -n 1; exit "$(cd "$work" && sh -c "$1" >/dev/null 2>&1; echo $?)")
	status=$?
	want=$(printf '%s' "$2" | sed -e 's/ (\.\.\.).*//' -e 's/\.\.\.$//')
	case $out in
	"$want"*) ;;
	*) echo "readme: '$1' printed '$out', README shows '$2'"; fail=$((fail + 1)); return ;;
	esac
	if [ -n "$3" ] && [ "$status" != "$3" ]; then
		echo "readme: '$1' exited $status, README shows $3"
		fail=$((fail + 1))
		return
	fi
	pass=$((pass + 1))
}

# The fenced examples: a "$ " line, the line under it, and a following
# "$ echo $?" with its answer when there is one.
awk '
	/^```/ { fence = !fence; next }
	fence && /^\$ / && !/^\$ echo \$\?/ { if (cmd != "") print cmd "\t" first "\t" st; cmd = substr($0, 3); first = ""; st = ""; want = 1; next }
	fence && /^\$ echo \$\?/ { getline st; next }
	fence && want { first = $0; want = 0; next }
	END { if (cmd != "") print cmd "\t" first "\t" st }
' README.md > "$work/examples"

while IFS="$(printf '\t')" read -r cmd first st; do
	check "$cmd" "$first" "$st"
done < "$work/examples"

# The shell script of the README, on a permanent failure.
sed -n '/^```sh$/,/^```$/p' README.md | sed '1d;$d' | head -n 7 > "$work/script.sh"
if grep -q 'case \$?' "$work/script.sh" && command -v jq >/dev/null; then
	(cd "$work" && reply='550 5.1.1 <bob@example.org>: Recipient address rejected' sh script.sh) |
		grep -q '^fix needed: ' && pass=$((pass + 1)) ||
		{ echo "readme: the shell script did not say 'fix needed'"; fail=$((fail + 1)); }
fi
# The GNU parallel run sums to the one-pass summary.
line=$(grep '^parallel ' README.md)
if ! command -v parallel >/dev/null || ! parallel --version 2>/dev/null | grep -q GNU; then
	echo "readme: GNU parallel is missing (make deps installs it)"
	fail=$((fail + 1))
elif [ "$(cd "$work" && sh -c "$line")" != "$(cd "$work" && smtpdiag scan --summary --json mail.log | smtpdiag merge)" ]; then
	echo "readme: '$line' differs from one scan"
	fail=$((fail + 1))
else
	pass=$((pass + 1))
fi
echo "readme: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
