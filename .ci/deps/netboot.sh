#!/usr/bin/env bash
# Netboot's real-boot test needs a Linux kernel and a static busybox for the images it boots.
# Both come from Debian's archive as packages that are unpacked, not installed (installing
# linux-image would run initramfs hooks; busybox-static conflicts with busybox).
# Result: /var/cache/elenta-netboot/{kernel/boot/vmlinuz-*,busybox-static/bin/busybox}.
set -euo pipefail
cache=/var/cache/elenta-netboot
mkdir -p "$cache"
cd "$cache"
# `apt-get download` needs package lists; fetch them once if this machine has none yet.
download() { apt-get download "$1" || { apt-get update -qq && apt-get download "$1"; }; }
if [ ! -x busybox-static/bin/busybox ]; then
  download busybox-static
  dpkg-deb -x busybox-static_*.deb busybox-static
  rm -f busybox-static_*.deb
fi
if ! ls kernel/boot/vmlinuz-* >/dev/null 2>&1; then
  apt-cache show linux-image-amd64 >/dev/null 2>&1 || apt-get update -qq
  pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  download "$pkg"
  dpkg-deb --fsys-tarfile "${pkg}"_*.deb | tar -x --wildcards './boot/vmlinuz-*'
  mkdir -p kernel && mv boot kernel/
  rm -f "${pkg}"_*.deb
fi
test -x "$cache"/busybox-static/bin/busybox && ls "$cache"/kernel/boot/vmlinuz-* >/dev/null
