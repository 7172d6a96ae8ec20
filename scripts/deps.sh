#!/bin/sh
# Installs the Debian packages deskd needs: `run` to build and serve, `test` for the tests too.
set -eu
# libmicrohttpd12, libpq5 and libcurl4 are opened at run time (src/util/lazy.h), not
# linked: named here because nothing at build time would notice them missing
build="gcc make libc6-dev pkg-config libmicrohttpd-dev libmicrohttpd12 libjansson-dev libsodium-dev
	libsqlite3-dev libpq-dev libpq5 libcurl4-openssl-dev libcurl4 libgmime-3.0-dev libgumbo-dev"
test="$build clang libclang-rt-14-dev python3 postgresql curl chromium fonts-noto-cjk nodejs
	postfix dovecot-imapd swaks openssl gdb"
case "${1:-run}" in
run) want=$build ;;
test) want=$test ;;
*) echo "usage: deps.sh run|test" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
if [ -n "$missing" ]; then
	echo "installing:$missing"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
fi
# the browser tests' own tools come from npm (package-lock.json pins them)
if [ "${1:-run}" = test ]; then
	command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq npm >/dev/null
fi
