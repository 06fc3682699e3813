#!/usr/bin/env bash
# Installs the Debian packages the test suite and benchmarks need (real PostgreSQL, Postfix,
# Dovecot, Chromium, CUPS with a PDF printer, Sisimai for the benchmark). Idempotent: a second
# run with everything present only checks. Daemons are never started by the packages
# (policy-rc.d), the tests start their own instances on loopback.
set -euo pipefail
PKGS=(postgresql-15 postfix dovecot-imapd chromium cups cups-client cups-bsd printer-driver-cups-pdf
      libsisimai-perl poppler-utils)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Run as root: sudo $0   (or install them with apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
[ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; }
echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
echo "postfix postfix/mailname string facturier.test" | debconf-set-selections
apt-get -o DPkg::Lock::Timeout=600 update -q
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
