# elenta: each machine's NixOS system from a plan (written by elenta; do not edit).
#
# A plan written next to the flake (`elenta plan --out plan`) carries this file and one
# `module.json` per machine; `elenta deploy` and `elenta apply` build with the plan they apply.
# Adopting it takes two lines in a flake:
#
#   outputs = { self, nixpkgs, ... }:
#     let elenta = import ./plan/artifacts/nixos/lab/elenta.nix { inherit self; };          # 1
#     in {
#       nixosConfigurations = { dns = nixpkgs.lib.nixosSystem { ... }; };                   # as before
#       elentaHosts = elenta.mkHosts { nixosSystem = nixpkgs.lib.nixosSystem; };           # 2
#     };
#
# `elentaHosts.<machine>` is that machine's system: the configuration its `hostConfig` names
# (`nixosConfigurations.<name>`) extended with its module, or, for a machine whose hostConfig is
# a literal table only, `nixosSystem` of its module. elenta builds
# `elentaHosts.<machine>.config.system.build.toplevel`.
#
# mkHosts arguments (all optional):
#   nixosSystem   nixpkgs.lib.nixosSystem, for machines with a literal hostConfig only
#   system        their platform (default "x86_64-linux")
#   modules       extra modules for every machine
#   microvmHost   microvm.nixosModules.host, needed by machines with VMs
#
# `modules.<machine>` is the bare module, for a flake that builds its systems itself:
#   nixosConfigurations.toto = nixpkgs.lib.nixosSystem { modules = [ ./toto.nix elenta.modules.toto ]; };
# Every value comes from JSON (builtins.fromJSON): no string of the lab is ever Nix source.
{ self, machines ? ../machines, discovery ? ./discovery.json }:
let
  names = if builtins.pathExists machines then builtins.attrNames (builtins.readDir machines) else [ ];
  read = name: builtins.fromJSON (builtins.readFile (machines + "/${name}/module.json"));
  lab = if builtins.pathExists discovery then builtins.fromJSON (builtins.readFile discovery) else { };
  genAttrs = list: f: builtins.listToAttrs (map (name: { inherit name; value = f name; }) list);

  configurationOf = attr:
    self.nixosConfigurations.${attr} or (throw "elenta: the flake has no nixosConfigurations.${attr}");

  # Containers from the flake run its configuration's system (`containers.<name>.path`).
  containersOf = m:
    (m.config.containers or { }) // builtins.mapAttrs
      (name: guest: (m.config.containers.${name} or { }) // {
        path = (configurationOf guest.flake).config.system.build.toplevel;
      })
      m.guests.containers;

  # VMs from the flake are its configuration extended with their resources (microvm.vcpu, mem, volumes).
  vmsOf = m:
    (m.config.microvm.vms or { }) // builtins.mapAttrs
      (name: guest: (m.config.microvm.vms.${name} or { }) // (
        if guest.flake == null then { config = guest.resources; }
        else { evaluatedConfig = (configurationOf guest.flake).extendModules { modules = [ guest.resources ]; }; }
      ))
      m.guests.vms;

  # needHost: a system built by mkHosts imports microvm's host module for VMs; a bare module leaves it to the flake.
  module = { microvmHost ? null, needHost ? true }: name: { lib, ... }:
    let
      m = read name;
      hasVms = m.config ? microvm;
      guestConfig =
        (if m.config ? containers || m.guests.containers != { } then { containers = containersOf m; } else { })
        // (if hasVms then { microvm = m.config.microvm // { vms = vmsOf m; }; } else { });
    in
    {
      imports =
        if hasVms && microvmHost == null && needHost
        then throw "elenta: ${name} runs VMs: give mkHosts microvm's host module (microvmHost = microvm.nixosModules.host)"
        else if hasVms && microvmHost != null then [ microvmHost ] else [ ];
      options.elenta = lib.mkOption {
        type = lib.types.attrs;
        default = { };
        description = "What elenta's plan says about this machine: self, services (with extraOpts), discovery.";
      };
      config = m.config // guestConfig // { elenta = m.elenta // { discovery = lab; }; };
    };

  mkHost = { nixosSystem ? null, system ? "x86_64-linux", modules ? [ ], microvmHost ? null }: name:
    let
      m = read name;
      own = [ (module { inherit microvmHost; } name) ] ++ modules;
    in
    if m.hostConfig != null then (configurationOf m.hostConfig).extendModules { modules = own; }
    else if nixosSystem == null
    then throw "elenta: ${name} has a literal hostConfig only: give mkHosts nixosSystem = nixpkgs.lib.nixosSystem"
    else nixosSystem { inherit system; modules = own; };
in
{
  inherit names;
  modules = genAttrs names (module { needHost = false; });
  mkHosts = args: genAttrs names (mkHost args);
  # The data of one machine's module, as elenta rendered it.
  dataOf = read;
}
