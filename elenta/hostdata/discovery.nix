# elenta service discovery: read the compiled lab from a plan, in pure evaluation.
#
#   let discovery = import ./plan/artifacts/hostdata/lab/discovery.nix {   # elenta plan --out plan
#         host = "toto";                      # optional: which machine is evaluating
#       };
#   in discovery.services."db-a.example.lab".ip   # -> "127.0.1.3"
#
# Arguments (all optional):
#   host       the machine being built (gives `self`, and `module` applies its settings)
#   json       path of discovery.json (default: next to this file)
#   data       the already-parsed document (overrides `json`)
{ host ? null, json ? ./discovery.json, data ? builtins.fromJSON (builtins.readFile json) }:
let
  self = if host == null then null else data.machines.${host} or (throw "elenta: no machine '${host}' in the plan");
  withRole = role: map (name: data.machines.${name}) (data.roles.${role} or [ ]);
in
{
  inherit data self withRole;
  inherit (data) domain machines roles services constellations;

  # The IP of a machine (short name) or a service (DNS name).
  ipOf = name:
    if data.machines ? ${name} then data.machines.${name}.ip
    else if data.services ? ${name} then data.services.${name}.ip
    else throw "elenta: '${name}' is neither a machine nor a service of the plan";

  # A NixOS module: the host-side settings elenta compiled for `host` (guest support, attribute-set
  # host configurations), the discovery document at /etc/elenta/discovery.json and the host's own
  # entry at /etc/elenta/host.json (what `elenta drift` compares with the plan).
  module = { lib, ... }: {
    config = lib.mkMerge [
      (if self == null then { } else self.nixos)
      { environment.etc."elenta/discovery.json".text = builtins.toJSON data; }
      (lib.optionalAttrs (self != null) {
        environment.etc."elenta/host.json".text = builtins.toJSON { self = host; canon = self.canon; host = self; };
      })
    ];
  };
}
