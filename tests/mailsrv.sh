#!/bin/sh
# Starts or stops a throwaway Postfix and Dovecot on 127.0.0.1 for the tests.
#   tests/mailsrv.sh start DIR   prints KEY=VALUE lines (below)
#   tests/mailsrv.sh stop DIR    stops both and removes DIR
# Runs as root. Everything lives under DIR: the system's /etc/postfix and
# /etc/dovecot are never read or written, and the ports are ones the kernel
# hands out, so a system Postfix or Dovecot does not get in the way.
#
# Postfix (SMTP_PORT, plaintext with STARTTLS offered, no AUTH, loopback trusted;
# SMTPS_PORT implicit TLS where only SMTP_USER with SMTP_PASSWORD may send, by
# AUTH PLAIN or LOGIN checked by Dovecot):
#   *@shop.test     piped, one recipient at a time, to DIR/pipe-cmd as user nobody:
#                   argv[1] is the recipient, the message (as received, plus
#                   Postfix's own Received line) is on stdin. Exit 0 delivers,
#                   75 (EX_TEMPFAIL) defers: Postfix retries within about 10 s.
#                   Other exits bounce. The default pipe-cmd keeps each message
#                   in DIR/piped/ (nobody may write there); tests may replace it
#                   (keep it executable by nobody).
#   *@blocked.test  refused at RCPT TO with 554 (a permanent failure)
#   anything else   delivered into the Maildir DIR/sink/ (new/ holds one file
#                   per message, the bytes as received plus Return-Path,
#                   Delivered-To and Received at the top)
# Dovecot (IMAP_PORT plaintext with STARTTLS, IMAPS_PORT implicit TLS):
#   user shop, password imap-secret, INBOX is the Maildir DIR/imap/shop/.
#   To add a message, write it to DIR/imap/shop/tmp/NAME and rename it to
#   DIR/imap/shop/new/NAME (NAME unique, no ':' or '/'); Dovecot gives it a UID
#   at its next look at the folder (any STATUS, SELECT or NOOP).
# Both use the self-signed certificate DIR/cert.pem (CN and SAN localhost, 127.0.0.1).
#
# Printed: HOST, SMTP_PORT, SMTPS_PORT, SMTP_USER, SMTP_PASSWORD, IMAP_PORT,
# IMAPS_PORT, IMAP_USER, IMAP_PASSWORD, SINK (the sink Maildir), IMAP_MAILDIR,
# PIPE_CMD, PIPED, CERT.
set -eu
cmd=${1:-} dir=${2:-}
[ -n "$dir" ] && [ "$cmd" = start -o "$cmd" = stop ] || {
	echo "usage: tests/mailsrv.sh start|stop DIR" >&2
	exit 2
}
[ "$(id -u)" -eq 0 ] || { echo "tests/mailsrv.sh: must run as root" >&2; exit 1; }
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
user=nobody group=nogroup

# Five ports nobody listens on, from the kernel's ephemeral range.
free_ports() {
	python3 -c '
import socket
s = [socket.socket() for _ in range(5)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))'
}

# wait_port PORT: until something accepts connections on it, at most 20 s
wait_port() {
	python3 -c '
import socket, sys, time
end = time.time() + 20
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)' "$1"
}

stop_servers() {
	if [ -f "$dir/postfix/main.cf" ]; then
		postfix -c "$dir/postfix" stop >/dev/null 2>&1 || true
	fi
	if [ -f "$dir/dovecot/master.pid" ]; then
		kill "$(cat "$dir/dovecot/master.pid")" 2>/dev/null || true
	fi
	# both masters take a moment to take their children down
	i=0
	while [ $i -lt 100 ]; do
		alive=""
		for pidfile in "$dir/postfix-queue/pid/master.pid" "$dir/dovecot/master.pid"; do
			[ -f "$pidfile" ] && kill -0 "$(tr -d ' ' <"$pidfile")" 2>/dev/null && alive=1
		done
		[ -z "$alive" ] && break
		sleep 0.1
		i=$((i + 1))
	done
}

