#!/bin/sh
# Builds one Go client (gorilla or nhooyr) offline, in GOPATH mode, against the
# libraries Debian packages under /usr/share/gocode (golang-github-gorilla-websocket-dev,
# golang-nhooyr-websocket-dev): ./build.sh gorilla -> ./go-gorilla
set -eu
client="$1"
here="$(cd "$(dirname "$0")" && pwd)"
libraries="${PROXYHARNESS_GOCODE:-/usr/share/gocode}"
case "$client" in
    gorilla) package=golang-github-gorilla-websocket-dev ;;
    nhooyr) package=golang-nhooyr-websocket-dev ;;
    *) echo "usage: build.sh gorilla|nhooyr" >&2; exit 2 ;;
esac
version="$(dpkg-query -W -f '${Version}' "$package" 2>/dev/null || echo unknown)"
gopath="$(mktemp -d)"
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src"
ln -s "$here" "$gopath/src/proxyharness"
GO111MODULE=off GOFLAGS= GOPROXY=off GOPATH="$gopath:$libraries" \
    go build -o "$here/go-$client" -ldflags "-X proxyharness/agent.Version=$version" \
    "proxyharness/$client"
