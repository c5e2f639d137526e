#!/usr/bin/env bash
# completion.sh - the bash completion offers the commands, each command's
# options, the client profiles and file names where they belong.
#   tests/completion.sh   (from the top of the tree, after make)
set -u
top=$(pwd)
PATH="$top/build:$PATH"
# shellcheck source=../src/smtpdiag.bash-completion
. src/smtpdiag.bash-completion
pass=0 fail=0
work=$(mktemp -d /tmp/smtpdiag-completion-XXXXXX)
trap 'rm -rf "$work"' EXIT
touch "$work/site.rules" "$work/mail.log"
cd "$work" || exit 1

expect() { # the words typed (the last one being completed), then the offers
	local line=$1 want=$2 got
	read -r -a COMP_WORDS <<<"$line"
	[[ $line == *' ' ]] && COMP_WORDS+=('')
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_smtpdiag
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
	if [[ $got == "$want " ]]; then
		pass=$((pass + 1))
	else
		echo "completion: '$line' offered '$got', expected '$want'"
		fail=$((fail + 1))
	fi
}

expect 'smtpdiag ex' 'explain'
expect 'smtpdiag c' 'clients codes'
expect 'smtpdiag explain --r' '--redact --rules'
expect 'smtpdiag scan --s' '--summary'
expect 'smtpdiag explain --client th' 'thunderbird'
expect 'smtpdiag scan --color a' 'always auto'
expect 'smtpdiag scan --format o' 'openmetrics'
expect 'smtpdiag explain --rules si' 'site.rules'
expect 'smtpdiag scan --rules si' 'site.rules'
expect 'smtpdiag codes --rules si' 'site.rules'
expect 'smtpdiag scan ma' 'mail.log'
expect 'smtpdiag explain ma' ''
echo "completion: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
