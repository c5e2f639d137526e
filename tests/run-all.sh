#!/bin/sh
# run-all.sh - run the checks side by side, then show what each printed, in
# the order given, and count them. Most of a check's time is spent waiting
# on the processes it starts (test_cli's), so they overlap well even on two
# cores. Exits 1 when any check failed.
#   tests/run-all.sh DIR 'COMMAND [ARG...]'...
# DIR keeps each check's output (DIR/N.out); a check is named by its
# command's first word.
set -u
dir=$1
shift
rm -rf "$dir" && mkdir -p "$dir" || exit 1

n=0
for cmd in "$@"; do
	n=$((n + 1))
	(
		sh -c "$cmd" > "$dir/$n.out" 2>&1
		echo $? > "$dir/$n.status"
	) &
done
wait

pass=0 fail=0 n=0
for cmd in "$@"; do
	n=$((n + 1))
	cat "$dir/$n.out"
	if [ "$(cat "$dir/$n.status")" = 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		name=${cmd%% *}
		echo "FAILED: ${name##*/} (exit $(cat "$dir/$n.status"))"
	fi
done
echo "checks: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
