"""What each key means and an example of it, by model and field, for the reference and schemas.

A key without an entry still appears in the reference (its type and default come from the model);
the meaning here is what a person reads in `docs/reference.md` and in their editor.
"""

from __future__ import annotations

KEYDOCS: dict[str, dict[str, tuple[str, str]]] = {
    "Cadaster": {
        "domain": ("the canon domain: machines are named `<machine>.<domain>`", '"canon"'),
        "dns": ("where the lab's DNS servers answer, and the zones' defaults", 'servers = ["127.0.1.53:53"]'),
        "networks": ("every layer-2 network, by name", '[networks.lab] cidr = "127.0.1.0/24"'),
        "machines": (
            "every device that touches the network, by short name",
            '[machines.toto] kind = "nixos"',
        ),
    },
    "DnsSettings": {
        "servers": (
            "the lab's own DNS servers, `address:port`, asked by `elenta lookup`",
            '["127.0.1.53:53"]',
        ),
        "admin": ("the zones' contact mailbox (SOA RNAME): a local part or an address", '"hostmaster"'),
        "ttl": ("default TTL of every record, in seconds", "3600"),
    },
    "Network": {
        "cidr": ("the network's address range", '"127.0.1.0/24"'),
        "prefix6": ("an IPv6 prefix beside `cidr` (dual stack)", '"2001:db8:1::/64"'),
        "dhcp": (
            "how DHCP serves it: range, lease, dns, search",
            '{ range = ["127.0.1.200", "127.0.1.239"] }',
        ),
        "vlan": ("its VLAN on the switches (1-4094)", "10"),
        "link": ("the kind of link: gives the per-link names `toto.canon.lan`, `x.canon.wifi`", '"lan"'),
        "subdomain": ("names machines on several networks: `lab.ifrit.canon`", '"lab"'),
        "gateway": ("the network's router address", '"127.0.1.254"'),
        "description": ("free text for people", '"the rack"'),
    },
    "Machine": {
        "kind": ("what the device is; only `nixos` machines are deployed over SSH", '"nixos"'),
        "interfaces": ("its interfaces by name (as the OS names them)", "[machines.toto.interfaces.enp2s0]"),
        "resources": ("what it has, for placement checks", '{ cores = 4, memory = "16G", disk = "500G" }'),
        "ssh": ("how the deployer reaches it", '{ user = "root", port = 22 }'),
        "tags": ("labels to select it by (`--on '#core'`)", '["core"]'),
        "netboot": (
            "it boots from the network (its image is built and placed, not deployed over SSH)",
            "true",
        ),
        "switch": ("for a managed switch: platform, credentials and ports", 'platform = "cisco_ios"'),
        "description": ("free text for people", '"managed 24-port switch"'),
    },
    "NetworkDhcp": {
        "range": (
            "dynamic addresses for unknown clients (none: cadaster MACs only)",
            '["127.0.1.200", "127.0.1.239"]',
        ),
        "range6": ("the IPv6 dynamic range", '["2001:db8:1::1000", "2001:db8:1::1fff"]'),
        "lease": ("lease time in seconds", "3600"),
        "dns": ("DNS servers handed out: machine names or addresses (default: the DNS role's)", '["toto"]'),
        "search": ("the domain search list (default: the canon domain)", '["canon"]'),
    },
    "DhcpService": {
        "server": ("`kea` or `dnsmasq`", '"kea"'),
        "networks": ("the cadaster networks served (default: all of the host's)", '["lab"]'),
        "netboot": ("give netbooting machines their iPXE options", "true"),
        "authoritative": ("answer NAKs for unknown addresses", "true"),
    },
    "Interface": {
        "mac": ("its hardware address", '"52:54:00:00:01:02"'),
        "network": ("the network it sits on (a key of `networks`)", '"lab"'),
        "ip": ("its one address on that network", '"127.0.1.2"'),
        "ip6": ("its IPv6 address, or `eui64` to derive it from the MAC in `prefix6`", '"eui64"'),
        "aliases": (
            "further addresses on the same interface, by alias name",
            'enp2s0_dns = { ip = "127.0.1.53", name = "dns" }',
        ),
        "primary": ("the plain canon name points at this interface (default: the first)", "true"),
    },
    "Alias": {
        "ip": ("the alias address, on the interface's network", '"127.0.1.53"'),
        "name": ("its own name: `dns` gives `dns.toto.canon`", '"dns"'),
    },
    "Resources": {
        "cores": ("CPU cores", "4"),
        "memory": ("memory: MiB, or a size such as `16G`", '"16G"'),
        "disk": ("disk: MiB, or a size such as `500G`", '"500G"'),
    },
    "Ssh": {
        "user": ("the SSH user (sudo is used when it is not root)", '"root"'),
        "port": ("the SSH port", "22"),
        "host_key": (
            "pins the host key of the machine or switch (one known_hosts key; the only one trusted)",
            '"ssh-ed25519 AAAAC3Nza…"',
        ),
        "host": ("connect to this name or address instead of the cadaster's", '"toto.example.net"'),
        "identity_file": (
            "the private key to use (default: your agent and ssh config)",
            '"~/.ssh/lab_ed25519"',
        ),
        "proxy_jump": ("jump hosts, `[user@]host[:port]`, comma-separated", '"bastion.example.net"'),
        "sudo": ("run as root through sudo (default: when the user is not root)", "true"),
    },
    "Switch": {
        "platform": ("cisco_ios, arista_eos (CLI over SSH) or juniper_junos (NETCONF)", '"cisco_ios"'),
        "credentials": (
            "where the login comes from (never the secret itself)",
            '{ username = "root", password_env = "SW1_PASSWORD" }',
        ),
        "ports": (
            "what is plugged into each port, by the switch's port name",
            '[machines.sw1.switch.ports."FastEthernet0/1"]',
        ),
        "shutdown_unused": ("shut every port the cadaster does not name", "false"),
        "management_network": ("the network the switch is managed on", '"lab"'),
        "model": (
            "the hardware model: its port list (`elenta check` refuses other ports)",
            '"cisco_2960_24TT_L"',
        ),
        "owned_ports": (
            "ranges elenta owns besides the listed ports: an unlisted port in them is reset",
            '["FastEthernet0/1-24"]',
        ),
        "portfast": ("access ports are edge ports unless a port says otherwise", "true"),
        "bpduguard": ("access ports get BPDU guard unless a port says otherwise", "true"),
        "timeout": ("seconds to wait for the switch: connection, login, each reply", "15"),
        "revert_minutes": (
            "minutes after which the switch reverts an unconfirmed apply touching its management VLAN",
            "5",
        ),
    },
    "Credentials": {
        "username": ("the login name", '"admin"'),
        "password_env": ("the environment variable holding the password", '"ELENTA_SW1_PASSWORD"'),
        "password_file": ("a file holding the password", '"/run/secrets/sw1"'),
        "enable_env": ("the environment variable holding the enable secret", '"ELENTA_SW1_ENABLE"'),
    },
    "SwitchPort": {
        "machine": ("the machine plugged in", '"toto"'),
        "interface": ("that machine's interface (gives the access VLAN)", '"enp2s0"'),
        "mode": ("access (one VLAN) or trunk (several)", '"trunk"'),
        "network": ("access: the network whose VLAN the port carries", '"lab"'),
        "networks": ("trunk: the networks whose VLANs the port carries", '["lab", "home"]'),
        "native": ("trunk: the untagged network", '"lab"'),
        "description": ("the port description (default: machine:interface)", '"wrt:lan"'),
        "shutdown": ("shut the port", "true"),
        "portfast": ("this access port is an edge port (default: the switch's)", "false"),
        "bpduguard": ("BPDU guard on this access port (default: the switch's)", "false"),
        "voice": ("the network whose VLAN is the port's voice VLAN", '"voice"'),
        "channel": ("ports with the same number form one LACP port-channel", "1"),
    },
    "Constellation": {
        "name": ("the constellation's name (default: the file name)", '"homelab"'),
        "vms": (
            "VMs elenta places on a machine with room for them, by name",
            'web2 = { config = ".#web", cores = 2 }',
        ),
        "containers": ("containers elenta places, by name", 'cache = ".#cache"'),
        "flake": ("the flake holding the configurations, relative to the lab", '"."'),
        "machines": (
            "what runs on each machine, by machine name",
            '[machines.archimedes] hostConfig = ".#hypervisor"',
        ),
        "domains": ("domains and their services, by domain name", '[domains."example.lab"]'),
        "roles": ("what each role needs on its hosts, by role name", "[roles.dns] dns = true"),
        "data": ("free-form data every host can read", '{ owner = "ops" }'),
    },
    "Placement": {
        "hostConfig": (
            "the machine's NixOS configuration: a flake reference or a literal attrset",
            '".#dns"',
        ),
        "vms": (
            "virtual machines it hosts, by name",
            'web1 = { config = ".#web", cores = 2, memory = "2G" }',
        ),
        "containers": ("containers it hosts, by name", 'cache = ".#cache"'),
        "data": ("free-form data for this machine's roles", '{ zone_admin = "hostmaster" }'),
        "tags": ("tags added to the cadaster's, for selection", '["web"]'),
    },
    "Guest": {
        "config": ("its configuration: a flake reference or a literal attrset", '".#web"'),
        "cores": ("CPU cores it takes from its host", "2"),
        "memory": ("memory it takes: MiB or a size", '"2G"'),
        "disk": ("disk it takes: MiB or a size", '"20G"'),
        "disks": ("extra disk images", '["/var/lib/vm/web1-data.img"]'),
    },
    "Domain": {
        "redirect_bare_to": ("the service whose addresses the bare domain carries", '"www"'),
        "services": ("services by name: each a CNAME to its host", '[domains."example.lab".services.www]'),
        "ttl": ("TTL of the domain's zone, in seconds", "300"),
        "mx": ("mail exchangers of the domain", '[{ preference = 10, host = "archimedes" }]'),
        "txt": (
            "TXT records by owner (`@` is the domain)",
            '{ "@" = ["v=spf1 mx -all"], _dmarc = ["v=DMARC1; p=none"] }',
        ),
        "srv": ("SRV records of the domain", '[{ name = "_imaps._tcp", port = 993, host = "archimedes" }]'),
        "caa": (
            "which certificate authorities may issue for the domain",
            '[{ tag = "issue", value = "letsencrypt.org" }]',
        ),
    },
    "PlacedGuest": {
        "config": ("its configuration: a flake reference or a literal attrset", '".#web"'),
        "cores": ("CPU cores it needs on its host", "2"),
        "memory": ("memory it needs: MiB or a size", '"2G"'),
        "disk": ("disk it needs: MiB or a size", '"20G"'),
        "disks": ("extra disk images", '["/var/lib/vm/web2-data.img"]'),
        "host": ("`any`: elenta places it (`elenta place --explain`); or a machine", '"any"'),
        "tags": ("placed only on a machine carrying these tags", '["compute"]'),
        "spread": ("never beside another guest of the same configuration", "true"),
    },
    "Service": {
        "role": ("the role serving it", '"web"'),
        "host": ("the machine it runs on; `any` (the default): elenta places it", '"archimedes"'),
        "cores": ("CPU cores it needs on its host (for placement)", "1"),
        "memory": ("memory it needs: MiB or a size", '"512M"'),
        "disk": ("disk it needs: MiB or a size", '"10G"'),
        "tags": ("placed only on a machine carrying these tags", '["web"]'),
        "spread": ("never beside another service of the same role", "true"),
        "extraOpts": ("free-form options for the role", '{ root = "/srv/www" }'),
        "srv": (
            "SRV records it publishes in its domain; the target is its host",
            '[{ name = "_http._tcp", port = 80 }]',
        ),
    },
    "MxRecord": {
        "preference": ("lower is tried first", "10"),
        "host": ("a machine of the cadaster, or an outside name ending in `.`", '"archimedes"'),
    },
    "SrvRecord": {
        "name": ("`_service._proto`", '"_imaps._tcp"'),
        "port": ("the port", "993"),
        "priority": ("lower is tried first", "0"),
        "weight": ("share among equal priorities", "0"),
        "host": ("a machine, or an outside name ending in `.` (under a service: its host)", '"archimedes"'),
    },
    "CaaRecord": {
        "tag": ("issue, issuewild or iodef", '"issue"'),
        "value": (
            "a CA's domain (`;` alone forbids every CA), or a mailto:/https: URL for iodef",
            '"letsencrypt.org"',
        ),
        "flags": ("0, or 128 (critical)", "0"),
    },
    "Role": {
        "ports": ("ports opened on its hosts", '[{ port = 53, proto = "udp" }]'),
        "dhcp": (
            "its hosts serve DHCP: which server, which networks",
            '{ server = "kea", networks = ["lab"] }',
        ),
        "health": ("checks after activation; a failing one rolls the host back", "[{ tcp = 53 }]"),
        "backup": ("what to save before a deploy and how to restore it", '{ paths = ["/var/lib/knot"] }'),
        "exports": ("NFS exports of its hosts", '[{ path = "/srv/media", clients = ["lab"] }]'),
        "mounts": ("NFS mounts its hosts need", '["nancy:/srv/media"]'),
        "dns": ("its hosts serve the lab's zones", "true"),
        "nfs": ("its hosts serve NFS exports", "true"),
        "netboot": ("its hosts serve a netboot store", "true"),
        "data": ("free-form data for the role", '{ zone_admin = "hostmaster" }'),
    },
    "PortSpec": {
        "port": ("the port number", "53"),
        "proto": ("tcp or udp", '"udp"'),
        "interface": (
            "only on this interface (an alias is opened on its physical interface)",
            '"enp2s0_dns"',
        ),
    },
    "HealthCheck": {
        "command": ("a command on the host: exit 0 is healthy", '"systemctl is-active knot"'),
        "tcp": ("a TCP port the deployer connects to", "53"),
        "http": ("a URL the deployer fetches (2xx is healthy)", '"http://127.0.1.4/"'),
        "timeout": ("seconds before the check fails", "10"),
    },
    "Backup": {
        "paths": ("paths saved before a deploy", '["/var/lib/knot"]'),
        "command": (
            "a command run before saving (e.g. a database dump)",
            '"pg_dumpall > /var/backup/db.sql"',
        ),
        "restore": (
            "the command restoring the backup (`$ELENTA_BACKUP` names the archive)",
            '"tar xzf \\"$ELENTA_BACKUP\\" -C /"',
        ),
    },
    "Export": {
        "path": ("the exported path", '"/srv/media"'),
        "clients": ("machines or networks allowed", '["archimedes", "lab"]'),
        "options": ("export options", '["ro"]'),
    },
    "LabSettings": {
        "nix": ("how elenta runs Nix for this lab", 'config = "substituters ="'),
        "timeouts": ("how long the long steps may take", "nix_build = 3600"),
        "ssh": ("how elenta reaches machines `elenta lab up` did not start", 'config = "ssh_config"'),
    },
    "NixSettings": {
        "config": ("nix.conf lines added after the machine's own Nix configuration", '"substituters =\\n"'),
        "substitute_on_destination": ("hosts fetch what they can from their binary caches", "true"),
        "build_on": ("`deployer` (default) or `target`: build each system on its host", '"target"'),
        "sign_key": (
            "sign copies with this key (never inside the lab folder)",
            '"~/.config/elenta/deploy.sec"',
        ),
    },
    "SshSettings": {
        "config": ("an ssh_config file for the lab's machines (`ssh -F`)", '"ssh_config"'),
    },
    "Timeouts": {
        "nix_build": ("seconds one `nix build` of the selected systems may take", "3600"),
        "nix_copy": ("seconds one `nix copy` of a closure to a host may take", "1800"),
    },
}