write_postfix() {
	smtp_port=$1 smtps_port=$2 auth_port=$3
	mkdir -p "$dir/postfix" "$dir/postfix-queue" "$dir/postfix-data" "$dir/sink" "$dir/piped"
	chown postfix "$dir/postfix-data"
	chown "$user:$group" "$dir/sink" "$dir/piped"
	cat >"$dir/postfix/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/postfix-queue
data_directory = $dir/postfix-data
maillog_file = $dir/postfix.log
maillog_file_prefixes = $dir
myhostname = mail.deskd.test
mydomain = deskd.test
myorigin = deskd.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
relay_domains =
alias_maps =
alias_database =
local_recipient_maps =
biff = no
# every domain is delivered on this machine: nothing ever leaves it
virtual_mailbox_domains = regexp:$dir/postfix/all
virtual_mailbox_maps = regexp:$dir/postfix/sink
virtual_mailbox_base = $dir
virtual_uid_maps = static:$(id -u $user)
virtual_gid_maps = static:$(getent group $group | cut -d: -f3)
virtual_mailbox_limit = 0
message_size_limit = 52428800
transport_maps = regexp:$dir/postfix/transport
deskpipe_destination_recipient_limit = 1
smtpd_recipient_restrictions = check_recipient_access regexp:$dir/postfix/blocked, permit_mynetworks, reject_unauth_destination
smtpd_tls_security_level = may
smtpd_tls_cert_file = $dir/cert.pem
smtpd_tls_key_file = $dir/key.pem
smtpd_tls_loglevel = 1
# deferred mail is tried again within seconds, not minutes
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 5s
delay_warning_time = 0
EOF
	echo '/./ OK' >"$dir/postfix/all"
	echo '/./ sink/' >"$dir/postfix/sink"
	echo '/@shop\.test$/ deskpipe:' >"$dir/postfix/transport"
	echo '/@blocked\.test$/ REJECT blocked.test refuses all mail' >"$dir/postfix/blocked"
	# no chroot: the daemons read the maps and certificate from DIR
	cat >"$dir/postfix/master.cf" <<EOF
127.0.0.1:$smtp_port inet n - n - - smtpd
127.0.0.1:$smtps_port inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=inet:127.0.0.1:$auth_port
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
deskpipe  unix  -       n       n       -       -       pipe user=$user argv=$dir/pipe-cmd \${recipient}
EOF
	cat >"$dir/pipe-cmd" <<EOF
#!/bin/sh
# the default: keep the message in $dir/piped/, named for time, pid and recipient
cat >"$dir/piped/\$(date +%s.%N).\$\$.\$1"
EOF
	chmod 755 "$dir/pipe-cmd"
}

write_dovecot() {
	imap_port=$1 imaps_port=$2 auth_port=$3
	mkdir -p "$dir/dovecot" "$dir/imap/shop/new" "$dir/imap/shop/cur" "$dir/imap/shop/tmp"
	chown -R "$user:$group" "$dir/imap"
	echo "shop:{PLAIN}imap-secret::::::" >"$dir/passwd"
	chmod 644 "$dir/passwd"
	cat >"$dir/dovecot.conf" <<EOF
base_dir = $dir/dovecot
state_dir = $dir/dovecot
instance_name = deskd-test-$imap_port
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$dir/imap/%u
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN $dir/passwd
}
userdb {
  driver = static
  args = uid=$user gid=$group home=$dir/imap/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
    ssl = yes
  }
}
# Postfix asks here whether an SMTPS client's AUTH is good
service auth {
  inet_listener {
    address = 127.0.0.1
    port = $auth_port
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
EOF
}

case $cmd in
start)
	[ -d "$dir" ] && stop_servers
	mkdir -p "$dir"
	# nobody (the pipe and the mailboxes) must reach DIR/pipe-cmd and the Maildirs
	chmod 755 "$dir"
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
		-keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1 ||
		{ echo "tests/mailsrv.sh: openssl cannot make a certificate" >&2; exit 1; }
	chmod 600 "$dir/key.pem"
	set -- $(free_ports)
	smtp_port=$1 imap_port=$2 imaps_port=$3 smtps_port=$4 auth_port=$5
	write_postfix "$smtp_port" "$smtps_port" "$auth_port"
	write_dovecot "$imap_port" "$imaps_port" "$auth_port"
	postfix -c "$dir/postfix" start >"$dir/postfix-start.log" 2>&1 ||
		{ cat "$dir/postfix-start.log" "$dir/postfix.log" 2>/dev/null >&2; exit 1; }
	dovecot -c "$dir/dovecot.conf" >"$dir/dovecot-start.log" 2>&1 ||
		{ cat "$dir/dovecot-start.log" "$dir/dovecot.log" 2>/dev/null >&2; exit 1; }
	for port in "$smtp_port" "$smtps_port" "$imap_port" "$imaps_port" "$auth_port"; do
		wait_port "$port" || {
			echo "tests/mailsrv.sh: nothing listens on port $port" >&2
			cat "$dir/postfix.log" "$dir/dovecot.log" 2>/dev/null >&2
			exit 1
		}
	done
	cat <<EOF
HOST=127.0.0.1
SMTP_PORT=$smtp_port
SMTPS_PORT=$smtps_port
SMTP_USER=shop
SMTP_PASSWORD=imap-secret
IMAP_PORT=$imap_port
IMAPS_PORT=$imaps_port
IMAP_USER=shop
IMAP_PASSWORD=imap-secret
SINK=$dir/sink
IMAP_MAILDIR=$dir/imap/shop
PIPE_CMD=$dir/pipe-cmd
PIPED=$dir/piped
CERT=$dir/cert.pem
EOF
	;;
stop)
	[ -d "$dir" ] || exit 0
	stop_servers
	rm -rf "$dir"
	;;
esac
