//! Where a registry may send the client. A registry steers requests: redirects, the `Location` of
//! a blob upload, the token server (`realm`) its challenge names, and the servers those redirect
//! to; a hostile one would point them into the client's own network (a cloud metadata service at
//! 169.254.169.254, an admin port on loopback, a service on 10.0.0.0/8), with the client's
//! credentials attached (server-side request forgery). One policy covers them all: any target
//! other than the registry's own host and port must not be, nor resolve to, an address inside a
//! network — loopback, private (RFC 1918, unique local), link-local, shared (CGNAT, 100.64.0.0/10),
//! benchmarking (198.18.0.0/15), multicast, broadcast, reserved or unspecified, IPv4-mapped and
//! NAT64 forms included. Names are resolved and every address is checked, both before the request
//! ([`AddressPolicy::check`]) and when the connection is made ([`GuardedResolver`]), so a name that
//! changes its answer in between (DNS rebinding) is caught too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ocitrust_core::{Error, ErrorCode, Result};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

/// The registry a client talks to, whose own host and port are always allowed.
#[derive(Debug, Clone)]
pub(crate) struct AddressPolicy {
    /// `host[:port]` as the registry's URLs spell it, lower-cased.
    own_host: String,
}

impl AddressPolicy {
    /// The policy for the registry at `host` (`host[:port]`).
    pub(crate) fn for_registry(host: &str) -> Self {
        AddressPolicy {
            own_host: host.to_ascii_lowercase(),
        }
    }

    /// Whether `url` is on the registry's own host and port.
    pub(crate) fn is_own(&self, url: &Url) -> bool {
        authority(url).is_some_and(|a| a == self.own_host)
    }

    /// Checks that a request the registry steered to `url` (`what` it is: "redirect", "token
    /// realm", …) may be made: its own host and port, or a host outside every internal network.
    pub(crate) async fn check(&self, url: &Url, what: &str) -> Result<()> {
        if self.is_own(url) {
            return Ok(());
        }
        let refuse = |why: String| Error::new(ErrorCode::Network, format!("{what} {url}: {why}; refused"));
        let host = match url.host() {
            Some(url::Host::Ipv4(ip)) => return check_address(IpAddr::V4(ip)).map_err(refuse),
            Some(url::Host::Ipv6(ip)) => return check_address(IpAddr::V6(ip)).map_err(refuse),
            Some(url::Host::Domain(name)) => name.to_owned(),
            None => return Err(refuse("no host".into())),
        };
        let port = url.port_or_known_default().unwrap_or(443);
        let addresses = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| refuse(format!("resolving {host}: {e}")))?;
        for address in addresses {
            check_address(address.ip()).map_err(|why| refuse(format!("{host} resolves to {why}")))?;
        }
        Ok(())
    }
}

/// `host[:port]` of `url` as a registry host is written (the port only when it is in the URL).
fn authority(url: &Url) -> Option<String> {
    let host = match url.host()? {
        url::Host::Ipv6(ip) => format!("[{ip}]"),
        other => other.to_string().to_ascii_lowercase(),
    };
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// `Ok` for an address outside every internal network; otherwise what it is.
fn check_address(ip: IpAddr) -> std::result::Result<(), String> {
    match internal_network(ip) {
        Some(network) => Err(format!("{ip} is a {network} address, and not the registry itself")),
        None => Ok(()),
    }
}

/// The kind of internal network `ip` is in, if any.
pub(crate) fn internal_network(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn internal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    Some(match () {
        () if ip.is_loopback() => "loopback",
        () if ip.is_private() => "private",
        () if ip.is_link_local() => "link-local",
        () if a == 100 && (64..128).contains(&b) => "shared (CGNAT)",
        () if a == 198 && (18..20).contains(&b) => "benchmarking",
        () if ip.is_multicast() => "multicast",
        () if ip.is_broadcast() => "broadcast",
        () if a == 0 => "unspecified (\"this network\")",
        () if a >= 240 => "reserved",
        () => return None,
    })
}

fn internal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return internal_v4(v4);
    }
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return internal_v4(Ipv4Addr::from((u128::from(ip) & 0xffff_ffff) as u32));
    }
    Some(match () {
        () if ip.is_loopback() => "loopback",
        () if ip.is_unspecified() => "unspecified",
        () if ip.is_unique_local() => "private (unique local)",
        () if ip.is_unicast_link_local() => "link-local",
        () if ip.is_multicast() => "multicast",
        // Deprecated site-local (fec0::/10), and IPv4-compatible (::a.b.c.d).
        () if segments[0] & 0xffc0 == 0xfec0 => "site-local",
        () if segments[..6] == [0; 6] => "IPv4-compatible",
        () => return None,
    })
}

