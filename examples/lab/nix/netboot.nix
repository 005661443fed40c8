# The example lab's netboot role: the three outputs a NixOS netboot configuration exposes under
# `config.system.build`, as tiny derivations (real NixOS images need nixpkgs, which this offline
# lab does not have). Same shape as NixOS's: `<kernel>/bzImage`, `<netbootRamdisk>/initrd`,
# `<netbootIpxeScript>/netboot.ipxe`. Built by `elenta build-image --config '.#netboot'`.
{ role, toplevel, system, ... }:
let
  tiny = part: script: builtins.derivation {
    name = "elenta-${role}-${part}";
    inherit system;
    builder = "/bin/sh";
    args = [ "-c" ("/bin/mkdir -p $out && " + script) ];
  };
in
{
  kernel = tiny "kernel" "echo 'elenta example kernel (role ${role})' > $out/bzImage";
  # NixOS's netboot ramdisk carries the system's closure: here, its store path.
  netbootRamdisk = tiny "initrd" "echo 'elenta example initrd (role ${role}) for ${toplevel}' > $out/initrd";
  netbootIpxeScript = tiny "netboot-ipxe" ''
    printf '%s\n' '#!ipxe' \
      '# Use the cmdline variable to allow the user to specify custom kernel params' \
      '# when chainloading this script from other iPXE scripts like netboot.xyz' \
      'kernel bzImage init=${toplevel}/init initrd=initrd loglevel=4 ''${cmdline}' \
      'initrd initrd' 'boot' > $out/netboot.ipxe
  '';
}
