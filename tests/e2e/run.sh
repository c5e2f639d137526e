#!/usr/bin/env bash
# run.sh - end-to-end: real SMTP clients against a scripted server.
#
# For each client and each case of tests/e2e/cases.txt, start
# tests/e2e/responder.py with the case's reply, send one message with the
# client, and run `smtpdiag scan --json` on everything the client printed
# (and on msmtp's log file, and on Postfix's log). The case passes when scan
# finds a failure and every finding has the case's category.
#
#   tests/e2e/run.sh [CLIENT...]   (from the top of the tree, after make)
#
# Clients: swaks msmtp curl smtplib smtplib-print postfix (default: all).
# Debian packages: swaks msmtp curl python3 jq, and postfix for the last;
# install that one without a system configuration:
#   echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
#   apt-get install -y postfix
#
#   SMTPDIAG=PATH   the command to test (build/smtpdiag)
#   PYTHON=PATH     the Python for the server and smtplib (python3)
#   E2E_REQUIRE=1   a client that is not installed fails instead of skipping
#   E2E_CASES=RE    run only the cases whose kind matches this regex
#   E2E_JOBS=N      how many sessions run at once (4)
#   E2E_KEEP=1      keep the captured outputs even when everything passes
set -u
cd "$(dirname "$0")/../.." || exit 1
here=tests/e2e
SMTPDIAG=${SMTPDIAG:-build/smtpdiag}
# the interpreter itself: a version manager's python3 shim costs a third of
# a second a start, and a run starts Python some two hundred times
PYTHON=${PYTHON:-$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)}
jobs=${E2E_JOBS:-4}
all_clients="swaks msmtp curl smtplib smtplib-print postfix"
clients=${*:-$all_clients}
smtp_user=alerts@example.net smtp_pass=app-password-1234

# the program a client needs, and the package that brings it
need() {
	case $1 in
	swaks) echo "swaks swaks" ;;
	msmtp) echo "msmtp msmtp" ;;
	curl) echo "curl curl" ;;
	smtplib | smtplib-print) echo "$PYTHON python3" ;;
	postfix) echo "postfix postfix" ;;
	esac
}

for client in $clients; do
	[ -n "$(need "$client")" ] && continue
	echo "e2e: unknown client '$client' (clients: $all_clients)"
	exit 64
done
[ -x "$SMTPDIAG" ] || { echo "e2e: $SMTPDIAG not built (run make)"; exit 1; }
[ -n "$PYTHON" ] || { echo "e2e: python3 is needed (apt-get install python3)"; exit 1; }
command -v jq >/dev/null || { echo "e2e: jq is needed (apt-get install jq)"; exit 1; }

tmp=$(mktemp -d /tmp/smtpdiag-e2e-XXXXXX)
chmod 755 "$tmp" # Postfix's daemons, running as postfix, work below it
printf 'From: alerts@example.net\r\nTo: bob@example.org\r\nSubject: Nightly report\r\n\r\nThe nightly job finished.\r\n' >"$tmp/message.eml"

# launch_server DIR STAGE REPLY TIME: a responder for one case, its port to
# be in DIR/port; sets $server to its pid. TIME bounds its life in seconds.
launch_server() {
	mkdir -p "$1"
	"$PYTHON" "$here/responder.py" --stage "$2" --reply "$3" \
		--port-file "$1/port" --log "$1/server.log" --idle "$4" --total "$4" \
		>/dev/null 2>"$1/server.err" &
	server=$!
}

# wait_port DIR: wait up to 5 seconds for the server to listen
wait_port() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$1/port" ] && return 0
		sleep 0.05
	done
	return 1
}