/// The resolver of a registry's HTTP client: the registry's own name resolves as the system says;
/// any other name (where a redirect, an upload or a token realm sent the client) must resolve to
/// addresses outside every internal network, checked when the connection is made.
#[derive(Debug)]
pub(crate) struct GuardedResolver {
    /// The registry's host name without its port, lower-cased.
    own_name: String,
}

impl GuardedResolver {
    pub(crate) fn for_registry(host: &str) -> Self {
        let name = match host.strip_prefix('[') {
            Some(rest) => rest.split(']').next().unwrap_or_default(),
            None => host.rsplit_once(':').map_or(host, |(name, _)| name),
        };
        GuardedResolver {
            own_name: name.to_ascii_lowercase(),
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let own = host == self.own_name;
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !own {
                if let Some(bad) = addresses.iter().find(|a| internal_network(a.ip()).is_some()) {
                    return Err(format!("{host} resolves to {}, inside a network; refused", bad.ip()).into());
                }
            }
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, registry: &str) -> Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(AddressPolicy::for_registry(registry).check(&Url::parse(url).unwrap(), "redirect"))
    }

    #[test]
    fn every_internal_network_is_refused_unless_it_is_the_registry() {
        for url in [
            "http://169.254.169.254/latest/meta-data",
            "http://127.0.0.1:9000/",
            "http://127.9.9.9/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.0.1/",
            "http://100.64.0.1/",
            "http://100.127.255.254/",
            "http://198.18.0.1/",
            "http://198.19.255.255/",
            "http://224.0.0.1/",
            "http://239.255.255.250/",
            "http://255.255.255.255/",
            "http://0.0.0.0/",
            "http://0.1.2.3/",
            "http://240.0.0.1/",
            "http://[::1]:9000/",
            "http://[::]/",
            "http://[fd00:ec2::254]/",
            "http://[fe80::1]/",
            "http://[ff02::1]/",
            "http://[fec0::1]/",
            "http://[::ffff:169.254.169.254]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[::127.0.0.1]/",
            // Names are resolved: localhost is loopback.
            "http://localhost:9000/",
            "http://LOCALHOST/",
        ] {
            let err = check(url, "registry.example").unwrap_err();
            assert!(err.message().contains("not the registry itself"), "{url}: {err}");
        }
        // Another port of the registry's own loopback host is another service.
        assert!(check("http://127.0.0.1:9000/", "127.0.0.1:5000").is_err());
        assert!(check("http://localhost:9000/", "localhost:5000").is_err());
    }

    #[test]
    fn the_registry_itself_and_public_addresses_are_allowed() {
        assert!(check("http://127.0.0.1:5000/v2/", "127.0.0.1:5000").is_ok());
        assert!(check("http://LocalHost:5000/v2/", "localhost:5000").is_ok());
        assert!(check("https://[::1]:5000/v2/", "[::1]:5000").is_ok());
        assert!(check("https://10.0.0.5/token", "10.0.0.5").is_ok());
        for url in [
            "https://8.8.8.8/",
            "https://100.63.255.255/",
            "https://100.128.0.1/",
            "https://198.20.0.1/",
            "https://[2001:4860:4860::8888]/",
        ] {
            assert!(check(url, "registry.example").is_ok(), "{url}");
        }
    }

    #[test]
    fn the_resolver_refuses_internal_answers_for_names_other_than_the_registry() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let resolve = |registry: &str, name: &str| {
            let resolver = GuardedResolver::for_registry(registry);
            runtime
                .block_on(resolver.resolve(name.parse().unwrap()))
                .map(|a| a.count())
        };
        assert!(resolve("localhost:5000", "localhost").unwrap() > 0);
        let err = resolve("registry.example:5000", "localhost").unwrap_err();
        assert!(err.to_string().contains("inside a network"), "{err}");
    }
}
