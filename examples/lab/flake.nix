# The example lab's NixOS configurations, as tiny stand-ins with the same attribute paths as
# real ones: `nixosConfigurations.<role>.config.system.build.toplevel` builds offline in well
# under a second (a `builtins.derivation` whose builder is /bin/sh), and its
# `bin/switch-to-configuration test|switch|boot` really changes the host it runs on
# (/run/current-system, the boot loader marker /boot/elenta/default-system).
#
# Each machine's system is `elentaHosts.<machine>`: elenta's per-machine module from the plan
# (./plan/artifacts/nixos, written by `elenta plan --out plan` and by every deploy into the copy it
# builds) on top of its role, exactly as a real flake adopts it (docs/nixos.md). The stand-in
# "evaluates" a module by reading its `config` and makes it an input of the system's derivation
# (`$out/elenta-module.json`), so a change to one machine's module changes that machine's store
# path and no other. Builds are pure: the lab's git revision is recorded beside the system, never
# inside it.
#
# Extending: add a role to `roles` below; extra `config.system.build.*` outputs (e.g. netboot
# images) go in ./nix/build-extras.nix, a function `{ role, toplevel, system }: { ... }`
# whose attributes are merged into `config.system.build` (read only when the file exists).
{
  description = "elenta example lab";

  outputs = { self }:
    let
      system = "x86_64-linux";

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

      # The stand-in module system: a module is an attribute set or a function of { lib, ... };
      # its `config` (or the set itself) is kept as data, derivations as their store paths (so a
      # guest's system is a dependency of its host's, as in NixOS). Like a real system, which
      # depends only on the option values its modules use, the stand-in roles use everything but
      # `elenta.discovery` (what they would read of the other machines): a change elsewhere in
      # the lab rebuilds nothing here.
      standInLib = { mkOption = option: option; types.attrs = "attrs"; };
      toData = value:
        if builtins.isFunction value then "<function>"
        else if builtins.isAttrs value then
          (if value ? outPath then value.outPath else builtins.mapAttrs (_: toData) value)
        else if builtins.isList value then map toData value
        else value;
      evalModule = module:
        let
          value = if builtins.isFunction module then module { lib = standInLib; config = { }; pkgs = { }; } else module;
          imports = value.imports or [ ];
          config = value.config or value;
          used = if config ? elenta then config // { elenta = removeAttrs config.elenta [ "discovery" ]; } else config;
        in builtins.seq (builtins.length imports) (toData used);

      mkToplevel = role: spec: modules: builtins.derivation {
        name = "nixos-system-${role}-elenta";
        inherit system role;
        description = spec.description;
        elentaModule = builtins.toJSON (map evalModule modules);
        builder = "/bin/sh";
        args = [ "-e" ./nix/build-system.sh ];
      };

      # The stand-in's option merge, enough to read option values back (`elenta firewall check`
      # reads `config.networking.firewall`): attribute sets merge key by key, lists concatenate
      # (as NixOS merges `listOf` options), any other later definition wins.
      mergeConfig = a: b:
        if builtins.isAttrs a && builtins.isAttrs b && !(a ? outPath) && !(b ? outPath)
        then a // builtins.mapAttrs (k: v: if a ? ${k} then mergeConfig a.${k} v else v) b
        else if builtins.isList a && builtins.isList b then a ++ b
        else b;
      moduleConfig = module:
        let value = if builtins.isFunction module then module { lib = standInLib; config = { }; pkgs = { }; } else module;
        in value.config or value;

      mkConfiguration = role: spec: base:
        let toplevel = mkToplevel role spec base;
        in {
          config = builtins.foldl' mergeConfig { networking.hostName = role; } (map moduleConfig base) // {
            system.build = { inherit toplevel; } // buildExtras { inherit role toplevel system; };
          };
          extendModules = { modules ? [ ] }: mkConfiguration role spec (base ++ modules);
        };

      # `nixpkgs.lib.nixosSystem` of the stand-in (machines whose hostConfig is a literal table).
      nixosSystem = { modules, ... }:
        mkConfiguration "literal" { description = "a literal hostConfig"; } modules;

      elenta = import ./plan/artifacts/nixos/lab/elenta.nix { inherit self; };
    in {
      nixosConfigurations = builtins.mapAttrs (role: spec: mkConfiguration role spec [ ]) roles;
      elentaHosts = elenta.mkHosts { inherit nixosSystem; microvmHost = { }; };
      lib = { inherit mkToplevel roles; };
    };
}