# stop_server PID: the server ends with its session; give it a moment
stop_server() {
	local i
	for ((i = 0; i < 20; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# check CLIENT KIND WANT DIR: scan what the client printed; DIR/result says
# how it went
check() {
	local client=$1 kind=$2 want=$3 d=$4 rc found
	set -- "$d/output"
	[ -f "$d/msmtp.log" ] && set -- "$@" "$d/msmtp.log"
	"$SMTPDIAG" scan --json "$@" >"$d/scan.json" 2>"$d/scan.err"
	rc=$?
	found=$(jq -rs 'map(.category) | unique | join(" ")' "$d/scan.json" 2>/dev/null)
	if [ "$rc" != 2 ] && [ "$rc" != 3 ]; then
		echo "FAIL $client $kind: scan exit $rc, wanted $want (found: ${found:-nothing})"
	elif [ "$found" != "$want" ]; then
		echo "FAIL $client $kind: wanted $want, found: $found"
	else
		echo "PASS $client $kind ($want)"
	fi >"$d/result"
}

# run_client CLIENT DIR PORT AUTH: one message to the server on PORT, the
# client's stdout and stderr in DIR/output; AUTH=1 logs in first.
run_client() {
	local client=$1 d=$2 port=$3 auth=$4
	case $client in
	swaks)
		set -- --server 127.0.0.1 --port "$port" --timeout 15 \
			--from alerts@example.net --to bob@example.org
		[ "$auth" = 1 ] && set -- "$@" --auth LOGIN --auth-user "$smtp_user" --auth-password "$smtp_pass"
		timeout 20 swaks "$@"
		;;
	msmtp)
		{
			echo "defaults"
			echo "logfile $d/msmtp.log"
			echo "timeout 15"
			echo "account default"
			echo "host 127.0.0.1"
			echo "port $port"
			echo "from alerts@example.net"
			echo "tls off"
			# a named method: msmtp will not pick a plain-text one by
			# itself on a connection without TLS
			if [ "$auth" = 1 ]; then
				echo "auth plain"
				echo "user $smtp_user"
				echo "password $smtp_pass"
			fi
		} >"$d/msmtprc"
		chmod 600 "$d/msmtprc"
		timeout 20 msmtp -C "$d/msmtprc" bob@example.org <"$tmp/message.eml"
		;;
	curl)
		set -- -v --max-time 15 --mail-from alerts@example.net \
			--mail-rcpt bob@example.org --upload-file "$tmp/message.eml"
		[ "$auth" = 1 ] && set -- "$@" --user "$smtp_user:$smtp_pass"
		timeout 20 curl "$@" "smtp://127.0.0.1:$port"
		;;
	smtplib | smtplib-print)
		set -- "$port"
		[ "$auth" = 1 ] && set -- "$@" --user "$smtp_user:$smtp_pass"
		[ "$client" = smtplib-print ] && set -- "$@" --print
		timeout 20 "$PYTHON" "$here/send.py" "$@"
		;;
	esac >"$d/output" 2>&1
	echo "$?" >"$d/client.rc"
}

# one CLIENT KIND STAGE WANT REPLY: one case with one of the clients above
one() {
	local client=$1 kind=$2 stage=$3 want=$4 reply=$5
	local d=$tmp/$client/$kind auth=0
	launch_server "$d" "$stage" "$reply" 30
	if ! wait_port "$d"; then
		kill "$server" 2>/dev/null
		echo "FAIL $client $kind: the server did not start ($d/server.err)" >"$d/result"
		return
	fi
	[ "$stage" = auth ] && auth=1
	run_client "$client" "$d" "$(<"$d/port")" "$auth"
	stop_server "$server"
	check "$client" "$kind" "$want" "$d"
}

