# The example lab's NixOS configurations, as tiny stand-ins with the same attribute paths as
# real ones: `nixosConfigurations.<role>.config.system.build.toplevel` builds offline in well
# under a second (a `builtins.derivation` whose builder is /bin/sh), and its
# `bin/switch-to-configuration test|switch|boot` really changes the host it runs on
# (/run/current-system, the boot loader marker /boot/elenta/default-system).
#
# Extending: add a role to `roles` below; extra `config.system.build.*` outputs (e.g. netboot
# images) go in ./nix/build-extras.nix, a function `{ role, toplevel, system, revision }: { ... }`
# whose attributes are merged into `config.system.build` (read only when the file exists).
{
  description = "elenta example lab";

  outputs = { self }:
    let
      system = "x86_64-linux";
      # The deployer passes the lab's git revision (with --impure); pure evaluation says "unknown".
      envRevision = builtins.getEnv "ELENTA_REVISION";
      revision = if envRevision != "" then envRevision else (self.rev or "unknown");

      # What each role's system carries. Changing a role changes only that role's store path.
      roles = {
        dns = { description = "authoritative DNS for the lab"; };
        nfs = { description = "NFS server for media and backups"; };
        hypervisor = { description = "hypervisor for web VMs and a cache container"; };
        firewall = { description = "firewall between the lab and the home network"; };
        netboot = { description = "diskless worker booted from the network"; };
        web = { description = "web server VM"; };
        cache = { description = "cache container"; };
      };

      extrasFile = ./nix/build-extras.nix;
      buildExtras = if builtins.pathExists extrasFile then import extrasFile else (_: { });

      mkToplevel = role: spec: builtins.derivation {
        name = "nixos-system-${role}-elenta";
        inherit system role revision;
        description = spec.description;
        builder = "/bin/sh";
        args = [ "-e" ./nix/build-system.sh ];
      };

      mkConfiguration = role: spec:
        let toplevel = mkToplevel role spec;
        in {
          config.system.build = { inherit toplevel; }
            // buildExtras { inherit role toplevel system revision; };
          config.system.nixos.revision = revision;
          config.networking.hostName = role;
        };
    in {
      nixosConfigurations = builtins.mapAttrs mkConfiguration roles;
      lib = { inherit mkToplevel roles; };
    };
}
