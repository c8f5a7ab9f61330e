#!/usr/bin/env bash
# The Debian packages the tests use: PostgreSQL (a real database), espeak-ng (speech), sox, Chromium
# and CJK fonts (browser tests and screenshots), kamailio, baresip and SIPp (real SIP peers),
# redis-server (Rasa's lock store) and haproxy (the balancer in front of several Rasa servers).
# Installs only what is missing; needs root (CI and the development machines run as root).
set -euo pipefail
packages=(postgresql espeak-ng libespeak-ng1 sox chromium fonts-noto-cjk kamailio baresip sip-tester redis-server haproxy)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
