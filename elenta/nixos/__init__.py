"""NixOS machines: each machine's module rendered from the plan, building their systems, reading
where a host is, activation's confirm or rollback.

`machine_module(lab, "toto")` (module.py) is the data of toto's module (networking, firewall,
servers, guests); `nixos_artifacts` (render.py) puts one `module.json` per machine and the Nix
entry point `elenta.nix` into the plan; `docs/nixos.md` shows how a flake adopts them.
"""
