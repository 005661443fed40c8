#!/usr/bin/env bash
# The deploy tests run sshd as lab hosts: it wants its privilege-separation user, which Debian's
# openssh-server package creates; nothing else to prepare. Check that the pieces are there.
set -euo pipefail
test -x /usr/sbin/sshd
command -v unshare nix nix-store ssh ssh-keygen >/dev/null
