#!/bin/sh
# Installs the programs experiments/real-applications.json runs from the host's root (Debian or Ubuntu):
# python3, coreutils (sort), gzip, sqlite3 and busybox. Needs root for apt-get; a program that still is not there
# afterwards is reported, and `sweep` excludes its points with a message ("not installed: …") instead of failing.
set -u
PACKAGES="python3 coreutils gzip sqlite3 busybox"
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq || echo "real-applications: apt-get update failed; trying the install anyway" >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq $PACKAGES || echo "real-applications: apt-get install failed for some of: $PACKAGES" >&2
  else
    echo "real-applications: not root: skipping apt-get install $PACKAGES" >&2
  fi
else
  echo "real-applications: no apt-get on this host: install $PACKAGES yourself" >&2
fi
status=0
for prog in /usr/bin/python3 /usr/bin/sort /usr/bin/gzip /usr/bin/sqlite3 /bin/busybox; do
  if [ -e "$prog" ]; then
    echo "real-applications: $prog: present"
  else
    echo "real-applications: $prog: absent; its points will be excluded" >&2
    status=1
  fi
done
# 1 when a program is missing: the experiment still runs, without that program's points
exit $status
