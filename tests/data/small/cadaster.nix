# The Nix twin of cadaster.toml: `nix eval --json --file cadaster.nix` gives the same data.
let
  mac = n: "52:54:00:00:${n}";
in
{
  domain = "canon";
  dns.servers = [ "127.0.0.1:5353" ];
  networks = {
    lab = { cidr = "127.0.1.0/24"; vlan = 10; };
    home = { cidr = "127.0.2.0/24"; vlan = 20; subdomain = "home"; };
  };
  machines = {
    toto = {
      resources = { cores = 2; memory = "4G"; };
      interfaces.enp2s0 = {
        mac = mac "01:02";
        network = "lab";
        ip = "127.0.1.2";
        aliases.enp2s0_dns = { ip = "127.0.1.53"; name = "dns"; };
      };
    };
    ifrit = {
      kind = "router";
      interfaces.lan0 = { mac = mac "01:fe"; network = "lab"; ip = "127.0.1.254"; };
      interfaces.wan0 = { mac = mac "02:fe"; network = "home"; ip = "127.0.2.254"; };
    };
  };
}