# postfix: every case at once through one private Postfix instance, a
# relay that sends bob+KIND@example.org to that case's server (and the SASL
# password to the auth cases' servers). A case's output is the lines of
# Postfix's own log about its message.
run_postfix() {
	local pf=$tmp/postfix i d port qid n=${#kinds[@]} servers=()
	mkdir -p "$pf/etc" "$pf/queue" "$pf/data"
	chown postfix "$pf/data"
	: >"$pf/etc/transport"
	: >"$pf/etc/sasl_passwd"
	for i in "${!kinds[@]}"; do
		launch_server "$pf/${kinds[$i]}" "${stages[$i]}" "${replies[$i]}" 40
		servers+=("$server")
	done
	for i in "${!kinds[@]}"; do
		d=$pf/${kinds[$i]}
		wait_port "$d" || continue
		port=$(<"$d/port")
		echo "bob+${kinds[$i]}@example.org smtp:[127.0.0.1]:$port" >>"$pf/etc/transport"
		[ "${stages[$i]}" = auth ] &&
			echo "[127.0.0.1]:$port $smtp_user:$smtp_pass" >>"$pf/etc/sasl_passwd"
	done
	# no listener, no DNS; whatever is not for a test server (the
	# bounces to alerts@example.net) is discarded
	cat >"$pf/etc/main.cf" <<-EOF
		compatibility_level = 3.6
		queue_directory = $pf/queue
		data_directory = $pf/data
		maillog_file = $pf/maillog
		maillog_file_prefixes = $pf
		myhostname = relay.example.test
		mydestination =
		inet_interfaces = loopback-only
		inet_protocols = ipv4
		alias_maps =
		alias_database =
		smtp_dns_support_level = disabled
		transport_maps = texthash:$pf/etc/transport
		default_transport = discard:no mail leaves this test
		smtp_sasl_auth_enable = yes
		smtp_sasl_password_maps = texthash:$pf/etc/sasl_passwd
		smtp_sasl_security_options = noanonymous
	EOF
	# the services a relay uses, none chrooted
	cat >"$pf/etc/master.cf" <<-'EOF'
		pickup    unix  n  -  n  60  1  pickup
		cleanup   unix  n  -  n  -   0  cleanup
		qmgr      unix  n  -  n  300 1  qmgr
		rewrite   unix  -  -  n  -   -  trivial-rewrite
		bounce    unix  -  -  n  -   0  bounce
		defer     unix  -  -  n  -   0  bounce
		trace     unix  -  -  n  -   0  bounce
		verify    unix  -  -  n  -   1  verify
		flush     unix  n  -  n  1000? 0 flush
		scache    unix  -  -  n  -   1  scache
		smtp      unix  -  -  n  -   -  smtp
		error     unix  -  -  n  -   -  error
		retry     unix  -  -  n  -   -  error
		discard   unix  -  -  n  -   -  discard
		showq     unix  n  -  n  -   -  showq
		postlog   unix-dgram n - n - 1  postlogd
	EOF
	postfix -c "$pf/etc" start >"$pf/start.log" 2>&1
	for i in "${!kinds[@]}"; do
		/usr/sbin/sendmail -C "$pf/etc" -f alerts@example.net \
			"bob+${kinds[$i]}@example.org" <"$tmp/message.eml"
	done
	# wait for a final word (sent, deferred or bounced) on every message
	for ((i = 0; i < 200; i++)); do
		[ "$(grep -c 'to=<bob+.*status=' "$pf/maillog" 2>/dev/null)" -ge "$n" ] && break
		sleep 0.1
	done
	postfix -c "$pf/etc" stop >>"$pf/start.log" 2>&1
	for ((i = 0; i < 50; i++)); do
		postfix -c "$pf/etc" status >/dev/null 2>&1 || break
		sleep 0.1
	done
	for i in "${servers[@]}"; do stop_server "$i"; done

	for i in "${!kinds[@]}"; do
		d=$pf/${kinds[$i]}
		mkdir -p "$d"
		qid=$(grep -F "to=<bob+${kinds[$i]}@example.org>" "$pf/maillog" 2>/dev/null |
			sed -n '1s/.*\]: \([0-9A-F]*\): to=.*/\1/p')
		if [ -z "$qid" ]; then
			echo "FAIL postfix ${kinds[$i]}: no delivery logged ($pf/maillog)" >"$d/result"
			continue
		fi
		grep -F " $qid: " "$pf/maillog" >"$d/output"
		check postfix "${kinds[$i]}" "${wants[$i]}" "$d"
	done
}

# the cases: KIND | STAGE | CATEGORY | REPLY, comments and blank lines skipped
kinds=() stages=() wants=() replies=()
while IFS= read -r line; do
	case $line in '#'* | '') continue ;; esac
	kind=${line%% | *} line=${line#* | }
	stage=${line%% | *} line=${line#* | }
	want=${line%% | *} reply=${line#* | }
	[[ $kind =~ ${E2E_CASES:-.} ]] || continue
	kinds+=("$kind") stages+=("$stage") wants+=("$want") replies+=("$reply")
done <"$here/cases.txt"

pass=0 fail=0 skip=0 order=() running=0
for client in $clients; do
	# shellcheck disable=SC2046
	set -- $(need "$client")
	if ! command -v "$1" >/dev/null; then
		if [ "${E2E_REQUIRE:-0}" = 1 ]; then
			echo "FAIL $client: $1 is not installed (apt-get install $2)"
			fail=$((fail + ${#kinds[@]}))
		else
			echo "SKIP $client: $1 is not installed (apt-get install $2)"
			skip=$((skip + ${#kinds[@]}))
		fi
		continue
	fi
	if [ "$client" = postfix ]; then
		run_postfix &
		for kind in "${kinds[@]}"; do order+=("$tmp/postfix/$kind"); done
		continue
	fi
	for i in "${!kinds[@]}"; do
		if [ "$running" -ge "$jobs" ]; then
			wait -n
			running=$((running - 1))
		fi
		running=$((running + 1))
		one "$client" "${kinds[$i]}" "${stages[$i]}" "${wants[$i]}" "${replies[$i]}" &
		order+=("$tmp/$client/${kinds[$i]}")
	done
done
wait

for d in "${order[@]}"; do
	result=$(cat "$d/result" 2>/dev/null) || result="FAIL $d: no result"
	echo "$result"
	case $result in
	PASS*) pass=$((pass + 1)) ;;
	*)
		fail=$((fail + 1))
		echo "     in $d"
		;;
	esac
done

echo "e2e: $pass passed, $fail failed, $skip skipped"
if [ "$fail" -gt 0 ]; then
	echo "e2e: outputs kept in $tmp"
	exit 1
fi
if [ "${E2E_KEEP:-0}" = 1 ]; then
	echo "e2e: outputs kept in $tmp"
else
	rm -rf "$tmp"
fi
