//! The guard of every request to an address someone else gave us: a
//! tenant's issuer, an application's back-channel logout URI.
//!
//! Such a request leaves from inside our network, so without a guard it is
//! server-side request forgery: the instance metadata service at
//! 169.254.169.254, internal load balancers, the loopback. The guard allows
//! `https` only; resolves the host first and requires **every** address to
//! be public ([`is_public`]: also inside IPv4-mapped, IPv4-compatible, 6to4
//! or NAT64 IPv6); pins the connection to the addresses checked, so DNS
//! rebinding between check and connect cannot move it; uses no proxy (a
//! proxy would resolve the host itself); follows no redirect (a caller that
//! follows one asks the guard again for the next hop); and times out.
//! Trusted origins skip the address checks: the local stack's own services
//! on loopback, never a deployed function. See
//! doc/adr/0015-sso-configuration.md.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use url::Url;

/// Why the guard would not let a request out.
#[derive(Debug, thiserror::Error)]
pub enum EgressError {
    /// The URL is not `https` (and its origin is not trusted).
    #[error("not https")]
    NotHttps,
    /// The URL has no host to connect to.
    #[error("no host")]
    NoHost,
    /// The host name has no address, or looking it up failed.
    #[error("the host name does not resolve")]
    DoesNotResolve,
    /// Looking the host name up took longer than the timeout.
    #[error("the host name was not resolved in time")]
    NotInTime,
    /// One of the host's addresses is not public; `kind` is what kind
    /// ([`kind`]), for the log: never the address.
    #[error("the host resolves to an internal address ({kind})")]
    InternalAddress { kind: &'static str },
    /// The HTTP client could not be built: ours to fix, not the URL's.
    #[error("the HTTP client could not be built: {0}")]
    Client(#[source] reqwest::Error),
}

impl EgressError {
    /// What to tell whoever gave us the URL, about it (ERR-VAL-400's
    /// reason). Never names an address.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NotHttps => "must use https",
            Self::NoHost => "has no host",
            Self::DoesNotResolve => "its host name does not resolve",
            Self::NotInTime => "its host name could not be resolved in time",
            Self::InternalAddress { .. } => {
                "resolves to a private, loopback, link-local or otherwise internal address"
            }
            Self::Client(_) => "could not be reached",
        }
    }
}

/// Whether `ip` is an address anybody on the internet could reach, as
/// opposed to ours, the host's or nobody's.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local() // 169.254.0.0/16: the instance metadata service
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    let embedded =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    // NAT64 (64:ff9b::/96) reaches the IPv4 address it embeds.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        return is_public_v4(embedded(s[6], s[7]));
    }
    // IPv4-compatible (::a.b.c.d, deprecated) reaches the IPv4 address too.
    if s[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified() {
        return is_public_v4(embedded(s[6], s[7]));
    }
    // 6to4 (2002::/16) tunnels to the IPv4 address in its prefix.
    if s[0] == 0x2002 {
        return is_public_v4(embedded(s[1], s[2]));
    }
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local, incl. fd00:ec2::254 (metadata)
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] == 0x0000) // Teredo: tunnels anywhere
        || (s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 0x0001) // local-use NAT64
        || s[0] == 0x0100 && s[1..4] == [0; 3]) // discard-only
}

/// What kind of address was refused, for the log (never the address).
pub fn kind(ip: IpAddr) -> &'static str {
    if ip.is_loopback() {
        "loopback"
    } else if matches!(ip, IpAddr::V4(v4) if v4.is_link_local()) {
        "link-local"
    } else {
        "internal"
    }
}

/// Lets requests out only to public addresses. Built once per function
/// from its trusted origins (`scheme://host[:port]`, exactly), which skip
/// the address checks and may be plain `http`: the local stack's own
/// services, never set in a deployed environment.
#[derive(Debug, Clone, Default)]
pub struct EgressGuard {
    trusted: Vec<String>,
}

impl EgressGuard {
    /// A guard trusting exactly these origins (none: trusting nothing).
    pub fn new<I, S>(trusted: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let trusted = trusted
            .into_iter()
            .map(|o| o.as_ref().trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        Self { trusted }
    }

    /// A guard trusting the origins of a comma-separated list, as the
    /// environment variable `EGRESS_TRUSTED_ORIGINS` holds them.
    pub fn from_list(list: &str) -> Self {
        Self::new(list.split(','))
    }

    /// Whether `url`'s origin is one of the trusted ones.
    pub fn is_trusted(&self, url: &Url) -> bool {
        let origin = url.origin();
        if !origin.is_tuple() {
            return false;
        }
        let origin = origin.ascii_serialization();
        self.trusted.contains(&origin)
    }

    /// A client for a request to `url` and to nothing else: `https` only,
    /// connecting only to the host's addresses checked here (every one
    /// public), with no proxy, no redirects followed and `timeout` for the
    /// lookup, the connection and the request each. A trusted origin gets
    /// the same client without the address checks.
    pub async fn client_for(
        &self,
        url: &Url,
        timeout: Duration,
    ) -> Result<reqwest::Client, EgressError> {
        let trusted = self.is_trusted(url);
        if !trusted && url.scheme() != "https" {
            return Err(EgressError::NotHttps);
        }
        // No proxy: a proxy would resolve the host itself, around the
        // pinned, checked addresses.
        let mut client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout);
        if !trusted {
            let host = url.host_str().unwrap_or_default().to_owned();
            client = client.resolve_to_addrs(&host, &checked_addresses(url, timeout).await?);
        }
        client.build().map_err(|e| {
            tracing::error!(error = %e, "the egress HTTP client could not be built");
            EgressError::Client(e)
        })
    }
}

