# Extra `config.system.build` outputs per role, merged in by ../flake.nix.
args@{ role, ... }: if role == "netboot" then import ./netboot.nix args else { }
