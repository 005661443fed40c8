# Builder of the example lab's stand-in NixOS systems (run by /bin/sh; no coreutils on PATH, so
# files are written with printf). Inputs from the derivation: $out, $role, $description and
# $elentaModule (the modules of the system as JSON: elenta's per-machine module from the plan).
#
# The stand-in writes only what a real NixOS writes: /run/current-system (test|switch), and for
# switch|boot a systemd-boot style boot loader (/boot/loader/entries/nixos-generation-N.conf per
# generation of the system profile, /boot/loader/loader.conf naming the default: the generation
# whose system ran `switch-to-configuration`). The profile itself is set by the deployer
# (`nix-env -p /nix/var/nix/profiles/system --set`), as nixos-rebuild does.
#
# Activation knobs, off by default: files a test writes on the host in /etc/elenta-standin/
#   activation-seconds  activation (test|switch) takes that many seconds (a whole number)
#   restart-sshd        activation restarts sshd half-way: every open SSH connection is cut
#   fail                activation fails (exit 1); the file may list roles it applies to (one a line)
#   hang                activation never ends; the file may list roles it applies to
/bin/mkdir -p "$out/bin" "$out/sw/bin"
printf '%s\n' "$role" > "$out/role"
printf '%s\n' "$elentaModule" > "$out/elenta-module.json"
printf '%s\n' "$description" > "$out/description"

printf '%s\n' \
  '#!/bin/sh' \
  'case "$1" in' \
  "  --json) printf '{\"nixosVersion\":\"24.05-elenta\",\"role\":\"%s\"}\\n' '$role' ;;" \
  "  *) printf '24.05-elenta (%s)\\n' '$role' ;;" \
  'esac' > "$out/sw/bin/nixos-version"

{
  printf '#!/bin/sh\nsystem=%s\nrole=%s\n' "$out" "$role"
  while IFS= read -r line; do printf '%s\n' "$line"; done <<'EOF'
set -e
action="$1"
case "$action" in
  test|switch|boot|dry-activate) ;;
  *) echo "usage: $0 test|switch|boot|dry-activate" >&2; exit 1 ;;
esac
if [ "$action" = dry-activate ]; then echo "would activate $system"; exit 0; fi
knobs=/etc/elenta-standin
# A knob file applies to every role when empty, else to the roles it lists.
knob() { [ -e "$knobs/$1" ] && { [ ! -s "$knobs/$1" ] || grep -qx "$role" "$knobs/$1"; }; }
restart_sshd() {
  # Every sshd of this host but the listener: each open connection is cut, new ones are served.
  me=$(readlink /proc/self/ns/mnt)
  listener=$(cat /run/elenta-lab/sshd.pid 2>/dev/null || echo none)
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" != "$listener" ] || continue
    [ "$(cat "$d/comm" 2>/dev/null)" = sshd ] || continue
    [ "$(readlink "$d/ns/mnt" 2>/dev/null)" = "$me" ] || continue
    kill -TERM "$p" 2>/dev/null || true
  done
}
if [ "$action" != boot ]; then
  echo "activating $system ($action)"
  seconds=$(cat "$knobs/activation-seconds" 2>/dev/null || echo 0)
  half=$((seconds / 2))
  if [ "$half" -gt 0 ]; then sleep "$half"; fi
  if knob restart-sshd; then echo "restarting sshd.service"; restart_sshd; fi
  if [ "$((seconds - half))" -gt 0 ]; then sleep "$((seconds - half))"; fi
  if knob hang; then echo "activation hangs (stand-in knob)"; while :; do sleep 1; done; fi
  if knob fail; then echo "error: unit elenta-$role.service failed to start (stand-in knob)" >&2; exit 1; fi
fi
if [ "$action" = switch ] || [ "$action" = boot ]; then
  # The boot loader: an entry per profile generation; the default is this system's generation.
  mkdir -p /boot/loader/entries
  default=""
  for link in /nix/var/nix/profiles/system-*-link; do
    [ -e "$link" ] || continue
    n=${link##*/system-}; n=${n%-link}
    target=$(readlink -f "$link")
    printf 'title NixOS\nversion Generation %s NixOS 24.05-elenta (%s)\nlinux /EFI/nixos/kernel.efi\noptions init=%s/init\n' \
      "$n" "$(cat "$target/role" 2>/dev/null)" "$target" > "/boot/loader/entries/nixos-generation-$n.conf"
    if [ "$target" = "$system" ]; then default="nixos-generation-$n.conf"; fi
  done
  for entry in /boot/loader/entries/nixos-generation-*.conf; do
    [ -e "$entry" ] || continue
    n=${entry##*/nixos-generation-}; n=${n%.conf}
    [ -e "/nix/var/nix/profiles/system-$n-link" ] || rm -f "$entry"
  done
  if [ -n "$default" ]; then
    printf 'timeout 5\ndefault %s\n' "$default" > /boot/loader/loader.conf.tmp
    mv -f /boot/loader/loader.conf.tmp /boot/loader/loader.conf
  else
    echo "warning: $system is no generation of /nix/var/nix/profiles/system; boot default unchanged" >&2
  fi
fi
if [ "$action" = test ] || [ "$action" = switch ]; then
  ln -sfn "$system" /run/current-system.new
  mv -T /run/current-system.new /run/current-system
  mkdir -p /etc/elenta /var/log
  printf '%s\n' "$role" > /etc/elenta/role
  printf '%s %s\n' "$action" "$system" >> /var/log/elenta-activation.log
fi
EOF
} > "$out/bin/switch-to-configuration"
/bin/chmod 0555 "$out/bin/switch-to-configuration" "$out/sw/bin/nixos-version"
