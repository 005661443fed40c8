"""The NixOS subsystem's pure logic: each machine's NixOS module, rendered from the plan.

`machine_module(lab, "toto")` is the data of toto's module (networking, firewall, servers, guests,
discovery); `nixos_artifacts` puts one `module.json` per machine and the Nix entry point
`elenta.nix` into the plan; `docs/nixos.md` shows how a flake adopts them.
"""
