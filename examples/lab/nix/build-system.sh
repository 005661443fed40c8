# Builder of the example lab's stand-in NixOS systems (run by /bin/sh; no coreutils on PATH, so
# files are written with printf). Inputs from the derivation: $out, $role, $description and
# $elentaModule (the modules of the system as JSON: elenta's per-machine module from the plan).
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

# switch-to-configuration: test|switch activate this system now (/run/current-system);
# switch|boot make it what the boot loader starts (/boot/elenta/default-system).
printf '%s\n' \
  '#!/bin/sh' \
  'set -e' \
  'action="$1"' \
  'case "$action" in' \
  '  test|switch|boot|dry-activate) ;;' \
  '  *) echo "usage: $0 test|switch|boot|dry-activate" >&2; exit 1 ;;' \
  'esac' \
  "if [ \"\$action\" = dry-activate ]; then echo 'would activate $out'; exit 0; fi" \
  'if [ "$action" = switch ] || [ "$action" = boot ]; then' \
  '  mkdir -p /boot/elenta' \
  "  ln -sfn '$out' /boot/elenta/default-system.new" \
  '  mv -T /boot/elenta/default-system.new /boot/elenta/default-system' \
  'fi' \
  'if [ "$action" = test ] || [ "$action" = switch ]; then' \
  "  ln -sfn '$out' /run/current-system.new" \
  '  mv -T /run/current-system.new /run/current-system' \
  '  mkdir -p /etc/elenta /var/log' \
  "  printf '%s\\n' '$role' > /etc/elenta/role" \
  "  printf '%s %s\\n' \"\$action\" '$out' >> /var/log/elenta-activation.log" \
  'fi' > "$out/bin/switch-to-configuration"
/bin/chmod 0555 "$out/bin/switch-to-configuration" "$out/sw/bin/nixos-version"