/// The addresses a URL's host may be reached at, all of them public.
async fn checked_addresses(url: &Url, timeout: Duration) -> Result<Vec<SocketAddr>, EgressError> {
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or(EgressError::NoHost)?;
    let port = url.port_or_known_default().unwrap_or(443);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> =
        tokio::time::timeout(timeout, tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| EgressError::NotInTime)?
            .map_err(|_| EgressError::DoesNotResolve)?
            .collect();
    if addresses.is_empty() {
        return Err(EgressError::DoesNotResolve);
    }
    if let Some(bad) = addresses.iter().find(|a| !is_public(a.ip())) {
        let kind = kind(bad.ip());
        tracing::warn!(address_kind = kind, "egress refused: not a public address");
        return Err(EgressError::InternalAddress { kind });
    }
    Ok(addresses)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn uc_tenant_sso_internal_addresses_are_never_public() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "198.18.0.1",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
            "::a9fe:a9fe",         // IPv4-compatible 169.254.169.254
            "::10.0.0.1",          // IPv4-compatible private
            "2002:a9fe:a9fe::1",   // 6to4 of 169.254.169.254
            "2002:7f00:1::1",      // 6to4 of 127.0.0.1
            "2001:0:4136:e378::1", // Teredo
            "64:ff9b:1::a00:1",    // local-use NAT64
            "fec0::1",             // site-local
        ] {
            assert!(!is_public(internal.parse().unwrap()), "{internal}");
        }
        for public in [
            "20.190.128.1",
            "8.8.8.8",
            "2603:1030::1",
            "::ffff:20.190.128.1",
            "2002:14be:8001::1", // 6to4 of 20.190.128.1
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn only_the_exact_trusted_origins_are_trusted() {
        let guard = EgressGuard::from_list(" http://127.0.0.1:8080/ , ,http://localhost:9000");
        let trusted = |u: &str| guard.is_trusted(&Url::parse(u).unwrap());
        assert!(trusted(
            "http://127.0.0.1:8080/.well-known/openid-configuration"
        ));
        assert!(trusted("http://localhost:9000"));
        assert!(!trusted("http://127.0.0.1:8081/"));
        assert!(!trusted("https://127.0.0.1:8080/"));
        assert!(!trusted("http://127.0.0.2:8080/"));
        assert!(!EgressGuard::default().is_trusted(&Url::parse("http://127.0.0.1:8080").unwrap()));
        // An opaque origin ("null") is never trusted, whatever the list says.
        let null = EgressGuard::new(["null"]);
        assert!(!null.is_trusted(&Url::parse("data:text/plain,x").unwrap()));
    }

    #[tokio::test]
    async fn a_url_that_is_not_https_is_refused_unless_its_origin_is_trusted() {
        let timeout = Duration::from_secs(5);
        let url = Url::parse("http://127.0.0.1:8080/x").unwrap();
        let refused = EgressGuard::default().client_for(&url, timeout).await;
        assert!(matches!(refused, Err(EgressError::NotHttps)), "{refused:?}");
        let trusted = EgressGuard::new(["http://127.0.0.1:8080"]);
        assert!(trusted.client_for(&url, timeout).await.is_ok());
    }

    #[tokio::test]
    async fn a_host_with_an_internal_address_gets_no_client_and_the_error_says_what_kind() {
        let guard = EgressGuard::default();
        for (url, want) in [
            ("https://127.0.0.1/", "loopback"),
            ("https://169.254.169.254/latest/meta-data", "link-local"),
            ("https://[fd00:ec2::254]/", "internal"),
            ("https://10.0.0.8:8443/", "internal"),
        ] {
            let url = Url::parse(url).unwrap();
            match guard.client_for(&url, Duration::from_secs(5)).await {
                Err(e @ EgressError::InternalAddress { kind }) => {
                    assert_eq!(kind, want, "{url}");
                    assert!(e.reason().contains("internal"), "{url}");
                }
                other => panic!("{url}: {other:?}"),
            }
        }
    }
}
